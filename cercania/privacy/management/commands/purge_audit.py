from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercania.privacy.services import audit_purge_expired, audit_retention_days


class Command(BaseCommand):
    help = (
        "Delete audit-trail rows older than AUDIT_RETENTION_DAYS (default 3650). "
        "Meant for a scheduled run; --dry-run only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the expired rows, delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = audit_retention_days()
        if options["dry_run"]:
            count = audit_purge_expired(dry_run=True)
            self.stdout.write(
                f"{count} registros de bitácora con más de {days} días se eliminarían "
                "(simulación: no se eliminó nada)."
            )
            return
        count = audit_purge_expired()
        self.stdout.write(f"{count} registros de bitácora con más de {days} días eliminados.")
