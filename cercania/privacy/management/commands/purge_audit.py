from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercania.privacy.services import (
    audit_purge_expired,
    audit_retention_days,
    login_log_retention_days,
    login_logs_purge_expired,
)


class Command(BaseCommand):
    help = (
        "Delete audit-trail rows older than AUDIT_RETENTION_DAYS (default 3650) and "
        "django-axes sign-in rows (failures, attempts, accesses) older than "
        "LOGIN_LOG_RETENTION_DAYS (default 90). Meant for a scheduled run; --dry-run "
        "only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the expired rows, delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        days = audit_retention_days()
        login_days = login_log_retention_days()
        count = audit_purge_expired(dry_run=dry_run)
        logins = sum(login_logs_purge_expired(dry_run=dry_run).values())
        if dry_run:
            self.stdout.write(
                f"{count} registros de bitácora con más de {days} días se eliminarían "
                "(simulación: no se eliminó nada)."
            )
            self.stdout.write(
                f"{logins} registros de inicio de sesión con más de {login_days} días "
                "se eliminarían (simulación: no se eliminó nada)."
            )
            return
        self.stdout.write(f"{count} registros de bitácora con más de {days} días eliminados.")
        self.stdout.write(
            f"{logins} registros de inicio de sesión con más de {login_days} días eliminados."
        )
