"""Time from first contact to first session, and contacts by channel, on hand-built
data with known answers (local calendar days, America/Chihuahua)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from cercania.conftest import local
from cercania.reports import selectors
from cercania.reports.selectors import Filters, period_filters
from cercania.reports.tests.conftest import consent_to_statistics, record_contact

pytestmark = pytest.mark.django_db
DECEMBER = Filters(start=date(2026, 12, 1), end=date(2026, 12, 31))
LATER = local(2026, 12, 20, 12)  # "now" when marking, after every session


def _attend(appointment: Any, status: str = "attended") -> Any:
    from cercania.scheduling.models import Appointment
    from cercania.scheduling.services import appointment_mark

    return appointment_mark(appointment=appointment, status=Appointment.Status(status), now=LATER)


@pytest.fixture
def waits(make_advisor, legal_service, book) -> dict[str, Any]:
    """Six women, first contact → first attended session:

    - Alma: call 20 Nov, session 1 Dec → 11 days;
    - Berta: session 3 Dec, no contact before → 0 days (the session is her first);
    - Celia: call 1 Dec at 23:30 local (already 2 Dec in UTC), session 2 Dec → 1 day;
    - Delia: call 1 Dec, session 4 Dec → 3 days;
    - Elsa: first session in November, another in December → not in December's cohort;
    - Fina: only a no-show in December → waited for nothing yet.
    Only Alma and Berta consented to anonymous statistics.
    """
    advisor = make_advisor()
    phones = iter(f"614 555 01{n:02d}" for n in range(1, 50))

    def booking(start: Any, name: str) -> Any:
        # Booked the day before: always inside the booking horizon.
        now = start - timedelta(days=1)
        return book(legal_service, start, now=now, name=name, phone=next(phones)).appointment

    alma = booking(local(2026, 12, 1, 9), "Alma")
    berta = booking(local(2026, 12, 3, 9), "Berta")
    celia = booking(local(2026, 12, 2, 9), "Celia")
    delia = booking(local(2026, 12, 4, 9), "Delia")
    elsa_first = booking(local(2026, 11, 23, 9), "Elsa")
    elsa_again = booking(local(2026, 12, 7, 9), "Elsa")
    fina = booking(local(2026, 12, 8, 9), "Fina")
    from cercania.scheduling.models import Appointment

    Appointment.objects.filter(pk=elsa_again.pk).update(person=elsa_first.person)
    for appointment in (alma, berta, celia, delia, elsa_first, elsa_again):
        _attend(appointment)
    _attend(fina, "no_show")
    staff = advisor.user
    record_contact(alma.person, staff, local(2026, 11, 20, 10), line=legal_service)
    record_contact(celia.person, staff, local(2026, 12, 1, 23, 30), line=legal_service)
    record_contact(delia.person, staff, local(2026, 12, 1, 11), line=legal_service)
    # A later contact never moves her first contact.
    record_contact(alma.person, staff, local(2026, 12, 5, 10), line=legal_service)
    consent_to_statistics(alma.person)
    consent_to_statistics(berta.person)
    return {"advisor": advisor}


def test_each_woman_counts_once_by_the_days_from_her_first_contact(waits):
    table = selectors.time_to_first_session(DECEMBER)
    assert dict(table.rows) == {
        "El mismo día": 1,  # Berta
        "De 1 a 7 días": 2,  # Celia (1, across midnight UTC), Delia (3)
        "De 8 a 30 días": 1,  # Alma (11)
        "Más de 30 días": 0,
    }
    assert table.total == 4  # Elsa's first session was in November; Fina did not come


def test_the_median_wait_is_the_middle_of_the_sorted_waits(waits):
    # Waits 0, 1, 3, 11: the middle two average to 2.
    assert selectors.median_days_to_first_session(DECEMBER) == pytest.approx(2.0)
    january = Filters(start=date(2027, 1, 1), end=date(2027, 1, 31))
    assert selectors.median_days_to_first_session(january) is None
    assert selectors.time_to_first_session(january).total == 0


def test_a_first_session_in_an_earlier_period_is_counted_there(waits):
    november = Filters(start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert dict(selectors.time_to_first_session(november).rows)["El mismo día"] == 1  # Elsa


def test_the_wait_follows_the_filters(waits):
    assert selectors.time_to_first_session(replace(DECEMBER, service="violencia")).total == 0
    assert selectors.time_to_first_session(replace(DECEMBER, service="juridico")).total == 4
    mine = replace(DECEMBER, advisor=waits["advisor"].pk)
    assert selectors.time_to_first_session(mine).total == 4
    outside = period_filters(start=DECEMBER.start, end=DECEMBER.end, external=True)
    assert dict(selectors.time_to_first_session(outside).rows) == {
        "El mismo día": 1,
        "De 1 a 7 días": 0,
        "De 8 a 30 días": 1,
        "Más de 30 días": 0,
    }
    assert selectors.median_days_to_first_session(outside) == pytest.approx(5.5)


# ---------------------------------------------------------------- channels


def test_every_kind_of_contact_has_exactly_one_channel():
    from cercania.cases.models import Contact

    kinds = [kind for _code, _label, group in selectors.CHANNELS for kind in group]
    assert sorted(kinds) == sorted(Contact.Kind.values)


def test_contacts_are_counted_by_channel_and_line(make_advisor, legal_service):
    from cercania.institute.models import Service

    violence = Service.objects.get(code="violencia")
    staff = make_advisor().user
    day = local(2026, 12, 2, 10)
    for kind, line in [
        ("video_session", legal_service),
        ("phone_session", legal_service),
        ("incoming_call", legal_service),
        ("outgoing_call", violence),
        ("incoming_call", violence),
        ("in_person", legal_service),
    ]:
        record_contact(None, staff, day, kind=kind, line=line)
    record_contact(None, staff, local(2026, 11, 30, 10), kind="video_session", line=legal_service)
    table = selectors.contacts_by_channel(DECEMBER)
    assert dict(table.rows) == {"Videollamada": 1, "Teléfono": 4, "Presencial": 1}
    assert table.total == 6
    on_violence = selectors.contacts_by_channel(replace(DECEMBER, service="violencia"))
    assert dict(on_violence.rows) == {"Videollamada": 0, "Teléfono": 2, "Presencial": 0}


def test_the_dashboard_and_exports_carry_the_new_indicators(waits, coordinator, client_for):
    client = client_for(coordinator)
    december = {"desde": "2026-12-01", "hasta": "2026-12-31"}
    response = client.get(reverse("reports:dashboard"), december)
    assert response.status_code == 200
    keys = [section["table"].key for section in response.context["sections"]]
    assert "primera_sesion" in keys and "contactos_canal" in keys
    assert any(
        "primer contacto" in str(label) and now == "2.0 días"
        for label, now, _before in response.context["rates"]
    )
    html = response.content.decode()
    assert "<title>De 1 a 7 días: 2</title>" in html
    export = client.get(
        reverse("reports:export"), {**december, "tabla": "primera_sesion", "formato": "csv"}
    )
    assert export.status_code == 200
    assert "De 8 a 30 días,1" in export.content.decode("utf-8-sig")


def test_two_first_sessions_at_the_same_time_count_her_once(
    waits, make_advisor, legal_service, book
):
    # Rare, but two advisers can hold sessions of hers at the same start: the first
    # session is still one (the lower id breaks the tie), and she waited 0 days once.
    from cercania.scheduling.models import Appointment

    make_advisor()
    start = local(2026, 12, 10, 9)
    first = book(
        legal_service, start, now=start - timedelta(days=1), name="Gala", phone="614 555 0190"
    ).appointment
    twin = book(
        legal_service, start, now=start - timedelta(days=1), name="Gala", phone="614 555 0191"
    ).appointment
    assert first.advisor_id != twin.advisor_id
    Appointment.objects.filter(pk=twin.pk).update(person=first.person)
    _attend(first)
    _attend(twin)
    table = selectors.time_to_first_session(DECEMBER)
    assert dict(table.rows)["El mismo día"] == 2  # Berta and Gala, Gala once
    assert table.total == 5
    # Waits 0, 0, 1, 3, 11: the middle one.
    assert selectors.median_days_to_first_session(DECEMBER) == pytest.approx(1.0)
