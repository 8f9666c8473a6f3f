"""Two people can never hold one slot: real threads, separate database connections."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection

from cercania.conftest import local
from cercania.scheduling.models import Appointment
from cercania.scheduling.services import SlotUnavailable

pytestmark = pytest.mark.django_db(transaction=True)
NOW = local(2026, 11, 29, 18, 0)
THREADS = 20


def race(fn, n=THREADS):
    """Run fn(i) in n threads released at once; return each result or exception."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        try:
            return fn(i)
        except Exception as error:  # the outcome under test, not a failure of the harness
            return error
        finally:
            connection.close()  # each thread had its own connection

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_twenty_people_booking_the_same_slot_get_exactly_one_booking(
    legal_service, make_advisor, book
):
    make_advisor()
    start = local(2026, 12, 1, 10, 30)

    outcomes = race(lambda i: book(legal_service, start, name=f"Mujer {i}", now=NOW))

    booked = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, SlotUnavailable)]
    assert len(booked) == 1
    assert len(refused) == THREADS - 1, [type(o) for o in outcomes]
    assert Appointment.objects.filter(starts_at=start).count() == 1


def test_two_advisors_free_at_a_slot_take_two_bookings_and_no_more(
    legal_service, make_advisor, book
):
    make_advisor()
    make_advisor()
    start = local(2026, 12, 1, 10, 30)

    outcomes = race(lambda i: book(legal_service, start, name=f"Mujer {i}", now=NOW))

    booked = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(booked) == 2
    assert {b.appointment.advisor_id for b in booked} == set(
        Appointment.objects.values_list("advisor_id", flat=True)
    )
    assert all(isinstance(o, SlotUnavailable) for o in outcomes if isinstance(o, Exception))


def test_an_overlapping_slot_of_another_service_for_the_same_advisor_is_refused(
    legal_service, make_advisor, book, institute_config
):
    from cercania.institute.models import Service

    violence = Service.objects.prefetch_related("opening_hours").get(code="violencia")
    violence.bookable_online = True
    violence.save()
    advisor = make_advisor()
    advisor.services.add(violence)
    # Legal is 45 minutes, violence 60: 9:45–10:30 (legal) overlaps 10:00–11:00 (violence).
    legal_start = local(2026, 12, 1, 9, 45)
    violence_start = local(2026, 12, 1, 10, 0)

    outcomes = race(
        lambda i: (
            book(legal_service, legal_start, now=NOW)
            if i % 2
            else book(violence, violence_start, now=NOW)
        ),
        n=10,
    )

    booked = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(booked) == 1
    assert all(isinstance(o, SlotUnavailable) for o in outcomes if isinstance(o, Exception))
    rows = list(Appointment.objects.filter(advisor=advisor).values_list("starts_at", "ends_at"))
    assert len(rows) == 1


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the exclusion constraint is PostgreSQL's"
)
def test_the_database_itself_refuses_an_overlap_written_behind_the_services_back(
    legal_service, make_advisor, book
):
    from django.db import IntegrityError

    make_advisor()
    booking = book(legal_service, local(2026, 12, 1, 10, 30), now=NOW)
    first = booking.appointment
    clone = Appointment(
        service=first.service,
        advisor=first.advisor,
        person=first.person,
        starts_at=first.starts_at + timedelta(minutes=15),
        ends_at=first.ends_at + timedelta(minutes=15),
        modality="phone",
        created_via="staff",
        reference="ZZZZZZ",
        manage_token_hash="x" * 64,
    )
    with pytest.raises(IntegrityError, match="scheduling_appointment_no_overlap"):
        clone.save()


def test_twenty_identical_requests_racing_with_one_idempotency_key_all_get_the_same_booking(
    legal_service, make_advisor, book
):
    make_advisor()
    start = local(2026, 12, 1, 10, 30)

    outcomes = race(
        lambda i: book(legal_service, start, now=NOW, idempotency_key="same-key", fingerprint="f")
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], [type(o) for o in outcomes]
    assert {o.appointment.pk for o in outcomes} == set(
        Appointment.objects.values_list("pk", flat=True)
    )
    assert Appointment.objects.count() == 1
