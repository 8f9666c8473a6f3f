from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercania.lib.crypto import generate_hash_key, generate_key_entry


class Command(BaseCommand):
    help = "Print new secrets for a production environment file (nothing is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key-id", default="k1", help="Id of the new field-encryption key.")
        parser.add_argument("--backup-key-id", default="b1", help="Id of the new backup key.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"CERCANIA_SECRET_KEY={secrets.token_urlsafe(64)}")
        self.stdout.write(f"CERCANIA_FIELD_KEYS={generate_key_entry(options['key_id'])}")
        self.stdout.write(f"CERCANIA_FIELD_HASH_KEY={generate_hash_key()}")
        # Keep this one apart from the others and from the archives (docs/backup.md).
        self.stdout.write(f"CERCANIA_BACKUP_KEY={generate_key_entry(options['backup_key_id'])}")
