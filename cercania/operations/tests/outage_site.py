"""The site of the fault tests, set up in its own process.

    python -m cercania.operations.tests.outage_site [ADVISORS]

Migrates the database of DATABASE_URL and loads the IMM Chihuahua profile and
`advisors` legal advisers (Monday–Friday 9–15) through the services, as the demo does.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from datetime import time as clock


def main(advisors: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercania.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from cercania.accounts.roles import Role
    from cercania.accounts.services import staff_user_create
    from cercania.institute.models import Service
    from cercania.institute.services import (
        closed_days_sync_federal,
        institute_configure,
        load_profile,
    )
    from cercania.operations.demo import PROFILE
    from cercania.partners.services import partners_configure
    from cercania.scheduling.services import advisor_create, availability_window_add

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    profile = load_profile(PROFILE)
    institute_configure(profile=profile)
    partners_configure(profile=profile)
    year = datetime.now(UTC).year
    closed_days_sync_federal(years=range(year, year + 2))
    legal = Service.objects.get(code="juridico")
    for n in range(1, advisors + 1):
        user = staff_user_create(
            email=f"asesora{n}@example.org", display_name=f"Asesora {n}", roles=[Role.JURIDICO]
        )
        advisor = advisor_create(
            user=user,
            services=[legal],
            modalities=["video", "phone"],
            meeting_room_url=f"https://salas.example.org/sala-{n}",
        )
        for weekday in range(1, 6):
            availability_window_add(
                advisor=advisor, weekday=weekday, starts=clock(9), ends=clock(15)
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
