"""CSV and XLSX of an indicator table.

CSV: UTF-8 with a BOM so Excel on Windows reads the accents; every text cell that a
spreadsheet would run as a formula (= + - @ tab CR) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | None


def neutralise(value: Cell) -> Cell:
    """A text cell a spreadsheet would treat as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _rows(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> list[list[Cell]]:
    return [[neutralise(c) for c in header]] + [[neutralise(c) for c in row] for row in rows]


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _rows(header, rows):
        writer.writerow(["" if c is None else c for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    # Sheet titles: at most 31 characters, none of []:*?/\ .
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Informe"
    for row in _rows(header, rows):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
