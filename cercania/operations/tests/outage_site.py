"""The site of the fault tests, set up in its own process.

    python -m cercania.operations.tests.outage_site [ADVISORS]

Migrates the database of DATABASE_URL and loads the IMM Chihuahua profile and
`advisors` legal advisers (Monday–Friday 9–15) through the services, as the demo does.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime


def main(advisors: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercania.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from cercania.operations.demo import legal_advisers_create, profile_configure

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    year = datetime.now(UTC).year
    profile_configure(years=range(year, year + 2))
    legal_advisers_create(count=advisors, email_domain="example.org")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
