"""Who reaches which case, person and contact, through HTTP, for every role.

Outside her scope a record is a 404 (a 403 would confirm that it exists); a role with
no business in case files gets 403 at the door. Every URL of the app is classified
below: a new one that is not fails the matrix test.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from cercania.cases import urls as case_urls
from cercania.cases.models import Area, Contact, RiskInstrument
from cercania.cases.services import (
    case_handover_to_violence,
    contact_record,
    follow_up_create,
    referral_create,
    risk_assessment_complete,
)
from cercania.institute.models import ReferralInstitution
from cercania.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db

BASE = "/personal/expedientes"
SECRET = "Resumen confidencial: amenazas del exesposo"


@pytest.fixture
def world(make_case, make_person, lawyer, other_lawyer, violence_worker, coordinator):
    """A legal case of each lawyer (one restricted), an unassigned legal case, a
    violence case with a summary and risk answers."""
    mine = make_case(assignee=lawyer)
    theirs = make_case(assignee=other_lawyer)
    restricted = make_case(assignee=other_lawyer, restricted=True)
    unassigned = make_case()
    violence = make_case(area=Area.VIOLENCE, assignee=violence_worker)
    contact = contact_record(
        staff=violence_worker,
        kind=Contact.Kind.PHONE_SESSION,
        started_at=timezone.now(),
        result=Contact.Result.FOLLOW_UP,
        summary=SECRET,
        case=violence,
    )
    assessment = risk_assessment_complete(
        case=violence,
        instrument=RiskInstrument.objects.get(current=True),
        answers={7: True, 8: True},
        actor=violence_worker,
    )
    referral = referral_create(
        case=violence,
        institution=ReferralInstitution.objects.all()[0],
        reason="Acompañamiento",
        shares_data=False,
        actor=violence_worker,
    )
    follow_up = follow_up_create(
        case=violence,
        task="Llamar",
        due_on=timezone.localdate(),
        assignee=violence_worker,
        actor=violence_worker,
    )
    return {
        "mine": mine,
        "theirs": theirs,
        "restricted": restricted,
        "unassigned": unassigned,
        "violence": violence,
        "contact": contact,
        "assessment": assessment,
        "referral": referral,
        "follow_up": follow_up,
    }


def case_url(case) -> str:
    return f"{BASE}/casos/{case.public_id}/"


class TestLegalAdviser:
    def test_she_opens_her_cases_and_the_unassigned_legal_ones(self, world, lawyer, client_for):
        client = client_for(lawyer)
        assert client.get(case_url(world["mine"])).status_code == 200
        assert client.get(case_url(world["unassigned"])).status_code == 200

    def test_she_cannot_open_a_violence_case(self, world, lawyer, client_for):
        client = client_for(lawyer)
        assert client.get(case_url(world["violence"])).status_code == 404
        assert client.get(f"{BASE}/contactos/{world['contact'].public_id}/").status_code == 404
        assert (
            client.get(f"{BASE}/canalizaciones/{world['referral'].public_id}/").status_code == 404
        )

    def test_she_cannot_open_another_advisers_restricted_case(self, world, lawyer, client_for):
        assert client_for(lawyer).get(case_url(world["restricted"])).status_code == 404

    def test_she_cannot_open_a_case_assigned_to_another_adviser(self, world, lawyer, client_for):
        assert client_for(lawyer).get(case_url(world["theirs"])).status_code == 404

    def test_her_list_shows_only_her_scope(self, world, lawyer, client_for):
        text = client_for(lawyer).get(f"{BASE}/").text
        assert world["mine"].folio in text and world["unassigned"].folio in text
        for other in ("theirs", "restricted", "violence"):
            assert world[other].folio not in text

    def test_she_cannot_apply_a_risk_screening(self, world, lawyer, client_for):
        url = f"{BASE}/casos/{world['violence'].public_id}/riesgo/{world['assessment'].public_id}/"
        assert client_for(lawyer).get(url).status_code == 403


class TestViolenceWorker:
    def test_she_opens_her_violence_case_with_its_risk_answers(
        self, world, violence_worker, client_for
    ):
        client = client_for(violence_worker)
        assert SECRET in client.get(case_url(world["violence"])).text
        url = f"{BASE}/casos/{world['violence'].public_id}/riesgo/{world['assessment'].public_id}/"
        page = client.get(url)
        assert page.status_code == 200 and "Amenazas graves o de muerte" in page.text

    def test_she_cannot_open_legal_cases(self, world, violence_worker, client_for):
        client = client_for(violence_worker)
        for key in ("mine", "unassigned", "restricted"):
            assert client.get(case_url(world[key])).status_code == 404

    def test_a_colleague_does_not_see_her_assigned_case(
        self, world, other_violence_worker, client_for
    ):
        assert client_for(other_violence_worker).get(case_url(world["violence"])).status_code == 404

    def test_the_team_sees_a_handed_over_case_waiting_for_screening(
        self, world, make_person, operator, other_violence_worker, client_for
    ):
        case = case_handover_to_violence(person=make_person("Nueva"), actor=operator)
        assert client_for(other_violence_worker).get(case_url(case)).status_code == 200


class TestOperator:
    def test_she_reaches_no_case_page(self, world, operator, client_for):
        client = client_for(operator)
        assert client.get(f"{BASE}/").status_code == 403
        assert client.get(case_url(world["violence"])).status_code == 403
        assert client.get(f"{BASE}/contactos/{world['contact'].public_id}/").status_code == 403

    def test_the_console_never_shows_a_summary_or_risk_answers(self, world, operator, client_for):
        client = client_for(operator)
        person = world["violence"].person
        card = client.get(f"{BASE}/linea/persona/{person.public_id}/")
        assert card.status_code == 200
        assert person.folio in card.text
        assert "Sesión telefónica" in card.text  # the contact's metadata
        assert SECRET not in card.text and "amenazas" not in card.text.lower()
        assert "Amenazas graves" not in card.text and "puntos" not in card.text

    def test_the_console_search_shows_no_summary(self, world, operator, client_for, make_person):
        person = world["violence"].person
        # Give her a phone so the console finds her.
        from cercania.cases.services import person_update

        person_update(
            person=person,
            name=person.name,
            phone="614 333 4455",
            email="",
            birth_year=None,
            municipality="",
            employer=None,
            actor=None,
        )
        page = client_for(operator).post(f"{BASE}/linea/", {"phone": "6143334455"})
        assert person.folio in page.text and SECRET not in page.text


@pytest.mark.parametrize("persona", ["liaison", "sysadmin"])
def test_a_liaison_or_sysadmin_reaches_no_case_url(world, persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    for url in every_url(world):
        # Whichever method the view takes answers 403; the other one 405.
        answers = {client.get(url).status_code, client.post(url, {"folio": "X"}).status_code}
        assert answers in ({403}, {403, 405}), url


def test_an_anonymous_visitor_is_sent_to_log_in(world, client):
    for url in every_url(world):
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith("/personal/entrar/")


class TestCoordinator:
    def test_she_opens_everything_including_restricted_cases(self, world, coordinator, client_for):
        client = client_for(coordinator)
        for key in ("mine", "theirs", "restricted", "unassigned", "violence"):
            assert client.get(case_url(world[key])).status_code == 200

    def test_her_read_is_logged(self, world, coordinator, client_for):
        case = world["restricted"]
        client_for(coordinator).get(case_url(case))
        event = AuditEvent.objects.filter(
            action="view", object_type="cases.case", object_public_id=str(case.public_id)
        ).get()
        assert event.actor == coordinator and event.ip == "203.0.113.9"

    def test_the_case_shows_who_saw_it(self, world, coordinator, lawyer, client_for):
        client_for(lawyer).get(case_url(world["mine"]))
        page = client_for(coordinator).get(case_url(world["mine"]))
        assert "Quién vio este expediente" in page.text
        assert lawyer.email in page.text and coordinator.email in page.text


def test_every_read_of_a_person_or_contact_is_logged(world, violence_worker, client_for):
    client = client_for(violence_worker)
    client.get(f"{BASE}/personas/{world['violence'].person.public_id}/")
    client.get(f"{BASE}/contactos/{world['contact'].public_id}/")
    logged = set(
        AuditEvent.objects.filter(action="view", actor=violence_worker).values_list(
            "object_type", "object_public_id"
        )
    )
    assert ("cases.person", str(world["violence"].person.public_id)) in logged
    assert ("cases.contact", str(world["contact"].public_id)) in logged


# ---------------------------------------------------------------- the URL matrix

# Every URL name of the app and the roles its view lets in. A URL missing here fails.
MATRIX = {
    "list": {"coordinacion", "juridico", "violencia"},
    "my_work": {"coordinacion", "juridico", "violencia", "linea"},
    "person_new": {"coordinacion", "juridico", "violencia"},
    "person": {"coordinacion", "juridico", "violencia"},
    "person_edit": {"coordinacion", "juridico", "violencia"},
    "person_preferences": {"coordinacion", "juridico", "violencia", "linea"},
    "person_merge": {"coordinacion"},
    "person_consent": {"coordinacion", "juridico", "violencia"},
    "case_new": {"coordinacion", "juridico", "violencia"},
    "case": {"coordinacion", "juridico", "violencia"},
    "case_edit": {"coordinacion", "juridico", "violencia"},
    "case_close": {"coordinacion", "juridico", "violencia"},
    "case_take": {"coordinacion", "juridico", "violencia"},
    "contact_new": {"coordinacion", "juridico", "violencia"},
    "violence_record": {"coordinacion", "juridico", "violencia"},
    "risk_new": {"coordinacion", "violencia"},
    "risk": {"coordinacion", "violencia"},
    "referral_new": {"coordinacion", "juridico", "violencia"},
    "follow_up_new": {"coordinacion", "juridico", "violencia"},
    "referral": {"coordinacion", "juridico", "violencia"},
    "follow_up_done": {"coordinacion", "juridico", "violencia"},
    "contact": {"coordinacion", "juridico", "violencia"},
    "contact_link": {"coordinacion", "juridico", "violencia"},
    "contact_from_appointment": {"coordinacion", "juridico", "violencia"},
    "console": {"coordinacion", "violencia", "linea"},
    "console_person_new": {"coordinacion", "violencia", "linea"},
    "console_call": {"coordinacion", "violencia", "linea"},
    "console_person": {"coordinacion", "violencia", "linea"},
    "console_book": {"coordinacion", "violencia", "linea"},
}


def test_every_url_is_classified_and_guarded():
    patterns = [p for p in case_urls.urlpatterns if isinstance(p, URLPattern)]
    assert {p.name for p in patterns} == set(MATRIX)
    for pattern in patterns:
        roles = {str(r) for r in getattr(pattern.callback, "staff_roles", ())}
        assert roles == MATRIX[str(pattern.name)], pattern.name


def every_url(world) -> list[str]:
    person_id = world["violence"].person.public_id
    ids_by_name = {
        "person": person_id,
        "person_edit": person_id,
        "person_preferences": person_id,
        "person_merge": person_id,
        "person_consent": person_id,
        "case_new": person_id,
        "console_person": person_id,
        "console_book": person_id,
        "referral": world["referral"].public_id,
        "follow_up_done": world["follow_up"].public_id,
        "contact": world["contact"].public_id,
        "contact_link": world["contact"].public_id,
        "contact_from_appointment": world["contact"].public_id,
    }
    urls = []
    for pattern in case_urls.urlpatterns:
        kwargs = {}
        if "<uuid:public_id>" in str(pattern.pattern):
            kwargs["public_id"] = ids_by_name.get(str(pattern.name), world["violence"].public_id)
        if "<uuid:assessment_id>" in str(pattern.pattern):
            kwargs["assessment_id"] = world["assessment"].public_id
        urls.append(reverse(f"cases:{pattern.name}", kwargs=kwargs))
    return urls
