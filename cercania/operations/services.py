"""Writes of the operations app: the worker's heartbeat."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .models import WorkerHeartbeat

# A worker silent this long is gone (restarted under a new id): its row is dropped.
HEARTBEAT_FORGET_AFTER = timedelta(days=1)


@transaction.atomic
def worker_heartbeat_record(
    *, worker_id: str, started_at: datetime, now: datetime | None = None
) -> WorkerHeartbeat:
    now = now or timezone.now()
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:64],
        defaults={"seen_at": now, "hostname": socket.gethostname()[:255]},
        create_defaults={
            "seen_at": now,
            "started_at": started_at,
            "hostname": socket.gethostname()[:255],
        },
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - HEARTBEAT_FORGET_AFTER).delete()
    return beat
