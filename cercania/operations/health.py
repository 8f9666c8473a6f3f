"""The checks behind /healthz: database, background worker, outgoing mail, and the
audit trail's copy.

Each answer says only what an operator needs (ok, how old, which kind of backend):
never a host name, an address, a user name or an exception text, because /healthz is
public and its body may end up in a monitoring service.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import DatabaseError, connection
from django.utils import timezone

from cercania.privacy.audit_copy import copy_logger

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# A refused SMTP server answers fast; a dropped packet would hold the request. The
# answer is cached so a busy monitor (or anyone, /healthz is public) cannot turn
# the health check into a stream of connections to the mail server.
SMTP_PROBE_TIMEOUT_SECONDS = 3
SMTP_PROBE_CACHE_SECONDS = 60
SMTP_PROBE_CACHE_KEY = "healthz:smtp"

# Django's own backends by module; anything else is reported as "other".
MAIL_BACKEND_KINDS = {
    "django.core.mail.backends.smtp": "smtp",
    "django.core.mail.backends.console": "console",
    "django.core.mail.backends.filebased": "file",
    "django.core.mail.backends.locmem": "memory",
    "django.core.mail.backends.dummy": "dummy",
}


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return False
    return True


@dataclass(frozen=True)
class WorkerHealth:
    status: Literal["ok", "stale", "never"]
    age_seconds: int | None  # since the newest beat of any worker

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "age_seconds": self.age_seconds,
            "stale_after_seconds": settings.WORKER_STALE_SECONDS,
        }


def worker_health(*, now: datetime | None = None) -> WorkerHealth:
    now = now or timezone.now()
    newest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if newest is None:
        return WorkerHealth(status="never", age_seconds=None)
    age = max(0, int((now - newest).total_seconds()))
    return WorkerHealth(
        status="stale" if age > settings.WORKER_STALE_SECONDS else "ok", age_seconds=age
    )


def mail_backend_kind() -> str:
    return MAIL_BACKEND_KINDS.get(settings.EMAIL_BACKEND.rsplit(".", 1)[0], "other")


def _smtp_accepts_a_connection() -> bool:
    # Django's own backend opens the connection as a real send would: STARTTLS and
    # login included, so a wrong password shows here, not in the delivery log.
    backend = get_connection(timeout=SMTP_PROBE_TIMEOUT_SECONDS, fail_silently=False)
    try:
        backend.open()
    except Exception as error:  # any failure means "cannot send"
        # The class only: an SMTP error's text may quote the login name.
        logger.warning(
            "health check: SMTP server refused or unreachable (%s)", type(error).__name__
        )
        return False
    with contextlib.suppress(Exception):  # closing one that worked is not a failure
        backend.close()
    return True


def mail_health() -> dict[str, object]:
    kind = mail_backend_kind()
    if kind != "smtp":
        return {"backend": kind, "status": "not_checked"}
    try:
        cached = cache.get(SMTP_PROBE_CACHE_KEY)
    except Exception:  # a missing cache table must not break the check
        logger.warning("health check: cache unavailable, SMTP probe not cached")
        cached = None
    if cached is None:
        cached = "ok" if _smtp_accepts_a_connection() else "unreachable"
        try:
            cache.set(SMTP_PROBE_CACHE_KEY, cached, SMTP_PROBE_CACHE_SECONDS)
        except Exception:
            logger.warning("health check: cache unavailable, SMTP probe not cached")
    return {"backend": kind, "status": cached}


def _syslog_socket_accepts(address: str) -> bool:
    # Connecting a datagram socket sends nothing: it only finds whether a syslog
    # daemon is listening there.
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as probe:
            probe.connect(address)
    except OSError:
        return False
    return True


def _file_writable(path: str) -> bool:
    if os.path.exists(path):
        return os.access(path, os.W_OK)
    # Moved away by logrotate: the handler opens it again, if its folder is there.
    folder = os.path.dirname(path)
    return os.path.isdir(folder) and os.access(folder, os.W_OK)


def audit_copy_health() -> dict[str, object]:
    """Whether the copy of the audit trail (CERCANIA_AUDIT_COPY) can be written now,
    read from the handler this process really has, not from the setting."""
    for handler in copy_logger.handlers:
        if isinstance(handler, logging.handlers.SysLogHandler) and isinstance(handler.address, str):
            ok = _syslog_socket_accepts(handler.address)
            return {"destination": "syslog", "status": "ok" if ok else "unreachable"}
        if isinstance(handler, logging.FileHandler):
            ok = _file_writable(handler.baseFilename)
            return {"destination": "file", "status": "ok" if ok else "unreachable"}
    return {"destination": "off", "status": "not_checked"}
