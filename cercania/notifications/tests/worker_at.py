"""`cercania worker` with its clock set to a given moment (and ticking from there).

    python -m cercania.notifications.tests.worker_at 2026-12-01T14:20:00-06:00 [--batch …]

The fault tests run the real worker command in its own process, at the moment the
reminders they planned are due, whatever the time of day the tests run at.
"""

from __future__ import annotations

import sys
from datetime import datetime

import time_machine


def main() -> None:
    at = datetime.fromisoformat(sys.argv[1])
    with time_machine.travel(at, tick=True):
        from cercania.cli import main as cercania

        sys.argv = ["cercania", "worker", *sys.argv[2:]]
        cercania()


if __name__ == "__main__":
    main()
