"""The reports must carry no personal data: not the pages, not the files that leave the
institute (CSV/XLSX exports, the partner report, the press-release draft), and not the
logs, URLs, messages, audit rows or error reports their use produces.

Every free-text and contact field of two women carries a sentinel (one of them booked
through a company's jornada, so the partner report and the press draft count her);
the sentinels are in the database (read back below), so finding none means something.
"""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import login_verified
from cercania.conftest import local
from cercania.notifications.channels import text
from cercania.privacy.models import AuditEvent
from cercania.privacy.tests.records import build_her_records
from cercania.reports.selectors import TABLES

from .test_leaks import UrlRecorder

pytestmark = pytest.mark.django_db

HER_TEXTS = {
    "name": "Xochiquetzal Centinela",
    "phone": "614 777 0142",
    "email": "xochi.centinela@example.org",
    "code_name": "Prima Centinelosa",
    "what_may_be_said": "Que llama la florería Centinelosa",
    "cancel_reason": "Motivo Centinelosa de cancelar",
    "summary": "Resumen Centinelosa de la sesión",
    "referral_reason": "Motivo Centinelosa de canalizar",
    "task": "Tarea Centinelosa de seguimiento",
    "arco": "Solicitud Centinelosa de acceso",
}
WORKER_TEXTS = {
    "name": "Itzel Vigilancia",
    "phone": "614 777 0143",
    "email": "itzel.vigilancia@example.org",
    "what_may_be_said": "Que llama la papelería Vigilancia",
    "code_name": "Madrina Vigilancia",
    "summary": "Narrativa Vigilancia de violencia",
    "risk_notes": "Notas Vigilancia del plan de seguridad",
}
ALIAS_BY_EMAIL = {
    HER_TEXTS["email"]: HER_TEXTS["name"],
    WORKER_TEXTS["email"]: WORKER_TEXTS["name"],
}
ALIAS_BY_PHONE = {"6147770142": HER_TEXTS["name"], "6147770143": WORKER_TEXTS["name"]}
# Each sentinel is found by a piece that survives formatting (E.164 phones, case).
NEEDLES = ("centinela", "vigilancia", "6147770142", "777 0142", "6147770143", "777 0143")
PERIOD = {"desde": "2026-11-29", "hasta": "2026-12-05"}


def leaked(content: str) -> list[str]:
    folded = content.lower()
    return [needle for needle in NEEDLES if needle in folded]


