from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercania.privacy.retention import retention_run


class Command(BaseCommand):
    help = (
        "Block the records whose purpose ended and anonymise those past their retention "
        "period (settings.RETENTION_RULES). Meant for a scheduled run (daily); "
        "--dry-run only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be blocked and anonymised; change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        lines = retention_run(dry_run=dry_run)
        verb_block, verb_delete = (
            ("se bloquearían", "se suprimirían") if dry_run else ("bloqueados", "suprimidos")
        )
        for line in lines:
            if not line.installed:
                self.stdout.write(f"{line.object_type}: no instalado, sin cambios")
                continue
            self.stdout.write(
                f"{line.object_type}: {line.to_block} {verb_block}, {line.to_delete} {verb_delete}"
            )
        if dry_run:
            self.stdout.write("(simulación: no se cambió nada)")
