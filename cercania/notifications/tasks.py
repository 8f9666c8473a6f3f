"""Background tasks (django-tasks, database backend), run by `cercania worker`.

A task carries only ids and an event name: the queue table is plain JSON, so no
address, name or text is ever stored there.
"""

from __future__ import annotations

from datetime import datetime

from django_tasks import task


@task()
def deliver(delivery_id: int) -> str:
    from .services import delivery_run

    return delivery_run(delivery_id=delivery_id)


# Ahead of the sends in the queue: a backlog of messages never delays the planning of
# a new booking's confirmation.
@task(priority=10)
def plan(appointment_id: int, event: str, at: str | None = None) -> int:
    """Plan the messages of an appointment event (see services.notifications_hook).

    `at` is when the event happened (ISO 8601): a worker that was down plans as it
    would have then, so a reminder that fell due meanwhile is still planned (and sent
    late if still useful) instead of being taken for one booked too close to the session.
    """
    from .services import Event, appointment_notify

    happened = datetime.fromisoformat(at) if at else None
    return len(appointment_notify(appointment_id=appointment_id, event=Event(event), now=happened))
