from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercania.institute.services import institute_configure, load_profile
from cercania.partners.services import partners_configure


class Command(BaseCommand):
    help = "Load an institute profile (TOML): profile, lines, services, hours, notices, partners."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("profile", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            profile = load_profile(options["profile"])
            created = institute_configure(profile=profile) | partners_configure(profile=profile)
        except (OSError, tomllib.TOMLDecodeError, KeyError, ValidationError) as error:
            raise CommandError(f"No se pudo cargar el perfil: {error}") from error
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in created.items()))
