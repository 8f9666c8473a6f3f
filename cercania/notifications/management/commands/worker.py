"""`cercania worker`: send messages when they are due; plan the staff agenda emails.

Run one (or more) beside the web server; see docs/notifications.md.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string

from cercania.notifications.worker import (
    HeartbeatThread,
    SchedulerThread,
    make_worker,
    scheduler_tick,
)


class Command(BaseCommand):
    help = (
        "Run the background worker: sends confirmations, reminders and notices when due "
        "(django-tasks database queue) and plans each advisor's next-day agenda email at "
        "STAFF_AGENDA_EMAIL_HOUR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run what is due now, then exit (for cron or a one-off check).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when the queue is empty (default 1).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only run tasks; do not plan staff agenda emails (run one scheduler in total "
            "if you like, though several are harmless).",
        )
        parser.add_argument(
            "--worker-id", default="", help="A unique name for this worker (default: random)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("django_tasks_db", "django_tasks", "cercania.notifications"):
            logging.getLogger(name).setLevel(
                logging.INFO if options["verbosity"] else logging.WARNING
            )
        worker_id = options["worker_id"] or get_random_string(32)
        worker = make_worker(
            batch=options["batch"], interval=options["interval"], worker_id=worker_id
        )
        heartbeat = HeartbeatThread(worker_id=worker_id)
        if options["batch"]:
            heartbeat.beat()  # a batch run from cron shows in /healthz too
        else:
            heartbeat.start()  # its first beat is now
        scheduler = None
        if options["batch"] and not options["no_scheduler"]:
            scheduler_tick()
        elif not options["no_scheduler"]:
            scheduler = SchedulerThread()  # its first tick is now
            scheduler.start()
        if not options["batch"]:
            # Ctrl+C / SIGTERM: finish the current task, then stop.
            worker.configure_signals()
        try:
            worker.run()
        finally:
            heartbeat.stop()
            if scheduler is not None:
                scheduler.stop()
