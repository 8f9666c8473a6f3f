from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercania.lib.fields import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the newest key of CERCANIA_FIELD_KEYS. "
        "Remove an old key only after a run that rewrites nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        rewritten = rotate_all(batch_size=options["batch_size"])
        total = sum(rewritten.values())
        for label, count in sorted(rewritten.items()):
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(f"{total} valores re-cifrados con la llave más reciente.")
