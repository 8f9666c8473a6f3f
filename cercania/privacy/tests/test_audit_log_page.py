from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client, RequestFactory

from cercania.accounts.models import User
from cercania.privacy.models import AuditEvent
from cercania.privacy.services import audit_record

pytestmark = pytest.mark.django_db

URL = "/personal/bitacora/"
CASE_ID = "4b0f5e3c-1d7a-4a43-9a55-2f0f4d7c2a10"


def record_at(moment: datetime, actor: User | None, action: str, object_public_id: str = ""):
    with time_machine.travel(moment, tick=False):
        return audit_record(
            actor=actor,
            action=action,
            object_type="cases.case",
            object_public_id=object_public_id,
        )


@pytest.fixture
def as_coordinator(verified_client, coordinator: User) -> Client:
    return verified_client(coordinator)


def listed(response) -> list[AuditEvent]:
    return response.context["events"]


class TestAccess:
    def test_a_coordinator_sees_the_page(self, as_coordinator: Client) -> None:
        response = as_coordinator.get(URL)
        assert response.status_code == 200
        assert "Bitácora" in response.text

    def test_another_role_gets_403(self, verified_client, adviser: User) -> None:
        assert verified_client(adviser).get(URL).status_code == 403

    def test_an_anonymous_visitor_is_sent_to_log_in(self, client: Client) -> None:
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/personal/entrar/")

    def test_a_password_alone_is_not_enough(self, client: Client, coordinator: User) -> None:
        client.force_login(coordinator)
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"] == "/personal/verificar/"

    def test_it_answers_only_get(self, as_coordinator: Client) -> None:
        assert as_coordinator.post(URL).status_code == 405


class TestListing:
    def test_it_shows_who_role_action_object_local_time_and_ip(
        self, as_coordinator: Client, adviser: User, rf: RequestFactory
    ) -> None:
        # 05:30 UTC on 1 March is 23:30 on 28 February in Chihuahua (UTC−6).
        with time_machine.travel(datetime(2026, 3, 1, 5, 30, tzinfo=UTC), tick=False):
            audit_record(
                actor=adviser,
                action="change",
                object_type="cases.case",
                object_public_id=CASE_ID,
                request=rf.get("/", REMOTE_ADDR="198.51.100.23"),
            )
        response = as_coordinator.get(URL, {"action": "change"})
        assert "ana@example.mx" in response.text
        assert "Jurídico" in response.text
        assert "Modificación" in response.text
        assert "cases.case" in response.text and CASE_ID in response.text
        assert "2026-02-28 23:30:00" in response.text
        assert "198.51.100.23" in response.text

    def test_it_lists_newest_first(self, as_coordinator: Client, adviser: User) -> None:
        base = datetime(2026, 3, 2, 15, tzinfo=UTC)
        for hours, public_id in [(0, "first"), (2, "third"), (1, "second")]:
            record_at(base + timedelta(hours=hours), adviser, "change", public_id)
        response = as_coordinator.get(URL, {"action": "change"})
        assert [e.object_public_id for e in listed(response)] == ["third", "second", "first"]

    def test_it_paginates_by_fifty(self, as_coordinator: Client, adviser: User) -> None:
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=adviser,
                actor_label=adviser.email,
                action="change",
                object_type="cases.case",
                object_public_id=f"case-{n:03d}",
                occurred_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n),
            )
            for n in range(120)
        )
        first = as_coordinator.get(URL, {"action": "change"})
        assert len(listed(first)) == 50
        assert listed(first)[0].object_public_id == "case-119"
        assert "Página 1 de 3" in first.text
        assert "?action=change&amp;page=2" in first.text

        last = as_coordinator.get(URL, {"action": "change", "page": "3"})
        assert [e.object_public_id for e in listed(last)][-1] == "case-000"
        assert len(listed(last)) == 20