def xlsx_text(content: bytes) -> str:
    """Every part of the workbook (cells, shared strings, sheet names, properties)."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "\n".join(book.read(name).decode("utf-8", "ignore") for name in book.namelist())


def attachment_text(attachment) -> str:  # type: ignore[no-untyped-def]
    """An attachment's text, with iCalendar's folded lines joined again."""
    if isinstance(attachment, tuple):
        content = attachment[1]
    else:
        content = attachment.get_payload(decode=True)
    if isinstance(content, bytes):
        content = content.decode("utf-8", "ignore")
    return str(content).replace("\r\n ", "").replace("\n ", "")


@pytest.fixture
def world(
    time_machine,
    book,
    legal_service,
    make_advisor,
    make_jornada,
    settings,
    django_capture_on_commit_callbacks,
):
    """Her full record (records.py) and a violence-line user booked through the
    Emerson Termotec jornada, with a violence case and a risk screening."""
    from cercania.cases.models import Area, Contact
    from cercania.cases.selectors import risk_instrument_current
    from cercania.cases.services import (
        ContactChoices,
        case_open,
        contact_record,
        person_confirm_preferences,
        risk_assessment_complete,
    )
    from cercania.notifications.worker import run_ready_tasks
    from cercania.partners.models import Liaison
    from cercania.privacy.services import consent_give
    from cercania.scheduling.models import Appointment
    from cercania.scheduling.services import (
        appointment_mark,
        jornada_set_status,
        reserved_window_add,
    )

    settings.SMS_BACKEND = "memory"
    settings.REPORTS_MIN_CELL = 1  # every count shown, so the outputs really hold data
    text.outbox.clear()
    coordinator = staff_user_create(
        email="coordina@example.org", display_name="Coordina", roles=[Role.COORDINACION]
    )
    violence = staff_user_create(
        email="violencia@example.org", display_name="Violencia", roles=[Role.VIOLENCIA]
    )
    advisor = make_advisor()
    jornada = make_jornada(starts_on=date(2026, 12, 3), ends_on=date(2026, 12, 3))
    reserved_window_add(
        jornada=jornada,
        advisor=advisor,
        day=date(2026, 12, 3),
        starts=local(2026, 1, 1, 9).time(),
        ends=local(2026, 1, 1, 12).time(),
    )
    hers = build_her_records(
        time_machine=time_machine,
        book=book,
        service=legal_service,
        advisor=advisor,
        coordinator=coordinator,
        texts=HER_TEXTS,
    )
    contact = ContactChoices(call=True, sms=True, email=True)
    # What the booking defers to the commit (queueing her confirmation) runs, and the
    # worker sends it at once, inside her safe hours.
    with django_capture_on_commit_callbacks(execute=True):
        at_work = book(
            legal_service,
            local(2026, 12, 3, 9),
            jornada=jornada,
            name=WORKER_TEXTS["name"],
            phone=WORKER_TEXTS["phone"],
            email=WORKER_TEXTS["email"],
            contact=contact,
        ).appointment
    run_ready_tasks()
    worker = at_work.person
    person_confirm_preferences(
        person=worker,
        contact=contact,
        safe_from=local(2026, 1, 1, 9).time(),
        safe_until=local(2026, 1, 1, 18).time(),
        what_may_be_said=WORKER_TEXTS["what_may_be_said"],
        code_name=WORKER_TEXTS["code_name"],
        actor=coordinator,
    )
    appointment_mark(
        appointment=at_work, status=Appointment.Status.ATTENDED, now=local(2026, 12, 3, 12)
    )
    case = case_open(person=worker, area=Area.VIOLENCE, assignee=violence, actor=coordinator)
    contact_record(
        staff=violence,
        kind=Contact.Kind.INCOMING_CALL,
        started_at=local(2026, 12, 3, 13),
        result=Contact.Result.ORIENTATION,
        summary=WORKER_TEXTS["summary"],
        case=case,
    )
    instrument = risk_instrument_current()
    assert instrument is not None
    risk_assessment_complete(
        case=case,
        instrument=instrument,
        answers={item: False for item in range(1, 24)},
        action_notes=WORKER_TEXTS["risk_notes"],
        actor=violence,
    )
    for person in (hers.person, worker):
        consent_give(person=person, purpose="anonymous_statistics", notice_version="2026.1")
    jornada_set_status(jornada=jornada, status=jornada.Status.CLOSED)
    liaison = staff_user_create(
        email="enlace@example.org", display_name="Enlace", roles=[Role.ENLACE]
    )
    Liaison.objects.create(user=liaison, organization=jornada.organization)
    time_machine.move_to(local(2026, 12, 10, 10), tick=False)

    # The sentinels are really stored (encrypted), so their absence below means something.
    hers.person.refresh_from_db()
    worker.refresh_from_db()
    assert hers.person.name == HER_TEXTS["name"] and worker.name == WORKER_TEXTS["name"]
    assert worker.what_may_be_said == WORKER_TEXTS["what_may_be_said"]
    assert hers.cancelled.cancel_reason == HER_TEXTS["cancel_reason"]
    return {"coordinator": coordinator, "liaison": liaison, "jornada": jornada}


def test_the_reports_and_what_leaves_the_institute_carry_no_personal_data(world, caplog):
    from cercania.notifications.worker import run_ready_tasks

    caplog.set_level(logging.DEBUG)
    recorder = UrlRecorder()
    outside: dict[str, str] = {}  # what leaves the institute, by where it goes
    inside: dict[str, str] = {}  # staff pages of the reports
    statuses: list[int] = []

    def get(client: Client, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
        response = client.get(url, data or {})
        full = f"{url}?{response.request['QUERY_STRING']}" if data else url
        recorder.record(response, full)
        statuses.append(response.status_code)
        return response

    coordination = Client()
    login_verified(coordination, world["coordinator"])
    dashboard = get(coordination, reverse("reports:dashboard"), PERIOD)
    assert dashboard.status_code == 200
    assert dashboard.context["sections"][0]["table"].total >= 2  # both women counted
    inside["dashboard"] = dashboard.content.decode()

    for table in TABLES:
        for fmt in ("csv", "xlsx"):
            response = get(
                coordination, reverse("reports:export"), {**PERIOD, "tabla": table, "formato": fmt}
            )
            assert response.status_code == 200, (table, fmt)
            content = (
                response.content.decode("utf-8-sig")
                if fmt == "csv"
                else xlsx_text(response.content)
            )
            outside[f"export {table}.{fmt}"] = content
            outside[f"export {table}.{fmt} filename"] = response["Content-Disposition"]

    press = reverse("reports:press")
    chosen = {"jornada": str(world["jornada"].public_id)}
    inside["press list"] = get(coordination, press).content.decode()
    page = get(coordination, press, chosen)
    assert page.status_code == 200
    outside["press draft"] = page.context["draft"]
    assert "Emerson" in outside["press draft"] or world["jornada"].title in outside["press draft"]
    download = coordination.post(press, chosen)
    recorder.record(download, press)
    statuses.append(download.status_code)
    assert download.status_code == 200
    outside["press download"] = download.content.decode()
    outside["press download filename"] = download["Content-Disposition"]

    company = Client()
    login_verified(company, world["liaison"])
    partner = get(company, reverse("reports:partner"))
    assert partner.status_code == 200
    assert partner.context["reports"] and partner.context["reports"][0].women.total
    outside["partner report"] = partner.content.decode()

    run_ready_tasks()  # send whatever the flows queued: confirmations, notices

    assert max(statuses) < 500
    assert {where: leaked(content) for where, content in outside.items() if leaked(content)} == {}
    assert {where: leaked(content) for where, content in inside.items() if leaked(content)} == {}
    assert [url for url in recorder.urls if leaked(url)] == []
    log_text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert leaked(log_text) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no error report
    exports = AuditEvent.objects.filter(action="export")
    assert exports.count() == 2 * len(TABLES) + 1  # every export and the press download
    assert leaked(" ".join(str(row) for row in AuditEvent.objects.values())) == []
    # A message to her may greet her by the name or alias she chose (never in a
    # subject) and an invite names its guest's address: that much is hers to see.
    # Nothing else of hers and nothing of anyone else.
    assert text.outbox and mail.outbox, "her confirmation was sent: messages are checked"
    for sent in text.outbox:
        alias = ALIAS_BY_PHONE[sent.to[-10:]]
        assert leaked(sent.body.replace(alias, "")) == []
    for message in mail.outbox:
        (address,) = message.to
        alias = ALIAS_BY_EMAIL[address]
        assert leaked(str(message.subject)) == []
        assert leaked(message.body.replace(alias, "")) == []
        for alternative, _mime in getattr(message, "alternatives", []):
            assert leaked(str(alternative).replace(alias, "")) == []
        for attachment in message.attachments:
            invite = attachment_text(attachment)
            assert leaked(invite.replace(alias, "").replace(address, "")) == [], invite
