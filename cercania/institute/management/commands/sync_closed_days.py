from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cercania.institute.services import closed_days_sync_federal


class Command(BaseCommand):
    help = (
        "Add Mexico's federal rest days for a range of years (local days are added in the admin)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        this_year = timezone.localdate().year
        parser.add_argument("--from", dest="first", type=int, default=this_year)
        parser.add_argument("--to", dest="last", type=int, default=this_year + 1)

    def handle(self, *args: Any, **options: Any) -> None:
        first, last = options["first"], options["last"]
        if not 2000 <= first <= last <= 2100:
            raise CommandError("Give years between 2000 and 2100, --from not after --to.")
        added = closed_days_sync_federal(years=range(first, last + 1))
        self.stdout.write(f"{added} días inhábiles federales agregados ({first}–{last}).")
