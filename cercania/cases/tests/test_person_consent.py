"""Staff record a consent she gives them (session, call, in person): per purpose, under
the privacy notice in force, with who recorded it; only for women in their scope."""

from __future__ import annotations

import pytest

from cercania.institute.models import PrivacyNotice, ReferralInstitution
from cercania.institute.selectors import current_privacy_notice
from cercania.privacy.models import AuditAction, AuditEvent, Consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_case, lawyer):
    return make_case(assignee=lawyer)


@pytest.fixture
def institution(institute_config) -> ReferralInstitution:
    return ReferralInstitution.objects.get(kind="justice_centre")


def url(person) -> str:
    return f"/personal/expedientes/personas/{person.public_id}/consentimiento/"


def test_she_records_a_consent_to_share_with_an_institution(case, lawyer, institution, client_for):
    client = client_for(lawyer)
    notice = current_privacy_notice(kind=PrivacyNotice.Kind.SIMPLIFIED)
    assert notice is not None
    page = client.get(url(case.person))
    assert page.status_code == 200 and f"simplificado v{notice.version}" in page.text
    response = client.post(
        url(case.person),
        {
            "purpose": "share_institution",
            "institution": institution.public_id,
            "she_agrees": "on",
        },
    )
    assert response["Location"] == f"/personal/expedientes/personas/{case.person.public_id}/"
    consent = Consent.objects.get(person=case.person)
    assert (consent.purpose, consent.institution) == ("share_institution", institution)
    assert consent.recorded_by == lawyer and consent.notice_version == notice.version
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_public_id=str(consent.public_id), actor=lawyer
    ).exists()
    assert institution.name in client.get(response["Location"]).text


def test_a_channel_consent_names_no_institution(case, lawyer, client_for):
    client = client_for(lawyer)
    response = client.post(url(case.person), {"purpose": "contact_sms", "she_agrees": "on"})
    assert response.status_code == 302
    assert Consent.objects.get(person=case.person).purpose == "contact_sms"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"purpose": "share_institution", "she_agrees": "on"}, "Elige la institución"),
        ({"purpose": "contact_call", "institution": "x"}, "Confirma que ella da su consentimiento"),
        ({"purpose": "otra", "she_agrees": "on"}, "Finalidad"),
    ],
)
def test_it_refuses_an_incomplete_consent_with_a_clear_error(
    case, lawyer, client_for, data, message
):
    response = client_for(lawyer).post(url(case.person), data)
    assert response.status_code == 200 and message in response.text
    assert not Consent.objects.exists()


def test_an_institution_goes_only_with_sharing(case, lawyer, institution, client_for):
    response = client_for(lawyer).post(
        url(case.person),
        {"purpose": "contact_call", "institution": institution.public_id, "she_agrees": "on"},
    )
    assert "La institución se elige solo para compartir sus datos." in response.text
    assert not Consent.objects.exists()


def test_a_woman_outside_her_scope_is_not_found(case, other_lawyer, client_for):
    client = client_for(other_lawyer)
    assert client.get(url(case.person)).status_code == 404
    response = client.post(url(case.person), {"purpose": "contact_sms", "she_agrees": "on"})
    assert response.status_code == 404 and not Consent.objects.exists()


def test_opening_the_page_is_a_logged_read(case, lawyer, client_for):
    client_for(lawyer).get(url(case.person))
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_public_id=str(case.person.public_id), actor=lawyer
    ).exists()
