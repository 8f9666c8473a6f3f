from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercania.privacy.audit_copy import audit_copy_compare
from cercania.privacy.services import audit_retention_days

SHOWN = 20  # ids listed per finding; the counts are always whole


def _day(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"Fecha no válida: {value!r} (use AAAA-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Compare a copy of the audit trail (the lines CERCANIA_AUDIT_COPY shipped, as the "
        "log server stored them; '-' reads standard input) with the database. Exits with "
        "an error when a row was deleted or altered, or a line is forged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("copy", help="file of the copy, or - for standard input")
        parser.add_argument("--since", type=_day, help="from this day (UTC), AAAA-MM-DD")
        parser.add_argument("--until", type=_day, help="before this day (UTC), AAAA-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["copy"]
        try:
            handle = (
                sys.stdin
                if source == "-"
                else Path(source).open(encoding="utf-8", errors="replace")  # noqa: SIM115
            )
        except OSError as error:
            raise CommandError(f"No se pudo leer la copia: {error.strerror}.") from None
        with handle:
            result = audit_copy_compare(
                lines=handle,
                retention_days=audit_retention_days(),
                since=options["since"],
                until=options["until"],
            )
        write = self.stdout.write
        if result.since is None or result.until is None:
            if result.forged:
                write(f"{len(result.forged)} líneas de la copia no tienen un sello válido.")
                raise CommandError(
                    "La copia no tiene ningún registro de bitácora con un sello válido: "
                    "revise de dónde viene y con qué clave se selló."
                )
            raise CommandError("La copia no tiene ningún registro de bitácora válido.")
        write(
            f"Periodo: {result.since.isoformat(timespec='seconds')} a "
            f"{result.until.isoformat(timespec='seconds')} (UTC)."
        )
        write(f"{result.matched} registros coinciden con la copia.")
        if result.expired:
            write(
                f"{result.expired} registros de la copia ya pasaron el plazo de conservación "
                "(eliminados por la purga, como corresponde)."
            )
        findings = [
            (result.deleted, "están en la copia y ya no en la base de datos (eliminados)"),
            (result.altered, "son distintos en la base de datos y en la copia (modificados)"),
            (result.not_copied, "están en la base de datos y no en la copia (sin enviar)"),
        ]
        for ids, what in findings:
            if ids:
                write(f"{len(ids)} registros {what}:")
                for public_id in ids[:SHOWN]:
                    write(f"  {public_id}")
                if len(ids) > SHOWN:
                    write(f"  … y {len(ids) - SHOWN} más.")
        if result.forged:
            lines = ", ".join(str(n) for n in result.forged[:SHOWN])
            write(
                f"{len(result.forged)} líneas de la copia no tienen un sello válido "
                f"(no se tomaron en cuenta): {lines}."
            )
        if result.tampered:
            raise CommandError(
                "La bitácora no coincide con su copia: revise los registros indicados."
            )
