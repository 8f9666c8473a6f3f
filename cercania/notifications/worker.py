"""The worker's pieces: django-tasks-db's loop, and the periodic work it does not know.

`cercania worker` runs django-tasks-db's `Worker` (the database is the queue: no
broker) and, in a side thread, `scheduler_tick` once a minute: it plans the staff
agenda emails from STAFF_AGENDA_EMAIL_HOUR on, sweeps sends interrupted by a crash
and gives a task again to a queued message whose task crashed.
Both are idempotent, so any number of workers may run. A second side thread records a
heartbeat every 30 seconds, which /healthz reports (cercania/operations/health.py).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django_tasks.base import Task
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from cercania.operations.services import worker_heartbeat_record

from .services import (
    deliveries_requeue_orphans,
    deliveries_sweep_interrupted,
    staff_agenda_schedule,
)

logger = logging.getLogger(__name__)

SCHEDULER_INTERVAL_SECONDS = 60
HEARTBEAT_INTERVAL_SECONDS = 30


def make_worker(*, batch: bool, interval: float = 1.0, worker_id: str | None = None) -> Worker:
    return Worker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or get_random_string(32),
        excluded_queue_names=[],
    )


def run_ready_tasks(*, limit: int = 1000, only: Task[Any, Any] | None = None) -> int:
    """Run every task due now (or only those of one task function), one by one, as the
    worker does; return how many ran.

    The worker's own claim-and-run steps without its sleeps and connection recycling,
    so tests (inside a transaction) and one-off commands can drain the queue.
    """
    worker = make_worker(batch=True, worker_id="inline")
    ran = 0
    while ran < limit:
        with exclusive_transaction(DBTaskResult.objects.db):
            # Built anew each time: "due now" moves on while the batch runs.
            ready = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS)
            if only is not None:
                ready = ready.filter(task_path=only.module_path)
            task_result = ready.get_locked()
            if task_result is not None:
                task_result.claim(worker.worker_id)
        if task_result is None:
            break
        worker.run_task(task_result)
        ran += 1
    return ran


def scheduler_tick(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    planned = staff_agenda_schedule(now=now)
    if planned:
        logger.info("planned %d staff agenda emails", len(planned))
    swept = deliveries_sweep_interrupted(now=now)
    if swept:
        logger.warning("%d interrupted sends marked failed for staff review", swept)
    requeued = deliveries_requeue_orphans(now=now)
    if requeued:
        logger.warning("%d queued messages had lost their task: queued again", requeued)


class SchedulerThread(threading.Thread):
    """Calls `scheduler_tick` every minute until stopped (a daemon: dies with the worker)."""

    def __init__(self, interval: float = SCHEDULER_INTERVAL_SECONDS) -> None:
        super().__init__(name="cercania-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            close_old_connections()
            try:
                scheduler_tick()
            except Exception:
                logger.exception("scheduler tick failed; trying again in a minute")
            finally:
                close_old_connections()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()


class HeartbeatThread(threading.Thread):
    """Records this worker's heartbeat now and every 30 seconds until stopped.

    It proves the process is alive and reaches the database; a task stuck for longer
    shows as messages overdue in the delivery log, not here.
    """

    def __init__(self, *, worker_id: str, interval: float = HEARTBEAT_INTERVAL_SECONDS) -> None:
        super().__init__(name="cercania-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.started_at = timezone.now()
        self.stopped = threading.Event()

    def beat(self) -> None:
        worker_heartbeat_record(worker_id=self.worker_id, started_at=self.started_at)

    def run(self) -> None:
        while not self.stopped.is_set():
            close_old_connections()
            try:
                self.beat()
            except Exception:
                logger.exception("heartbeat failed; trying again in %d s", self.interval)
            finally:
                close_old_connections()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