class TestFilters:
    @pytest.fixture
    def events(self, adviser: User, coordinator: User) -> None:
        record_at(datetime(2026, 2, 27, 18, tzinfo=UTC), adviser, "view", CASE_ID)
        # 23:30 on 28 February, local time.
        record_at(datetime(2026, 3, 1, 5, 30, tzinfo=UTC), adviser, "change", CASE_ID)
        # 00:30 on 1 March, local time.
        record_at(datetime(2026, 3, 1, 6, 30, tzinfo=UTC), coordinator, "export", "other")

    def ids_and_actions(self, response) -> list[tuple[str, str]]:
        return [
            (e.object_public_id, e.action)
            for e in listed(response)
            if e.object_type == "cases.case"
        ]

    def test_by_action(self, as_coordinator: Client, events) -> None:
        response = as_coordinator.get(URL, {"action": "export"})
        assert self.ids_and_actions(response) == [("other", "export")]

    def test_by_actor_public_id(self, as_coordinator: Client, events, adviser: User) -> None:
        response = as_coordinator.get(URL, {"actor": str(adviser.public_id)})
        assert self.ids_and_actions(response) == [(CASE_ID, "change"), (CASE_ID, "view")]
        # The actor is chosen from a list by public id: no email travels in the URL.
        assert f'value="{adviser.public_id}" selected' in response.text

    def test_by_object(self, as_coordinator: Client, events) -> None:
        response = as_coordinator.get(URL, {"object_type": "cases.case", "object_id": "other"})
        assert self.ids_and_actions(response) == [("other", "export")]

    def test_by_local_dates(self, as_coordinator: Client, events) -> None:
        response = as_coordinator.get(URL, {"date_from": "2026-02-28", "date_to": "2026-02-28"})
        assert self.ids_and_actions(response) == [(CASE_ID, "change")]
        response = as_coordinator.get(URL, {"date_from": "2026-03-01"})
        assert [a for _id, a in self.ids_and_actions(response)] == ["export"]

    def test_invalid_filters_show_an_error_and_no_rows(
        self, as_coordinator: Client, events
    ) -> None:
        response = as_coordinator.get(
            URL, {"date_from": "2026-03-02", "date_to": "2026-03-01", "object_type": "Casos"}
        )
        assert response.status_code == 200
        assert "La fecha final es anterior a la inicial." in response.text
        assert "Use la forma app.modelo" in response.text
        assert listed(response) == []

    def test_a_phone_number_typed_as_an_id_is_refused_not_logged(
        self, as_coordinator: Client
    ) -> None:
        response = as_coordinator.get(URL, {"object_id": "6141234567"})
        assert response.status_code == 200
        assert "no un teléfono" in response.text
        row = AuditEvent.objects.get(object_type="privacy.auditlog")
        assert "6141234567" not in str(row.detail)


class TestTheReadingIsLogged:
    def test_each_page_view_writes_one_view_row_with_its_filters(
        self, as_coordinator: Client, coordinator: User
    ) -> None:
        as_coordinator.get(URL, {"action": "export", "date_from": "2026-03-01"})
        row = AuditEvent.objects.get(object_type="privacy.auditlog")
        assert row.action == "view"
        assert row.actor == coordinator and row.actor_role == "coordinacion"
        assert row.ip == "203.0.113.7"
        assert row.detail == {
            "filters": {"action": "export", "date_from": "2026-03-01"},
            "page": 1,
        }

    def test_the_previous_page_view_appears_on_the_next(self, as_coordinator: Client) -> None:
        as_coordinator.get(URL)
        response = as_coordinator.get(URL)
        assert [e.object_type for e in listed(response)] == ["privacy.auditlog"]
        assert AuditEvent.objects.filter(object_type="privacy.auditlog").count() == 2

    def test_a_refused_visitor_leaves_no_view_row(self, verified_client, adviser: User) -> None:
        verified_client(adviser).get(URL)
        assert not AuditEvent.objects.filter(object_type="privacy.auditlog").exists()
