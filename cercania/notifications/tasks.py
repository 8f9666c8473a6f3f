"""Background tasks (django-tasks, database backend), run by `cercania worker`.

A task carries only a delivery id: the queue table is plain JSON, so no address, name
or text is ever stored there.
"""

from __future__ import annotations

from django_tasks import task


@task()
def deliver(delivery_id: int) -> str:
    from .services import delivery_run

    return delivery_run(delivery_id=delivery_id)
