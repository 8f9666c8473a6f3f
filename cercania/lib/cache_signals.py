"""Per-process caches of rows (the institute's profile, the offered free times) that a
write of those rows must drop, in the process that made it, at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save


def drop_on_write(
    *,
    drop: Callable[[], None],
    senders: Iterable[type[models.Model]],
    many_to_many: Iterable[Any] = (),
    uid: str,
) -> None:
    """Call `drop` whenever a row of `senders` is saved or deleted, or a many-to-many
    relation of `many_to_many` (e.g. `Advisor.services`) changes: at once, and again when
    the transaction commits (another request of this process may have filled the cache
    from the old rows in between; outside a transaction it runs at once).

    Signals, not calls in each service: the admin (its inlines, its bulk delete) and the
    shell write these rows too, and any write must reach the cache. This only drops a
    cache; no business rule lives in a signal. A write that sends no signal
    (QuerySet.update(), raw SQL, another process) is left to the cache's own maximum age.
    """

    def on_write(**_kwargs: Any) -> None:
        drop()
        transaction.on_commit(drop)

    # weak=False: the receiver is this closure, which nothing else keeps alive.
    for model in senders:
        name = f"{uid}_{model._meta.label_lower}"
        post_save.connect(on_write, sender=model, weak=False, dispatch_uid=f"{name}_save")
        post_delete.connect(on_write, sender=model, weak=False, dispatch_uid=f"{name}_delete")
    for relation in many_to_many:
        through = relation.through
        m2m_changed.connect(
            on_write,
            sender=through,
            weak=False,
            dispatch_uid=f"{uid}_{through._meta.label_lower}_m2m",
        )
