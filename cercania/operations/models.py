"""What the health check reads: the background worker's heartbeat."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last moment one `cercania worker` process said it was alive.

    One row per worker id (random per start unless given); rows of workers gone for a
    day are dropped by the next beat. No audit row: a beat changes nothing anyone
    could be held to account for, and one every half minute would bury the trail.
    """

    worker_id = models.CharField(_("proceso"), max_length=64)
    hostname = models.CharField(_("equipo"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("iniciado"))
    seen_at = models.DateTimeField(_("último latido"))

    class Meta:
        verbose_name = _("latido del proceso de mensajes")
        verbose_name_plural = _("latidos del proceso de mensajes")
        constraints = [
            models.UniqueConstraint(
                fields=["worker_id"], name="operations_workerheartbeat_unique_worker"
            ),
        ]
        # healthz reads the newest beat.
        indexes = [models.Index(fields=["-seen_at"], name="operations_heartbeat_seen")]

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class RateLimitWindow(models.Model):
    """How many times one client hit one limit in one window (cercania.lib.ratelimit),
    when the cache is the database: counted by one atomic upsert, where Django's
    database cache takes five queries per hit and two clients can lose a count.

    The key holds a hash of the address, never the address; a window's row lives a
    few seconds past its end and is deleted when a later window opens.
    """

    window_key = models.CharField(max_length=120, primary_key=True)
    hits = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("ventana de límite de peticiones")
        verbose_name_plural = _("ventanas de límite de peticiones")

    def __str__(self) -> str:
        return self.window_key
