"""Violence, risk, referral and follow-up indicators on a hand-built violence case."""

from __future__ import annotations

from datetime import date

import pytest

from cercania.conftest import local
from cercania.reports import selectors
from cercania.reports.selectors import Filters

pytestmark = pytest.mark.django_db
WEEK = Filters(start=date(2026, 12, 1), end=date(2026, 12, 7))


@pytest.fixture
def violence_case(make_person, violence_worker, coordinator):
    from cercania.cases.models import Area, ViolenceModality, ViolenceType
    from cercania.cases.selectors import risk_instrument_current
    from cercania.cases.services import (
        case_open,
        follow_up_create,
        referral_create,
        referral_update_status,
        risk_assessment_complete,
        violence_record_save,
    )
    from cercania.institute.models import ReferralInstitution

    def open_case(opened_on):
        case = case_open(
            person=make_person(),
            area=Area.VIOLENCE,
            assignee=violence_worker,
            actor=violence_worker,
            opened_on=opened_on,
        )
        violence_record_save(
            case=case,
            types=ViolenceType.objects.order_by("pk")[:2],
            modalities=ViolenceModality.objects.order_by("pk")[:1],
            aggressor_relation=None,
            aggressor_same_company=False,
            gbvims_type="",
            actor=violence_worker,
        )
        return case

    first = open_case(date(2026, 12, 1))
    open_case(date(2026, 12, 2))
    open_case(date(2026, 11, 2))  # before the period: not counted
    instrument = risk_instrument_current()
    assert instrument is not None
    risk_assessment_complete(
        case=first,
        instrument=instrument,
        answers={},
        actor=violence_worker,
        now=local(2026, 12, 2, 10),
    )
    institution = ReferralInstitution.objects.order_by("pk").first()
    assert institution is not None
    done = referral_create(
        case=first,
        institution=institution,
        reason="-",
        shares_data=False,
        actor=violence_worker,
        sent_on=date(2026, 12, 2),
    )
    referral_update_status(referral=done, status="accepted", actor=violence_worker)
    referral_update_status(referral=done, status="completed", actor=violence_worker)
    referral_create(
        case=first,
        institution=institution,
        reason="-",
        shares_data=False,
        actor=violence_worker,
        sent_on=date(2026, 12, 3),
    )
    follow_up_create(
        case=first, task="Llamar", due_on=date(2026, 12, 3), assignee=violence_worker,
        actor=violence_worker,
    )  # fmt: skip
    follow_up_create(
        case=first, task="Llamar", due_on=date(2026, 12, 20), assignee=violence_worker,
        actor=violence_worker,
    )  # fmt: skip
    return institution


def test_violence_cases_count_once_per_type_and_modality(violence_case):
    by_type = selectors.violence_by_type(WEEK)
    assert [n for _label, n in by_type.rows] == [2, 2]
    assert by_type.total == 2
    assert [n for _label, n in selectors.violence_by_modality(WEEK).rows] == [2]


def test_risk_levels_count_screenings_applied_in_the_period(violence_case):
    table = selectors.risk_levels(WEEK)
    assert table.total == 1
    assert sum(n for _label, n in table.rows) == 1


def test_referrals_by_institution_and_status_and_the_share_completed(violence_case):
    assert selectors.referrals_by_institution(WEEK).rows == [(violence_case.name, 2)]
    assert dict(selectors.referrals_by_status(WEEK).rows)["Concluida"] == 1
    assert selectors.referrals_completed_share(WEEK) == pytest.approx(0.5)


def test_a_follow_up_is_overdue_only_after_its_due_date(violence_case):
    overdue = selectors.follow_ups_overdue(WEEK, today=date(2026, 12, 10))
    assert dict(overdue.rows)["Atención a la violencia"] == 1
    early = selectors.follow_ups_overdue(WEEK, today=date(2026, 12, 3))
    assert early.total == 0
