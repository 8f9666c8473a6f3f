"""The coordinator's ARCO pages through HTTP: who may open them, the queue, registering
a request, and the actions on it."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from cercania.accounts.models import User
from cercania.conftest import local
from cercania.privacy.models import ArcoRequest, ArcoStatus, AuditEvent
from cercania.privacy.services import arco_request_register

pytestmark = pytest.mark.django_db

QUEUE = "/personal/privacidad/arco/"
REGISTER = "/personal/privacidad/arco/nueva/"
TODAY = date(2026, 12, 10)


def detail_url(arco: ArcoRequest, action: str = "") -> str:
    return f"/personal/privacidad/arco/{arco.public_id}/{action + '/' if action else ''}"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    # Autouse, so time is set before any client signs in (a session from "another
    # time" would be past its absolute lifetime).
    time_machine.move_to(local(2026, 12, 10, 10, 0), tick=False)
    return time_machine


@pytest.fixture
def register(institute_config, frozen, coordinator):
    def do(
        received_on: date, *, right=ArcoRequest.Right.ACCESS, person=None, identity_checked=False
    ) -> ArcoRequest:
        return arco_request_register(
            right=right,
            received_on=received_on,
            description="Pide una copia de sus datos. Respuesta por correo.",
            person=person,
            identity_checked=identity_checked,
            by=coordinator,
        )

    return do


def reloaded(arco: ArcoRequest) -> ArcoRequest:
    return ArcoRequest.objects.get(pk=arco.pk)


class TestWhoMayOpenThem:
    def test_a_coordinator_opens_the_queue(self, coordinator_client: Client, frozen) -> None:
        response = coordinator_client.get(QUEUE)
        assert response.status_code == 200
        assert "Solicitudes ARCO" in response.text

    @pytest.mark.parametrize("url", [QUEUE, REGISTER])
    def test_another_role_gets_403(self, verified_client, adviser: User, url: str) -> None:
        assert verified_client(adviser).get(url).status_code == 403

    def test_an_anonymous_visitor_is_sent_to_log_in(self, client: Client) -> None:
        response = client.get(QUEUE)
        assert response.status_code == 302
        assert response["Location"].startswith("/personal/entrar/")

    def test_a_password_alone_is_not_enough(self, client: Client, coordinator: User) -> None:
        client.force_login(coordinator)
        response = client.get(QUEUE)
        assert response.status_code == 302
        assert response["Location"] == "/personal/verificar/"

    def test_another_role_cannot_read_a_request(
        self, register, verified_client, adviser: User
    ) -> None:
        arco = register(date(2026, 12, 1))
        assert verified_client(adviser).get(detail_url(arco)).status_code == 403
        assert verified_client(adviser).post(detail_url(arco, "ampliar")).status_code == 403
        assert reloaded(arco).status == ArcoStatus.RECEIVED

    def test_an_unknown_request_is_404(self, coordinator_client: Client, frozen) -> None:
        url = "/personal/privacidad/arco/4b0f5e3c-1d7a-4a43-9a55-2f0f4d7c2a10/"
        assert coordinator_client.get(url).status_code == 404

    def test_actions_answer_only_post(self, register, coordinator_client: Client) -> None:
        arco = register(date(2026, 12, 1))
        for action in ("identificar", "ampliar", "responder", "ejecutar", "cerrar"):
            assert coordinator_client.get(detail_url(arco, action)).status_code == 405


class TestQueue:
    def test_it_lists_open_requests_by_due_date_and_flags_overdue_and_soon(
        self, register, coordinator_client: Client
    ) -> None:
        later = register(date(2026, 12, 7))  # due in January
        overdue_b = register(date(2026, 11, 10))  # due 9 Dec
        soon = register(date(2026, 11, 12))  # due 11 Dec
        overdue_a = register(date(2026, 11, 3))  # due 2 Dec
        entries = coordinator_client.get(QUEUE).context["entries"]
        assert [e.request for e in entries] == [overdue_a, overdue_b, soon, later]
        assert [e.due for e in entries[:3]] == [
            date(2026, 12, 2),
            date(2026, 12, 9),
            date(2026, 12, 11),
        ]
        assert [(e.overdue, e.due_soon) for e in entries] == [
            (True, False),
            (True, False),
            (False, True),
            (False, False),
        ]

    def test_the_page_shows_the_alerts_in_that_order(
        self, register, coordinator_client: Client
    ) -> None:
        overdue = register(date(2026, 11, 3))
        soon = register(date(2026, 11, 12))
        text = coordinator_client.get(QUEUE).text
        assert text.index(overdue.reference) < text.index(soon.reference)
        assert "Vencida" in text and "Vence pronto" in text

    def test_a_granted_request_is_due_by_its_execution_deadline(
        self, register, make_person, coordinator, coordinator_client: Client
    ) -> None:
        from cercania.privacy.services import arco_request_grant

        granted = register(date(2026, 11, 3), person=make_person(), identity_checked=True)
        arco_request_grant(arco_request=granted, reason="Procede.", by=coordinator)
        entry = coordinator_client.get(QUEUE).context["entries"][0]
        assert entry.request == granted
        assert entry.due == reloaded(granted).execution_due
        assert not entry.overdue

    def test_closed_requests_leave_the_queue(
        self, register, coordinator, coordinator_client: Client
    ) -> None:
        from cercania.privacy.services import arco_request_close, arco_request_deny

        arco = register(date(2026, 11, 3))
        arco_request_close(
            arco_request=arco_request_deny(arco_request=arco, reason="No procede.", by=coordinator),
            by=coordinator,
        )
        assert coordinator_client.get(QUEUE).context["entries"] == []


class TestRegistering:
    def test_a_coordinator_registers_a_request_with_her_identity_checked(
        self, make_person, frozen, coordinator, coordinator_client: Client
    ) -> None:
        person = make_person()
        response = coordinator_client.post(
            REGISTER,
            {
                "right": "access",
                "received_on": "2026-12-08",
                "description": "Quiere copia de todo.",
                "folio": person.folio,
                "identity_checked": "on",
            },
        )
        arco = ArcoRequest.objects.get()
        assert response.status_code == 302 and response["Location"] == detail_url(arco)
        assert arco.person == person and arco.right == "access"
        assert arco.identity_checked_by == coordinator
        assert arco.identity_checked_at == local(2026, 12, 10, 10, 0)
        assert arco.description == "Quiere copia de todo."
        assert AuditEvent.objects.filter(
            action="create", object_type="privacy.arcorequest", actor=coordinator
        ).exists()

    def test_she_may_be_found_by_phone(
        self, make_person, frozen, coordinator_client: Client
    ) -> None:
        person = make_person(phone="614 765 4321")
        coordinator_client.post(
            REGISTER,
            {
                "right": "cancellation",
                "received_on": "2026-12-08",
                "description": "Que borren mis datos.",
                "phone": "(614) 765-4321",
            },
        )
        arco = ArcoRequest.objects.get()
        assert arco.person == person and not arco.identity_checked

    def test_a_request_may_come_before_she_is_identified(
        self, institute_config, frozen, coordinator_client: Client
    ) -> None:
        coordinator_client.post(
            REGISTER,
            {"right": "opposition", "received_on": "2026-12-10", "description": "Por escrito."},
        )
        arco = ArcoRequest.objects.get()
        assert arco.person is None and arco.identity_checked_by is None

    def test_an_unknown_folio_is_an_error_and_nothing_is_saved(
        self, institute_config, frozen, coordinator_client: Client
    ) -> None:
        response = coordinator_client.post(
            REGISTER,
            {
                "right": "access",
                "received_on": "2026-12-08",
                "description": "x",
                "folio": "IMM-2026-999999",
            },
        )
        assert response.status_code == 200
        assert "No hay ninguna usuaria con ese dato" in response.text
        assert not ArcoRequest.objects.exists()

    def test_a_future_receipt_date_is_an_error(
        self, institute_config, frozen, coordinator_client: Client
    ) -> None:
        response = coordinator_client.post(
            REGISTER, {"right": "access", "received_on": "2026-12-11", "description": "x"}
        )
        assert response.status_code == 200 and not ArcoRequest.objects.exists()


class TestDetailAndActions:
    def test_reading_a_request_is_logged_with_her_record(
        self, register, make_person, coordinator, coordinator_client: Client
    ) -> None:
        person = make_person(name="Rosa Elena")
        arco = register(date(2026, 12, 1), person=person)
        response = coordinator_client.get(detail_url(arco))
        assert "Pide una copia de sus datos." in response.text and "Rosa Elena" in response.text
        views = AuditEvent.objects.filter(action="view", actor=coordinator)
        assert views.filter(object_type="privacy.arcorequest").exists()
        assert views.filter(
            object_type="cases.person", object_public_id=str(person.public_id)
        ).exists()

    def test_the_deadline_is_extended_only_once(self, register, coordinator_client: Client) -> None:
        arco = register(date(2026, 11, 10))
        coordinator_client.post(detail_url(arco, "ampliar"))
        assert reloaded(arco).answer_due == date(2026, 12, 23)
        response = coordinator_client.post(detail_url(arco, "ampliar"), follow=True)
        assert "solo se puede ampliar una vez" in response.text
        assert reloaded(arco).answer_due == date(2026, 12, 23)

    def test_identifying_her_later_links_the_record_and_who_checked(
        self, register, make_person, coordinator, coordinator_client: Client
    ) -> None:
        arco = register(date(2026, 12, 1))
        person = make_person()
        coordinator_client.post(
            detail_url(arco, "identificar"), {"folio": person.folio, "identity_checked": "on"}
        )
        arco = reloaded(arco)
        assert arco.person == person and arco.identity_checked_by == coordinator

    def test_granting_without_identity_is_refused_with_a_message(
        self, register, make_person, coordinator_client: Client
    ) -> None:
        arco = register(date(2026, 12, 1), person=make_person())
        response = coordinator_client.post(
            detail_url(arco, "responder"), {"decision": "grant", "reason": "Procede."}, follow=True
        )
        assert "verifica su identidad" in response.text
        assert reloaded(arco).status == ArcoStatus.RECEIVED

    def test_a_denial_with_its_reason_then_closing(
        self, register, coordinator_client: Client
    ) -> None:
        arco = register(date(2026, 12, 1))
        coordinator_client.post(
            detail_url(arco, "responder"),
            {"decision": "deny", "reason": "No acreditó su identidad."},
        )
        denied = reloaded(arco)
        assert denied.status == ArcoStatus.DENIED and denied.answered_on == TODAY
        assert denied.decision_reason == "No acreditó su identidad."
        coordinator_client.post(detail_url(arco, "cerrar"))
        closed = reloaded(arco)
        assert closed.status == ArcoStatus.CLOSED and closed.closed_at is not None

    def test_an_answer_without_a_reason_is_refused(
        self, register, coordinator_client: Client
    ) -> None:
        arco = register(date(2026, 12, 1))
        coordinator_client.post(detail_url(arco, "responder"), {"decision": "deny", "reason": ""})
        assert reloaded(arco).status == ArcoStatus.RECEIVED

    def test_a_granted_rectification_is_executed(
        self, register, make_person, coordinator_client: Client
    ) -> None:
        arco = register(
            date(2026, 12, 1),
            right=ArcoRequest.Right.RECTIFICATION,
            person=make_person(),
            identity_checked=True,
        )
        coordinator_client.post(
            detail_url(arco, "responder"), {"decision": "grant", "reason": "Se corrige."}
        )
        coordinator_client.post(detail_url(arco, "ejecutar"))
        executed = reloaded(arco)
        assert executed.status == ArcoStatus.EXECUTED and executed.executed_on == TODAY
        statuses = list(
            AuditEvent.objects.filter(object_public_id=str(arco.public_id), action="change")
            .order_by("occurred_at", "id")
            .values_list("detail__status", flat=True)
        )
        assert statuses == ["granted", "executed"]

    def test_the_description_is_stored_encrypted(self, register) -> None:
        from django.db import connection

        arco = register(date(2026, 12, 1))
        with connection.cursor() as cursor:
            cursor.execute("SELECT description FROM privacy_arcorequest WHERE id = %s", [arco.pk])
            stored = cursor.fetchone()[0]
        assert stored.startswith("v1:") and "copia" not in stored
