"""Schemathesis against the WSGI app: every operation, and create → get → reschedule → cancel.

Positive and negative examples from the OpenAPI schema itself; every answer must be
below 500 and conform to the schema (status code, content type, headers, body). Rate
limits are raised here: the fuzzer is one client sending thousands of requests.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cercania.wsgi import application

from .helpers import NOW

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = 100
# Offered starts of the frozen week (45-minute grid from 9:00, two hours of notice).
STARTS = [
    (NOW.replace(hour=9) + timedelta(days=day, minutes=45 * n)).isoformat()
    for day in range(1, 5)
    for n in range(8)
]


# The schema as the app serves it (schemathesis' WSGI client asks for it at import).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def world(make_advisor, settings):  # type: ignore[no-untyped-def]
    make_advisor()
    make_advisor(modalities=("video",))
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.API_RATE_BOOKINGS_PER_HOUR = 10**9
    settings.API_RATE_TOKEN_LOOKUPS_PER_HOUR = 10**9
    settings.API_RATE_SLOTS_PER_MINUTE = 10**9
    # Requests go through the real WSGI handler, whose request signals close the
    # database connection: the test's transaction must survive them (Django's test
    # client does the same).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case):  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=CHECKS)


# ---------------------------------------------------------------- stateful


def plausible_booking(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Most bodies aim at a real slot, so the links from a 201 are followed too."""
    phone = st.builds(
        lambda modality, sms: {
            "modality": modality,
            "phone": "614 123 4567",
            "contact": {"call": True, "sms": sms},
        },
        st.sampled_from(["phone", "video"]),
        st.booleans(),
    )
    video = st.just({"modality": "video", "email": "ana@example.org", "contact": {"email": True}})
    fuzzed = {k: v for k, v in body.items() if k not in ("jornada", "email", "phone")}
    real = st.builds(
        lambda start, channel: {
            **fuzzed,  # the name stays as drawn: accents, emoji, RTL…
            **channel,
            "service": "juridico",
            "start": start,
            "privacy_notice_accepted": True,
        },
        st.sampled_from(STARTS),
        st.one_of(phone, video),
    )
    return st.one_of(st.just(body), real, real, real)


def real_slots_query() -> st.SearchStrategy[dict[str, str]]:
    return st.builds(
        lambda days, modality: {
            "service": "juridico",
            "from": "2026-12-01",
            "to": f"2026-12-{1 + days:02d}",
            **({"modality": modality} if modality else {}),
        },
        st.integers(0, 6),
        st.sampled_from([None, "video", "phone"]),
    )


@pytest.fixture
def state_machine():  # type: ignore[no-untyped-def]
    @schema.hook
    def flatmap_case(context, case):  # type: ignore[no-untyped-def]
        # Only positive cases are steered: a negative one must stay as invalid as drawn.
        meta = case.meta
        if meta is None or any(c.mode.is_negative for c in meta.components.values()):
            return st.just(case)
        if case.operation.path == "/api/v1/slots":

            def with_query(query):  # type: ignore[no-untyped-def]
                case.query = query
                return case

            return st.one_of(st.just(case.query), real_slots_query()).map(with_query)
        if not isinstance(case.body, dict):
            return st.just(case)
        if case.operation.path == "/api/v1/bookings":
            bodies = plausible_booking(case.body)
        elif case.operation.path.endswith("/reschedule"):
            # Random starts are the per-operation test's job; here the move should succeed.
            bodies = st.sampled_from(STARTS).map(lambda s: {"start": s})
        else:
            return st.just(case)

        def with_body(body):  # type: ignore[no-untyped-def]
            case.body = body
            return case

        return bodies.map(with_body)

    machine = schema.as_state_machine()

    class Checked(machine):  # type: ignore[misc, valid-type]
        seen: ClassVar[set[tuple[str, int]]] = set()

        # Each scenario starts from the same database: what one scenario booked must
        # not change what the next one is answered (Hypothesis replays scenarios).
        def setup(self) -> None:
            super().setup()
            self._savepoint = transaction.savepoint()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self._savepoint)
            super().teardown()

        def after_call(self, response, case):  # type: ignore[no-untyped-def]
            super().after_call(response, case)
            self.seen.add((case.operation.definition.raw["operationId"], response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(
                response,
                checks=CHECKS,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    return Checked


def test_create_get_reschedule_and_cancel_chained_stay_within_the_schema(state_machine):  # type: ignore[no-untyped-def]
    state_machine.seen.clear()
    state_machine.run(
        settings=hypothesis_settings(
            max_examples=EXAMPLES,
            # Ten calls a scenario and a fixed walk: the assertion below is about where
            # the walk got to, and six calls from a fresh seed each run sometimes never
            # cancelled a booking it had made (a red CI by chance, not a finding). The
            # single-operation tests above keep a fresh seed each run.
            stateful_step_count=10,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The run went the whole way, not only through refusals.
    assert {
        ("create_booking", 201),
        ("get_booking", 200),
        ("reschedule_booking", 200),
        ("cancel_booking", 200),
    } <= state_machine.seen, sorted(state_machine.seen)
