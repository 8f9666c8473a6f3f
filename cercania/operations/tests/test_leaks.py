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

    from cercania.scheduling.models import Appointment

    person = Appointment.objects.get().person
    assert (person.name, person.email) == (SENTINELS["name"], SENTINELS["email"])
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


CASE_SENTINELS = {
    "name": "Yolotzin Centinela",
    "phone": "614 555 0142",
    "code_name": "Clave Centinela",
    "what_may_be_said": "Decir Centinela Frase",
    "summary": "Resumen Centinela Narrativa",
}


def test_a_call_a_hand_over_and_the_case_pages_leak_nothing_personal(institute_config, caplog):
    from django.test import Client

    from cercania.accounts.roles import Role
    from cercania.accounts.services import staff_user_create
    from cercania.cases.models import Case, Person

    caplog.set_level(logging.DEBUG)
    recorder = UrlRecorder()
    operator = staff_user_create(email="op@example.org", display_name="Op", roles=[Role.LINEA])
    worker = staff_user_create(email="vi@example.org", display_name="Vi", roles=[Role.VIOLENCIA])
    coordinator = staff_user_create(
        email="co@example.org", display_name="Co", roles=[Role.COORDINACION]
    )
    console = reverse("cases:console")

    with time_machine.travel(local(2026, 12, 1, 10, 0), tick=False):
        line = Client()
        login_verified(line, operator)
        for url, data in [
            (console, {"phone": CASE_SENTINELS["phone"]}),
            (
                reverse("cases:console_person_new"),
                {
                    "step": "details",
                    "name": CASE_SENTINELS["name"],
                    "phone": CASE_SENTINELS["phone"],
                    "email": "",
                    "birth_year": "",
                    "municipality": "",
                    "employer": "",
                    "may_call": "on",
                    "safe_from": "09:00",
                    "safe_until": "14:00",
                    "what_may_be_said": CASE_SENTINELS["what_may_be_said"],
                    "code_name": CASE_SENTINELS["code_name"],
                },
            ),
        ]:
            recorder.record(line.post(url, data), url)
        person = Person.objects.get()
        url = reverse("cases:console_person", kwargs={"public_id": person.public_id})
        recorder.record(line.get(url), url)
        response = line.post(
            url,
            {
                "action": "handover",
                "kind": "incoming_call",
                "line": "violencia",
                "result": "orientation",
                "summary": CASE_SENTINELS["summary"],
            },
        )
        recorder.record(response, url)
        case = Case.objects.get()
        # The sentinels really went in (so their absence below means something).
        assert (
            person.name == CASE_SENTINELS["name"]
            and person.code_name == CASE_SENTINELS["code_name"]
        )
        assert case.contacts.get().summary == CASE_SENTINELS["summary"]

        for user in (worker, coordinator):
            staff = Client()
            login_verified(staff, user)
            for page in (
                reverse("cases:case", kwargs={"public_id": case.public_id}),
                reverse("cases:person", kwargs={"public_id": person.public_id}),
                reverse("cases:my_work"),
                reverse("privacy:audit_log"),
            ):
                response = staff.get(page)
                recorder.record(response, page)

    log_text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    found = [s for s in CASE_SENTINELS.values() if s.lower() in log_text.lower()]
    assert found == []
    assert [
        u for u in recorder.urls if any(s.lower() in u.lower() for s in CASE_SENTINELS.values())
    ] == []
    audit_text = " ".join(str(row) for row in AuditEvent.objects.values()).lower()
    assert AuditEvent.objects.filter(action="view").exists()
    assert [s for s in CASE_SENTINELS.values() if s.lower() in audit_text] == []
    assert [
        s
        for s in CASE_SENTINELS.values()
        if any(s.lower() in str(m.message()) for m in mail.outbox)
    ] == []
