from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from cercania.operations.backups import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write an encrypted archive of the whole database (pg_dump or SQLite's backup API) "
        "under CERCANIA_BACKUP_KEY. The field-encryption keys are not in it. See docs/backup.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="File to create, or an existing folder for a dated file (default: var/backups/).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            written = backup_write(using=options["database"], output=options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        header = written.header
        self.stdout.write(
            f"Respaldo cifrado escrito: {written.path} ({written.archive_bytes} bytes, "
            f"{header.database}, llave {header.key_id}, "
            f"{header.created_at:%Y-%m-%dT%H:%M:%SZ}) en {time.monotonic() - started:.1f} s."
        )
