"""A copy of every audit row on a separate system, and the check that the two agree.

The audit trail is append-only in the database (triggers, `append_only.py`), but
whoever owns the database can drop a trigger and rewrite history. So each row is also
written, as soon as its transaction commits, as one JSON line on the logger
`cercania.audit.copy`, whose destination is CERCANIA_AUDIT_COPY:

- `syslog` (or `syslog:/path/of/socket`): the local syslog socket, /dev/log by default
  (journald's on a systemd server); rsyslog forwards it to the institute's log server
  and spools it to disk while that server is unreachable (deploy/rsyslog/).
- `file:/absolute/path`: a file, reopened after logrotate moves it, for a collector that
  tails it.
- empty: no copy (development, tests).

A line carries only what the row carries (ids, action, roles, IP, the metadata of
`detail`, never content), the actor by her public id rather than her email, and a seal:
HMAC-SHA256 under a subkey of FIELD_HASH_KEY. Any local process may write to syslog, so
a line whose seal does not verify is reported as forged and never trusted.

`audit_copy_compare` (the `audit_verify` command) reads a copy back: a row the copy
has and the database lost was deleted, one that differs was altered; a row the
database has and the copy lacks was not shipped (a syslog outage, a process killed
between its commit and the line).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from cercania.lib.crypto import keyed_hash
from cercania.lib.logformat import AUDIT_COPY_LOGGER

from .models import AuditEvent

LOGGER_NAME = AUDIT_COPY_LOGGER  # its handler comes from lib/logformat.py
SEAL_PURPOSE = "audit.copy"
copy_logger = logging.getLogger(LOGGER_NAME)


# The row's columns a copy line is made of, as `.values()` names them.
ROW_FIELDS = (
    "public_id",
    "occurred_at",
    "action",
    "object_type",
    "object_public_id",
    "actor__public_id",
    "actor_role",
    "ip",
    "detail",
)


def copy_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """What a copy line says of a row (without its seal), from its ROW_FIELDS; the same
    for a row just written and one read back, so the two compare equal when nothing
    changed."""
    return {
        "audit": 1,
        "id": str(row["public_id"]),
        "at": row["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds"),
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_public_id"],
        "actor": str(row["actor__public_id"]) if row["actor__public_id"] else "",
        "role": row["actor_role"],
        "ip": row["ip"] or "",
        "detail": dict(row["detail"]),
    }


def _canonical(fields: Mapping[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def seal(fields: Mapping[str, Any]) -> str:
    return keyed_hash(_canonical(fields), purpose=SEAL_PURPOSE)


def copy_line(event: AuditEvent) -> str:
    actor = event.actor.public_id if event.actor is not None else None
    row = {name: getattr(event, name) for name in ROW_FIELDS if name != "actor__public_id"}
    fields = copy_fields({**row, "actor__public_id": actor})
    return _canonical({**fields, "seal": seal(fields)})


def copy_on_commit(event: AuditEvent) -> None:
    """Write the row's copy once its transaction commits (never for a rolled-back one).

    Without a destination configured the logger has no handler and nothing is queued.
    """
    if not copy_logger.handlers:
        return
    line = copy_line(event)  # now: the row's fields as committed, not as changed later
    transaction.on_commit(lambda: copy_logger.info(line))


# ---------------------------------------------------------------- reading a copy back


@dataclass
class CopyComparison:
    since: datetime | None = None
    until: datetime | None = None
    matched: int = 0
    deleted: list[str] = field(default_factory=list)  # in the copy, gone from the database
    altered: list[str] = field(default_factory=list)  # in both, not the same
    not_copied: list[str] = field(default_factory=list)  # in the database, not in the copy
    forged: list[int] = field(default_factory=list)  # line numbers whose seal fails
    expired: int = 0  # in the copy, older than the retention period (purged on purpose)

    @property
    def tampered(self) -> bool:
        return bool(self.deleted or self.altered or self.forged)


def _parse(line: str) -> dict[str, Any] | None:
    # A syslog collector prefixes its own fields ("Dec  2 18:00:00 host prog: {...}").
    start = line.find("{")
    if start < 0:
        return None
    try:
        entry = json.loads(line[start:])
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and entry.get("audit") == 1 else None


def audit_copy_compare(
    *,
    lines: Iterable[str],
    retention_days: int,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> CopyComparison:
    """Compare a copy's lines with the audit rows of the period it covers.

    The period is `since`–`until` when given, else from the copy's first row to its
    last. Rows older than the retention period are not expected in the database.
    """
    result = CopyComparison()
    copied: dict[str, tuple[datetime, dict[str, Any]]] = {}  # id: (its time, its line)
    for number, line in enumerate(lines, start=1):
        entry = _parse(line)
        if entry is None:
            continue
        claimed = entry.pop("seal", "")
        if not isinstance(claimed, str) or not hmac.compare_digest(claimed, seal(entry)):
            result.forged.append(number)
            continue
        at = datetime.fromisoformat(entry["at"])
        if (since and at < since) or (until and at >= until):
            continue
        copied[entry["id"]] = (at, entry)  # a line shipped twice is the same line
    instants = [at for at, _entry in copied.values()]
    result.since = since or (min(instants) if instants else None)
    result.until = until or (max(instants) + timedelta(microseconds=1) if instants else None)
    if result.since is None or result.until is None:
        return result
    cutoff = (now or timezone.now()) - timedelta(days=retention_days)
    stored = {
        str(row["public_id"]): copy_fields(row)
        for row in AuditEvent.objects.filter(
            occurred_at__gte=result.since, occurred_at__lt=result.until
        )
        .values(*ROW_FIELDS)
        .order_by("occurred_at", "id")
        .iterator()
    }
    for public_id, (at, entry) in copied.items():
        row = stored.pop(public_id, None)
        if row is None:
            if at < cutoff:
                result.expired += 1
            else:
                result.deleted.append(public_id)
        elif row != entry:
            result.altered.append(public_id)
        else:
            result.matched += 1
    result.not_copied = list(stored)
    return result
