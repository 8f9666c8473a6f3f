"""Small-cell suppression for everything that leaves the institute.

A count between 1 and k−1 could point at one woman in a small company, so it is
hidden. Hiding one cell is not enough when the total is shown: total − visible cells
gives it back. So when exactly one cell is hidden, the next smallest cell is hidden
too — or more, until no hidden cell can be pinned down (see _pinned). A total below
k hides the whole table. Zeros are shown: a zero reveals nothing about anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .selectors import Table


def min_cell() -> int:
    return int(getattr(settings, "REPORTS_MIN_CELL", 5))


def _pinned(values: list[int], hidden: set[int], primary: set[int], k: int) -> bool:
    """Could someone who knows this rule pin a hidden cell to one value? They know the
    hidden cells' sum (total − visible), that a primary cell lies in 1…k−1 and that
    any cell is ≥ 0."""
    remaining = sum(values[i] for i in hidden)
    bounds = {i: (1, k - 1) if i in primary else (0, remaining) for i in hidden}
    for i in hidden:
        low_others = sum(bounds[j][0] for j in hidden if j != i)
        high_others = sum(bounds[j][1] for j in hidden if j != i)
        low = max(bounds[i][0], remaining - high_others)
        high = min(bounds[i][1], remaining - low_others)
        if low >= high:
            return True
    return False


def suppress(
    values: list[int], *, total: int, k: int | None = None
) -> tuple[list[int | None], int | None]:
    """The cells and total to publish, None where hidden."""
    k = min_cell() if k is None else k
    if 0 < total < k:
        return [None] * len(values), None
    primary = {i for i, value in enumerate(values) if 0 < value < k}
    hidden = set(primary)
    # Complementary suppression: while a hidden cell could be worked out from the
    # total (one hidden cell alone, or two hidden 1s summing to 2…), hide the next
    # smallest visible cell, non-zero first (hiding a zero adds no uncertainty).
    while hidden and _pinned(values, hidden, primary, k):
        visible = [i for i in range(len(values)) if i not in hidden]
        if not visible:
            return [None] * len(values), None
        hidden.add(min(visible, key=lambda i: (values[i] == 0, values[i], i)))
    return [None if i in hidden else value for i, value in enumerate(values)], total


@dataclass
class SafeTable:
    key: str
    title: str
    label_header: str
    value_header: str
    rows: list[tuple[str, int | None]]
    total: int | None

    @property
    def any_hidden(self) -> bool:
        return self.total is None or any(value is None for _label, value in self.rows)


def safe_table(table: Table, *, k: int | None = None) -> SafeTable:
    """A table ready to leave the institute."""
    values = [value for _label, value in table.rows]
    published, total = suppress(values, total=table.total or 0, k=k)
    return SafeTable(
        key=table.key,
        title=table.title,
        label_header=table.label_header,
        value_header=table.value_header,
        rows=[(label, value) for (label, _v), value in zip(table.rows, published, strict=True)],
        total=total,
    )


def safe_count(value: int, *, k: int | None = None) -> int | None:
    """A single published figure: hidden below k."""
    k = min_cell() if k is None else k
    return None if 0 < value < k else value
