"""The real worker, killed with SIGKILL in the middle of a batch of reminders, then
started again: every reminder reaches the (slow) SMTP receiver exactly once.

The worker marks a message "sending" (committed) before it talks to the provider and
never sends a "sending" one again, so a kill can only leave one message in doubt: the
one in flight. Here the receiver has taken it and is slow to say 250 when the kill
lands. It is not sent again; the sweep marks it "interrupted" and flags the
appointment so staff can check, and the other reminders go out after the restart.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from cercania.cases.services import ContactChoices
from cercania.conftest import local
from cercania.notifications.models import Delivery
from cercania.notifications.tests.fakes import FakeSMTP, Received
from cercania.scheduling.models import Appointment

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
SESSIONS = [local(2026, 12, 2, 9, 0) + timedelta(minutes=45 * n) for n in range(8)]
# Tuesday 14:20: every 24-hour reminder of those Wednesday sessions (9:00–14:15) is due.
REMINDERS_DUE = local(2026, 12, 1, 14, 20)
SECONDS_BEFORE_250 = 2.5  # wide: the kill must land here even on a busy machine


class SlowSMTP(FakeSMTP):
    """Keeps each message as soon as it has it, then takes a while to answer 250."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.original_content or envelope.content,
            )
        )
        await asyncio.sleep(SECONDS_BEFORE_250)
        return "250 OK"


@pytest.fixture
def receiver():
    smtp = SlowSMTP().start()
    yield smtp
    smtp.stop()


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(receiver: FakeSMTP, *, at, extra: list[str]) -> subprocess.Popen:  # type: ignore[type-arg]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cercania.settings",
        "DATABASE_URL": database_url(),
        "CERCANIA_SECRET_KEY": settings.SECRET_KEY,
        "CERCANIA_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "CERCANIA_FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
        "CERCANIA_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "CERCANIA_EMAIL_HOST": "127.0.0.1",
        "CERCANIA_EMAIL_PORT": str(receiver.port),
        "CERCANIA_EMAIL_FROM": settings.DEFAULT_FROM_EMAIL,
        "CERCANIA_PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "CERCANIA_SMS_BACKEND": "console",
        "CERCANIA_REMINDER_HOURS_BEFORE": "24,1",
    }
    env.pop("CERCANIA_REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cercania.notifications.tests.worker_at", at.isoformat(), *extra],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def reminders() -> list[Delivery]:
    """The 24-hour reminders (the 1-hour ones are not due yet)."""
    return list(Delivery.objects.filter(kind="reminder", key__contains=":24h-"))


def test_a_worker_killed_mid_batch_and_restarted_sends_every_reminder_exactly_once(
    clock, book_her, run_worker, receiver, report_figures
):
    addresses = [f"mujer{n}@example.net" for n in range(len(SESSIONS))]
    for start, address in zip(SESSIONS, addresses, strict=True):
        book_her(
            start, email=address, phone="", contact=ContactChoices(email=True), modality="video"
        )
    assert run_worker() == len(SESSIONS)  # the confirmations, sent now (in this process)
    assert len(reminders()) == len(SESSIONS)

    worker = start_worker(receiver, at=REMINDERS_DUE, extra=["--interval", "0.2"])
    try:
        deadline = time.monotonic() + 180
        while len(receiver.messages) < 3:
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the worker sent nothing in 180 s"
            time.sleep(0.02)
        # The third message is at the receiver, which has not answered 250 yet.
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    received_at_kill = len(receiver.messages)
    statuses = Counter(d.status for d in reminders())
    assert statuses["sending"] == 1  # the one in flight
    assert statuses["queued"] >= 1  # the batch was cut short

    # Started again 20 minutes later (past the 15 minutes that make a "sending" stale).
    again = start_worker(receiver, at=REMINDERS_DUE + timedelta(minutes=20), extra=["--batch"])
    restarted = time.monotonic()
    _out, errors = again.communicate(timeout=300)
    batch_seconds = time.monotonic() - restarted
    assert again.returncode == 0, errors.decode()[-2000:]

    received = Counter(rcpt for m in receiver.messages for rcpt in m.rcpt_tos)
    assert received == Counter(addresses)  # every reminder once, none twice
    message_ids = [message_from_bytes(m.data)["Message-ID"] for m in receiver.messages]
    assert len(set(message_ids)) == len(message_ids)
    final = reminders()
    sent = [d for d in final if d.status == "sent"]
    interrupted = [d for d in final if d.status == "failed"]
    assert len(sent) == len(SESSIONS) - 1
    assert {d.provider_id for d in sent} <= set(message_ids)
    # The one in doubt is not resent: staff see it in the log and on the appointment.
    assert [(d.status, d.reason) for d in interrupted] == [("failed", "interrupted")]
    flagged = Appointment.objects.get(deliveries=interrupted[0])
    assert "Un mensaje no le llegó" in flagged.needs_staff_attention
    report_figures(
        f"worker SIGKILLed with {received_at_kill} of {len(SESSIONS)} reminders at the receiver "
        f"(statuses then: {dict(statuses)}); the restarted batch took {batch_seconds:.1f} s: "
        f"{len(receiver.messages)} received, one per woman, {len(sent)} sent and "
        f"{len(interrupted)} in doubt at the kill kept back and flagged for staff"
    )
