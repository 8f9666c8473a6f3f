"""ARCO deadlines in business days of the institute's calendar: weekends, federal rest
days and the institute's own closed days are skipped."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cercania.conftest import local
from cercania.institute.models import ClosedDay
from cercania.privacy.models import ArcoRequest, ArcoStatus, AuditEvent
from cercania.privacy.selectors import business_days_after
from cercania.privacy.services import (
    arco_request_deny,
    arco_request_extend,
    arco_request_grant,
    arco_request_register,
)

pytestmark = pytest.mark.django_db

NOV_10 = date(2026, 11, 10)  # a Tuesday; Monday 16 November is Revolution Day (federal)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(local(2026, 12, 1, 10, 0), tick=False)
    return time_machine


@pytest.fixture
def register(institute_config, frozen, coordinator):
    def do(received_on: date = NOV_10, *, person=None, identity_checked=False) -> ArcoRequest:
        return arco_request_register(
            right=ArcoRequest.Right.ACCESS,
            received_on=received_on,
            description="Quiere saber qué datos tenemos.",
            person=person,
            identity_checked=identity_checked,
            by=coordinator,
        )

    return do


class TestAnswerDeadline:
    def test_twenty_business_days_skip_weekends_and_the_revolution_day(self, register) -> None:
        # 11–13, 17–20, 23–27 Nov, 30 Nov–4 Dec, 7–9 Dec: the 16th is not counted.
        assert register().answer_due == date(2026, 12, 9)

    def test_without_the_holiday_it_would_be_a_day_earlier(self, institute_config) -> None:
        ClosedDay.objects.filter(date=date(2026, 11, 16)).delete()
        assert business_days_after(start=NOV_10, days=20) == date(2026, 12, 8)

    def test_a_local_closed_day_added_by_the_institute_shifts_it(self, register) -> None:
        ClosedDay.objects.create(
            date=date(2026, 12, 2), reason="Día inhábil municipal", origin=ClosedDay.Origin.LOCAL
        )
        assert register().answer_due == date(2026, 12, 10)

    def test_a_request_received_on_a_weekend_counts_from_the_next_business_day(
        self, register
    ) -> None:
        saturday, tuesday = date(2026, 11, 14), date(2026, 11, 17)  # Monday is a holiday
        assert register(saturday).answer_due == register(tuesday).answer_due == date(2026, 12, 15)

    def test_the_number_of_days_is_a_setting(self, register, settings) -> None:
        settings.ARCO_ANSWER_BUSINESS_DAYS = 5
        assert register().answer_due == date(2026, 11, 18)

    def test_a_bad_setting_fails_loudly(self, register, settings) -> None:
        from django.core.exceptions import ImproperlyConfigured

        settings.ARCO_ANSWER_BUSINESS_DAYS = "20"
        with pytest.raises(ImproperlyConfigured):
            register()

    def test_a_future_receipt_date_is_refused(self, register) -> None:
        with pytest.raises(ValidationError):
            register(date(2026, 12, 2))


class TestExtension:
    def test_it_adds_ten_business_days_to_the_answer_deadline(self, register, coordinator):
        extended = arco_request_extend(arco_request=register(), by=coordinator)
        # From 9 Dec: 10, 11, 14–18, 21–23 Dec.
        assert extended.answer_due == date(2026, 12, 23)
        assert extended.status == ArcoStatus.EXTENDED and extended.extension_used

    def test_it_is_allowed_only_once(self, register, coordinator) -> None:
        arco = arco_request_extend(arco_request=register(), by=coordinator)
        with pytest.raises(ValidationError):
            arco_request_extend(arco_request=arco, by=coordinator)
        arco.refresh_from_db()
        assert arco.answer_due == date(2026, 12, 23)

    def test_it_is_not_allowed_after_the_answer(self, register, coordinator) -> None:
        arco = arco_request_deny(
            arco_request=register(), reason="No acreditó su identidad.", by=coordinator
        )
        with pytest.raises(ValidationError):
            arco_request_extend(arco_request=arco, by=coordinator)

    def test_it_is_audited_with_the_status_change(self, register, coordinator) -> None:
        arco = arco_request_extend(arco_request=register(), by=coordinator)
        event = AuditEvent.objects.filter(object_public_id=str(arco.public_id)).first()
        assert event is not None
        assert event.detail["status"] == "extended"
        assert event.detail["previous_status"] == "received"


class TestExecutionDeadline:
    def test_a_granted_request_is_due_fifteen_business_days_after_the_answer(
        self, register, make_person, coordinator
    ) -> None:
        arco = register(person=make_person(), identity_checked=True)
        granted = arco_request_grant(
            arco_request=arco, reason="Procede.", by=coordinator, today=date(2026, 12, 1)
        )
        # 2–4, 7–11, 14–18, 21–22 Dec.
        assert granted.execution_due == date(2026, 12, 22)
        assert granted.answered_on == date(2026, 12, 1)

    def test_it_cannot_be_granted_before_her_identity_is_checked(
        self, register, make_person, coordinator
    ) -> None:
        arco = register(person=make_person())
        with pytest.raises(ValidationError):
            arco_request_grant(arco_request=arco, reason="Procede.", by=coordinator)
        arco.refresh_from_db()
        assert arco.status == ArcoStatus.RECEIVED

    def test_it_cannot_be_granted_before_it_is_linked_to_her_record(
        self, register, coordinator
    ) -> None:
        with pytest.raises(ValidationError):
            arco_request_grant(
                arco_request=register(identity_checked=True), reason="Procede.", by=coordinator
            )

    def test_an_answer_needs_its_reason(self, register, coordinator) -> None:
        with pytest.raises(ValidationError):
            arco_request_deny(arco_request=register(), reason="  ", by=coordinator)
