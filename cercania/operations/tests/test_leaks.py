"""Personal data must never leak into logs, URLs, the audit trail or messages.

Every field she types carries a sentinel; after running the flows, no sentinel may
appear in any log record, any URL the app produced, any audit row or any email.
"""

from __future__ import annotations

import logging
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from cercania.accounts.testing import login_verified
from cercania.conftest import local
from cercania.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 30, 8, 0)
SENTINELS = {
    "name": "Zuleika Centinela",
    "phone": "614 777 0199",
    "phone_e164": "6147770199",
    "email": "zuleika.centinela@example.org",
}


def leaked(text: str) -> list[str]:
    folded = text.lower()
    return [s for s in SENTINELS.values() if s.lower() in folded]


class UrlRecorder:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def record(self, response, requested: str) -> None:  # type: ignore[no-untyped-def]
        self.urls.append(requested)
        if response.get("Location"):
            self.urls.append(response["Location"])
        if response.get("Content-Type", "").startswith("text/html"):
            self.urls += re.findall(r'(?:href|action|src)="([^"]*)"', response.content.decode())


def test_a_booking_and_its_management_leak_nothing_personal(client, make_advisor, caplog):
    advisor = make_advisor()
    recorder = UrlRecorder()
    caplog.set_level(logging.DEBUG)

    def go(method: str, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
        response = client.get(url) if method == "get" else client.post(url, data or {})
        recorder.record(response, url)
        return response

    def step(name: str) -> str:
        return reverse("booking:step", kwargs={"step": name})

    with time_machine.travel(NOW, tick=False):
        go("get", reverse("booking:start"))
        go("post", step("modalidad"), {"modality": "video"})
        go("post", step("dia"), {"day": "2026-11-30"})
        go("post", step("hora"), {"time": local(2026, 11, 30, 10, 30).isoformat()})
        go("post", step("nombre"), {"name": SENTINELS["name"]})
        go(
            "post",
            step("contacto"),
            {
                "phone": SENTINELS["phone"],
                "sms": "on",
                "email": SENTINELS["email"],
                "email_ok": "on",
            },
        )
        go("get", step("contacto"))  # her values shown back to her: not a leak, not a URL
        go("post", step("aviso"), {"accept": "on"})
        go("get", step("revisar"))
        go("post", step("revisar"))
        page = go("get", reverse("booking:confirmed")).content.decode()
        manage = page.split("http://testserver")[1].split('"')[0]
        go("get", manage)
        go("get", manage + "cambiar/")
        go("post", manage + "cancelar/")
        go("get", "/cita/" + "B" * 43 + "/")  # a wrong token: a 404 that Django logs

        # Her advisor reads her agenda: the page shows the alias; logs and URLs must not.
        login_verified(client, advisor.user)
        go("get", reverse("agenda:mine") + "?dia=2026-11-30")

    log_text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert leaked(log_text) == []
    assert [u for u in recorder.urls if leaked(u)] == []
    audit_text = " ".join(str(row) for row in AuditEvent.objects.values())
    assert AuditEvent.objects.exists() and leaked(audit_text) == []
    for message in mail.outbox:
        assert leaked(str(message.subject)) == []
    # The manage token never reaches a log line (it is redacted).
    token = manage.split("/")[2]
    assert token not in log_text
