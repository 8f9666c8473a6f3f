from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercania.privacy.services import audit_export
from cercania.reports.forms import MAX_DAYS
from cercania.reports.open_data import dictionary_csv, open_data_csv


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Fecha no válida: «{text}». Usa AAAA-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Write the open-data CSV (monthly counts by service, channel and matter area; only "
        "women who consented to anonymous statistics; small cells suppressed) and its data "
        "dictionary beside it (<name>_diccionario.csv)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument("--output", required=True, help="Path of the data CSV to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _day(options["start"]), _day(options["end"])
        if end < start:
            raise CommandError("La fecha final es anterior a la inicial.")
        if (end - start).days > MAX_DAYS:
            raise CommandError("El periodo puede ser de hasta tres años.")
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"No existe la carpeta {output.parent}.")
        dictionary = output.with_name(f"{output.stem}_diccionario.csv")
        content, rows = open_data_csv(start=start, end=end)
        output.write_bytes(content)
        dictionary.write_bytes(dictionary_csv(start=start, end=end))
        audit_export(
            request=None,
            export_format="csv",
            rows=rows,
            object_type="reports.open_data",
            filters={"desde": start, "hasta": end, "consent_only": True},
        )
        self.stdout.write(f"{rows} filas en {output}; diccionario de datos en {dictionary}.")
