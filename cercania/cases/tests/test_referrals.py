"""Referrals: her data leaves only with her consent to share with that institution,
or by a coordinator's written, audited override; status and follow-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cercania.cases.models import Area, Case, FollowUp, Referral
from cercania.cases.services import ConsentMissing, referral_create, referral_update_status
from cercania.institute.models import PrivacyNotice, ReferralInstitution
from cercania.institute.selectors import current_privacy_notice
from cercania.privacy.models import AuditEvent, Consent
from cercania.privacy.services import consent_give, consent_withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def institution(institute_config) -> ReferralInstitution:
    return ReferralInstitution.objects.get(kind="justice_centre")


@pytest.fixture
def case(make_case, violence_worker):
    return make_case(area=Area.VIOLENCE, assignee=violence_worker)


def share_consent(case, institution, by):
    return consent_give(
        person=case.person,
        purpose="share_institution",
        institution=institution,
        notice_version="2026.1",
        recorded_by=by,
    )


def new_url(case):
    return f"/personal/expedientes/casos/{case.public_id}/canalizacion/"


class TestConsent:
    def test_a_referral_that_shares_data_is_refused_without_consent(
        self, case, institution, violence_worker
    ):
        with pytest.raises(ConsentMissing):
            referral_create(
                case=case,
                institution=institution,
                reason="Orden de protección",
                actor=violence_worker,
            )
        assert not Referral.objects.exists()

    def test_consent_to_another_institution_does_not_count(
        self, case, institution, violence_worker
    ):
        other = ReferralInstitution.objects.exclude(pk=institution.pk).first()
        share_consent(case, other, violence_worker)
        with pytest.raises(ConsentMissing):
            referral_create(case=case, institution=institution, reason="x", actor=violence_worker)

    def test_a_withdrawn_consent_does_not_count(self, case, institution, violence_worker):
        consent_withdraw(
            consent=share_consent(case, institution, violence_worker), by=violence_worker
        )
        with pytest.raises(ConsentMissing):
            referral_create(case=case, institution=institution, reason="x", actor=violence_worker)

    def test_with_her_consent_it_goes_and_records_the_consent(
        self, case, institution, violence_worker
    ):
        consent = share_consent(case, institution, violence_worker)
        referral = referral_create(
            case=case, institution=institution, reason="x", actor=violence_worker
        )
        assert referral.basis == "consent" and referral.consent == consent
        assert Case.objects.get(pk=case.pk).status == Case.Status.REFERRED

    def test_without_sharing_data_no_consent_is_needed(self, case, institution, violence_worker):
        referral = referral_create(
            case=case, institution=institution, reason="x", shares_data=False, actor=violence_worker
        )
        assert referral.basis == "not_shared" and referral.consent is None

    def test_the_page_refuses_it_with_an_explanation(
        self, case, institution, violence_worker, client_for
    ):
        response = client_for(violence_worker).post(
            new_url(case),
            {"institution": institution.public_id, "reason": "Orden", "shares_data": "on"},
        )
        assert response.status_code == 200
        assert "No hay un consentimiento vigente" in response.text
        assert "override_reason" not in response.text  # only coordination may override
        assert not Referral.objects.exists()

    def test_she_gives_her_consent_during_the_session_and_the_referral_relies_on_it(
        self, case, institution, violence_worker, client_for
    ):
        client = client_for(violence_worker)
        response = client.post(
            new_url(case),
            {
                "institution": institution.public_id,
                "reason": "Orden de protección",
                "shares_data": "on",
                "consent_given_now": "on",
            },
        )
        assert response.status_code == 302
        referral = Referral.objects.get()
        consent = Consent.objects.get(purpose="share_institution")
        assert referral.basis == "consent" and referral.consent == consent
        assert consent.person == case.person and consent.institution == institution
        assert consent.recorded_by == violence_worker
        notice = current_privacy_notice(kind=PrivacyNotice.Kind.SIMPLIFIED)
        assert notice is not None and consent.notice_version == notice.version
        page = client.get(f"/personal/expedientes/canalizaciones/{referral.public_id}/")
        assert f"aviso v{notice.version}" in page.text and "Psicóloga Beatriz" in page.text

    def test_consent_given_now_does_nothing_when_no_data_is_shared(
        self, case, institution, violence_worker, client_for
    ):
        client_for(violence_worker).post(
            new_url(case),
            {"institution": institution.public_id, "reason": "x", "consent_given_now": "on"},
        )
        assert Referral.objects.get().basis == "not_shared"
        assert not Consent.objects.filter(purpose="share_institution").exists()


class TestOverride:
    def test_a_coordinator_overrides_with_a_written_reason_and_it_is_audited(
        self, case, institution, coordinator, client_for
    ):
        response = client_for(coordinator).post(
            new_url(case),
            {
                "institution": institution.public_id,
                "reason": "Riesgo alto",
                "shares_data": "on",
                "override_reason": "Riesgo feminicida inminente; no es posible localizarla.",
            },
        )
        assert response.status_code == 302
        referral = Referral.objects.get()
        assert referral.basis == "override" and referral.override_by == coordinator
        assert referral.override_reason.startswith("Riesgo feminicida")
        event = AuditEvent.objects.get(action="override")
        assert event.object_public_id == str(referral.public_id) and event.actor == coordinator
        assert event.detail == {"reason": "referral_without_consent"}  # never the text

    def test_an_override_without_a_reason_is_refused(self, case, institution, coordinator):
        with pytest.raises(ConsentMissing):
            referral_create(
                case=case,
                institution=institution,
                reason="x",
                override_reason=" ",
                actor=coordinator,
            )

    def test_a_case_worker_cannot_override(self, case, institution, violence_worker, client_for):
        client_for(violence_worker).post(
            new_url(case),
            {
                "institution": institution.public_id,
                "reason": "x",
                "shares_data": "on",
                "override_reason": "Porque sí",
            },
        )
        assert not Referral.objects.exists()
        assert not AuditEvent.objects.filter(action="override").exists()
        with pytest.raises(ConsentMissing):
            referral_create(
                case=case,
                institution=institution,
                reason="x",
                override_reason="Porque",
                actor=violence_worker,
            )


class TestStatusAndFollowUp:
    @pytest.fixture
    def referral(self, case, institution, violence_worker):
        return referral_create(
            case=case,
            institution=institution,
            reason="x",
            shares_data=False,
            follow_up_on=timezone.localdate() + timedelta(days=7),
            actor=violence_worker,
        )

    def test_a_follow_up_date_creates_a_follow_up_task(self, referral, violence_worker):
        task = FollowUp.objects.get(referral=referral)
        assert task.assignee == violence_worker and task.due_on == referral.follow_up_on

    def test_a_rejection_needs_its_reason(self, referral, violence_worker, client_for):
        client = client_for(violence_worker)
        url = f"/personal/expedientes/canalizaciones/{referral.public_id}/"
        response = client.post(url, {"status": "rejected", "rejection_reason": ""})
        assert response.status_code == 200 and "Indica por qué la rechazaron" in response.text
        response = client.post(
            url, {"status": "rejected", "rejection_reason": "Fuera de su competencia"}
        )
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.status == "rejected" and referral.answered_on == timezone.localdate()

    def test_accepted_then_completed(self, referral, violence_worker):
        referral_update_status(referral=referral, status="accepted", actor=violence_worker)
        referral_update_status(referral=referral, status="completed", actor=violence_worker)
        assert referral.completed_on == timezone.localdate()
        with pytest.raises(ValidationError, match="no es posible"):
            referral_update_status(referral=referral, status="sent", actor=violence_worker)
