from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from cercania.operations.backups import BackupError, archive_describe, restore_archive


class Command(BaseCommand):
    help = (
        "Restore an archive written by `cercania backup` into an empty database (--force "
        "replaces a non-empty one). The whole archive is authenticated first: a wrong key, "
        "an altered or a cut archive restores nothing. See docs/backup.md."
    )
    # The target may be empty or hold another version's tables: checks must not read it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The archive.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore into a database that is not empty, replacing what the archive holds.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only authenticate the whole archive and describe it; restore nothing.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            if options["check"]:
                header, size = archive_describe(path=options["path"])
                self.stdout.write(
                    f"Respaldo íntegro: {header.database}, creado "
                    f"{header.created_at:%Y-%m-%dT%H:%M:%SZ}, llave {header.key_id}, "
                    f"{size} bytes de volcado. No se restauró nada."
                )
                return
            done = restore_archive(
                path=options["path"], using=options["database"], force=options["force"]
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        header = done.header
        self.stdout.write(
            f"Respaldo restaurado: {header.database}, creado "
            f"{header.created_at:%Y-%m-%dT%H:%M:%SZ}, {done.plaintext_bytes} bytes de volcado, "
            f"en {time.monotonic() - started:.1f} s."
        )
        if done.unreadable_fields:
            # The restore itself worked; the data needs the ring it was written with.
            self.stderr.write(
                "ATENCIÓN: las llaves CERCANIA_FIELD_KEYS de este entorno no abren estos "
                "campos cifrados (these field keys cannot decrypt): "
                + ", ".join(done.unreadable_fields)
            )
