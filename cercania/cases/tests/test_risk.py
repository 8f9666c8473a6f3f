"""Risk screening: score and level from the instrument version, a high level demands
an action, re-assessments show the trend, a new version leaves old ones alone."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cercania.cases.models import Area, RiskAssessment, RiskInstrument, RiskLevel
from cercania.cases.selectors import risk_instrument_current, risk_trend
from cercania.cases.services import (
    HighRiskWithoutAction,
    RiskScore,
    risk_assessment_complete,
    risk_assessment_request,
    risk_instrument_new_version,
    risk_score,
)

pytestmark = pytest.mark.django_db

# Items weighted 3 in the shipped instrument: 1, 3, 4, 6, 7, 8, 9, 18, 19.
SEVEN_HEAVY = {1: True, 3: True, 4: True, 6: True, 7: True, 8: True, 9: True}  # 21 points


@pytest.fixture
def instrument(institute_config) -> RiskInstrument:
    current = risk_instrument_current()
    assert current is not None
    return current


@pytest.fixture
def case(make_case, violence_worker):
    return make_case(area=Area.VIOLENCE, assignee=violence_worker)


def url(case, suffix=""):
    return f"/personal/expedientes/casos/{case.public_id}/riesgo/{suffix}"


class TestTheShippedInstrument:
    def test_it_has_23_items_weighted_3_2_1_and_three_bands(self, instrument):
        weights = [item.weight for item in instrument.items.all()]
        assert len(weights) == 23 and set(weights) == {1, 2, 3}
        bands = {band.level: band.min_score for band in instrument.bands.all()}
        assert bands == {"low": 0, "moderate": 11, "high": 21}
        assert "validar con el instituto" in instrument.note.lower()


class TestScore:
    def test_no_yes_answers_is_zero_and_low(self, instrument):
        assert risk_score(instrument=instrument, answers={}) == RiskScore(0, RiskLevel.LOW)

    def test_the_score_is_the_sum_of_the_weights_answered_yes(self, instrument):
        # 3 (item 1) + 2 (item 2) + 1 (item 13)
        result = risk_score(instrument=instrument, answers={1: True, 2: True, 13: True, 4: False})
        assert result.score == 6 and result.level == RiskLevel.LOW

    def test_eleven_points_is_moderate_and_twenty_one_is_high(self, instrument):
        assert (
            risk_score(instrument=instrument, answers={1: True, 3: True, 4: True, 2: True}).level
            == "moderate"
        )
        assert (
            risk_score(instrument=instrument, answers={k: True for k in (1, 3, 4, 6, 7, 8)}).score
            == 18
        )
        assert risk_score(instrument=instrument, answers=SEVEN_HEAVY) == RiskScore(
            21, RiskLevel.HIGH
        )

    def test_an_answer_to_an_item_of_another_instrument_is_refused(self, instrument):
        with pytest.raises(ValidationError, match="no son de este instrumento"):
            risk_score(instrument=instrument, answers={99: True})


class TestHighRisk:
    def test_a_high_level_without_action_is_refused(self, case, instrument, violence_worker):
        with pytest.raises(HighRiskWithoutAction):
            risk_assessment_complete(
                case=case, instrument=instrument, answers=SEVEN_HEAVY, actor=violence_worker
            )
        assert not RiskAssessment.objects.filter(status="completed").exists()

    def test_the_database_refuses_it_too(self, case, instrument, violence_worker):
        with pytest.raises(IntegrityError), transaction.atomic():
            RiskAssessment.objects.create(
                case=case,
                status="completed",
                instrument=instrument,
                score=30,
                level="high",
                assessed_at="2026-01-01T00:00:00Z",
            )

    def test_with_an_action_it_is_saved(self, case, instrument, violence_worker):
        assessment = risk_assessment_complete(
            case=case,
            instrument=instrument,
            answers=SEVEN_HEAVY,
            actions=["action_safety_plan"],
            actor=violence_worker,
        )
        assert (assessment.score, assessment.level) == (21, "high")
        assert assessment.action_safety_plan and assessment.instrument == instrument

    def test_the_page_refuses_it_and_shows_911_and_the_violence_line(
        self, case, violence_worker, client_for
    ):
        data = {f"item_{n}": "on" for n in SEVEN_HEAVY}
        response = client_for(violence_worker).post(url(case), data)
        assert response.status_code == 200
        assert "riesgo ALTO" in response.text and "911" in response.text
        assert "614-4-10-23-05" in response.text  # the violence line
        assert 'href="tel:911"' in response.text
        assert not RiskAssessment.objects.filter(status="completed").exists()

    def test_the_page_saves_it_with_an_action_and_keeps_911_in_view(
        self, case, violence_worker, client_for
    ):
        client = client_for(violence_worker)
        data = {f"item_{n}": "on" for n in SEVEN_HEAVY} | {"action_emergency_call": "on"}
        response = client.post(url(case), data)
        assert response.status_code == 302
        assessment = RiskAssessment.objects.get(status="completed")
        page = client.get(response["Location"])
        assert "Riesgo alto: números a la vista" in page.text and "911" in page.text
        case_page = client.get(f"/personal/expedientes/casos/{case.public_id}/")
        assert 'href="tel:911"' in case_page.text
        assert assessment.level == "high"


class TestReassessment:
    def test_a_pending_screening_is_the_one_completed(self, case, instrument, violence_worker):
        pending = risk_assessment_request(case=case, actor=violence_worker)
        done = risk_assessment_complete(
            case=case, instrument=instrument, answers={2: True}, actor=violence_worker
        )
        assert done.pk == pending.pk and done.status == "completed"

    def test_the_trend_shows_the_change_between_screenings(
        self, case, instrument, violence_worker, client_for
    ):
        risk_assessment_complete(
            case=case, instrument=instrument, answers={2: True}, actor=violence_worker
        )
        risk_assessment_complete(
            case=case,
            instrument=instrument,
            answers={2: True, 4: True, 5: True},
            actor=violence_worker,
        )
        trend = risk_trend(case)
        assert [(p.assessment.score, p.change) for p in trend] == [(2, None), (7, 5)]
        page = client_for(violence_worker).get(f"/personal/expedientes/casos/{case.public_id}/")
        assert "▲ +5" in page.text


class TestVersions:
    def test_a_new_version_does_not_change_old_assessments(
        self, case, instrument, violence_worker, client_for
    ):
        old = risk_assessment_complete(
            case=case, instrument=instrument, answers={1: True, 2: True}, actor=violence_worker
        )
        new_version = risk_instrument_new_version(
            base=instrument,
            version="2027.1",
            published_on=date(2027, 1, 1),
            weights={1: 1, 2: 3},
            bands={"moderate": 3, "high": 4},
        )
        assert risk_instrument_current() == new_version
        old.refresh_from_db()
        assert (old.instrument_id, old.score, old.level) == (instrument.pk, 5, "low")

        newer = risk_assessment_complete(
            case=case,
            instrument=new_version,
            answers={1: True, 2: True},
            actions=["action_protection_order"],
            actor=violence_worker,
        )
        assert (newer.score, newer.level) == (4, "high")

        # The old assessment is still read with its own version's items and weights.
        page = client_for(violence_worker).get(url(case, f"{old.public_id}/"))
        assert "v2020.1" in page.text and "Bajo" in page.text

    def test_a_used_version_is_frozen_in_the_admin(
        self, case, instrument, violence_worker, admin_client
    ):
        risk_assessment_complete(
            case=case, instrument=instrument, answers={}, actor=violence_worker
        )
        page = admin_client.get(f"/admin/cases/riskinstrument/{instrument.pk}/change/")
        assert page.status_code == 200
        assert 'name="version"' not in page.text
