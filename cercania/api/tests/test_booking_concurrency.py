"""Twenty clients posting the same slot at once: one 201, nineteen 409, never a 5xx.

Real threads with their own database connections and real commits (as in
cercania/scheduling/tests/test_booking_concurrency.py), on SQLite and PostgreSQL.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from cercania.scheduling.models import Appointment

from .helpers import FIRST_FREE, booking_body

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen")]
THREADS = 20


def post_at_once(bodies: list[dict], headers: list[dict] | None = None) -> list[int]:
    barrier = threading.Barrier(len(bodies))

    def run(i: int) -> int:
        client = Client()
        barrier.wait()
        try:
            return client.post(
                "/api/v1/bookings",
                data=json.dumps(bodies[i]),
                content_type="application/json",
                headers=(headers or [{}] * len(bodies))[i],
            ).status_code
        finally:
            connection.close()  # each thread had its own connection

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(run, range(len(bodies))))


def test_twenty_posts_on_one_slot_give_one_201_and_nineteen_409(advisor, settings):
    settings.API_RATE_BOOKINGS_PER_HOUR = 1000  # one IP for all threads

    statuses = post_at_once([booking_body(name=f"Mujer {i}") for i in range(THREADS)])

    assert sorted(statuses) == [201] + [409] * (THREADS - 1), statuses
    assert Appointment.objects.filter(starts_at=FIRST_FREE).count() == 1


def test_twenty_retries_with_one_idempotency_key_book_once_and_all_get_201(advisor, settings):
    settings.API_RATE_BOOKINGS_PER_HOUR = 1000

    statuses = post_at_once(
        [booking_body()] * THREADS, headers=[{"Idempotency-Key": "same-tap"}] * THREADS
    )

    assert statuses == [201] * THREADS
    assert Appointment.objects.count() == 1


def test_a_committed_video_booking_answers_with_its_join_link_at_once(client, advisor):
    response = client.post(
        "/api/v1/bookings",
        data=json.dumps(
            booking_body(
                modality="video", phone=..., email="a@example.org", contact={"email": True}
            )
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["join_url"] == advisor.meeting_room_url
