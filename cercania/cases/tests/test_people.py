"""People: duplicate detection before registering, merging two records (nothing lost),
and re-confirming what is safe when her preferences are old."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cercania.cases import selectors
from cercania.cases.models import Area, Case, Contact, Person
from cercania.cases.selectors import person_duplicates
from cercania.cases.services import contact_record, person_merge
from cercania.institute.models import ReferralInstitution
from cercania.privacy.models import AuditEvent, Consent
from cercania.privacy.services import consent_give

pytestmark = pytest.mark.django_db

NEW_URL = "/personal/expedientes/personas/nueva/"


def person_form(**overrides):
    data = {
        "name": "Ximena López Hernández",
        "phone": "",
        "email": "",
        "birth_year": "1994",
        "municipality": "Chihuahua",
        "employer": "",
        "may_call": "on",
        "safe_from": "09:00",
        "safe_until": "18:00",
        "what_may_be_said": "",
        "code_name": "",
    }
    data.update(overrides)
    return data


class TestDuplicateDetection:
    def test_it_finds_her_by_the_same_phone(self, make_person):
        existing = make_person("Rosa", phone="614 111 2233")
        found = person_duplicates(name="Otra persona", phone="(614) 111-2233")
        assert [c.person for c in found] == [existing] and found[0].reasons == ("phone",)

    def test_it_finds_her_by_the_same_email(self, make_person):
        existing = make_person("Rosa", email="rosa@example.org")
        found = person_duplicates(name="R", email="ROSA@example.org ")
        assert [c.person for c in found] == [existing]

    def test_it_finds_a_name_that_sounds_alike_with_the_same_birth_year(self, make_person):
        existing = make_person("Ximena López Hernández", birth_year=1994)
        found = person_duplicates(name="Jimena Lopes Ernandes", birth_year=1994)
        assert [c.person for c in found] == [existing] and found[0].reasons == ("name",)

    def test_a_similar_name_of_another_birth_year_is_not_a_candidate(self, make_person):
        make_person("Ximena López Hernández", birth_year=1990)
        assert person_duplicates(name="Jimena Lopes Ernandes", birth_year=1994) == []

    def test_it_decrypts_only_the_names_of_that_birth_year(self, make_person, monkeypatch):
        make_person("Ana Uno", birth_year=1990)
        make_person("Ana Dos", birth_year=1991)
        make_person("Ana Tres", birth_year=1994)
        compared = []
        real = selectors.names_close

        def spy(first, second):
            compared.append(first)
            return real(first, second)

        monkeypatch.setattr(selectors, "names_close", spy)
        person_duplicates(name="Ana", birth_year=1994)
        assert compared == ["Ana Tres"]

    def test_the_page_shows_the_candidates_first_and_registers_nobody(
        self, make_person, lawyer, client_for
    ):
        existing = make_person("Ximena López Hernández", birth_year=1994)
        client = client_for(lawyer)
        response = client.post(NEW_URL, person_form(name="Jimena Lopes"))
        assert response.status_code == 200
        assert existing.folio in response.text and "¿Es alguna de ellas?" in response.text
        assert Person.objects.count() == 1
        # The candidate shown to her is an access-log row.
        assert AuditEvent.objects.filter(
            action="view", object_public_id=str(existing.public_id), actor=lawyer
        ).exists()

    def test_confirming_she_is_new_registers_her(self, make_person, lawyer, client_for):
        make_person("Ximena López Hernández", birth_year=1994)
        response = client_for(lawyer).post(
            NEW_URL, person_form(name="Jimena Lopes", confirm_new="on")
        )
        assert response.status_code == 302
        assert Person.objects.count() == 2
        new = Person.objects.latest("id")
        assert (
            response["Location"]
            == f"/personal/expedientes/personas/{new.public_id}/expediente-nuevo/"
        )
        assert AuditEvent.objects.filter(
            action="create", object_public_id=str(new.public_id)
        ).exists()

    def test_without_candidates_she_is_registered_at_once(
        self, lawyer, client_for, institute_config
    ):
        response = client_for(lawyer).post(NEW_URL, person_form(phone="614 555 0101"))
        assert response.status_code == 302
        person = Person.objects.get()
        assert person.phone == "+526145550101" and person.may_call and person.birth_year == 1994


class TestMerge:
    @pytest.fixture
    def two_records(
        self, make_person, make_case, lawyer, book, legal_service, make_advisor, time_machine
    ):
        from cercania.conftest import local

        time_machine.move_to(local(2026, 11, 29, 18), tick=False)
        make_advisor()
        booking = book(
            legal_service, local(2026, 12, 1, 9), name="Rosa Chávez", phone="614 111 2233"
        )
        source = booking.appointment.person
        target = make_person("Rosa Elvira Chávez", email="rosa@example.org", birth_year=1988)
        for person in (source, target):
            case = make_case(person=person, assignee=lawyer)
            contact_record(
                staff=lawyer,
                kind=Contact.Kind.INCOMING_CALL,
                started_at=timezone.now(),
                result=Contact.Result.ORIENTATION,
                case=case,
            )
        institution = ReferralInstitution.objects.first()
        for person in (source, target):
            consent_give(
                person=person, purpose="services", notice_version="2026.1", recorded_by=lawyer
            )
        consent_give(
            person=source,
            purpose="share_institution",
            institution=institution,
            notice_version="2026.1",
            recorded_by=lawyer,
        )
        return source, target

    @staticmethod
    def counts(*people):
        return {
            "cases": Case.objects.filter(person__in=people).count(),
            "contacts": Contact.objects.filter(person__in=people).count(),
            "appointments": sum(p.appointments.count() for p in people),
            "consents": Consent.objects.filter(person__in=people).count(),
        }

    def test_nothing_is_lost_counts_before_equal_counts_after(self, two_records, coordinator):
        source, target = two_records
        before = self.counts(source, target)
        assert before == {"cases": 2, "contacts": 2, "appointments": 1, "consents": 3}
        result = person_merge(source=source, target=target, actor=coordinator)
        assert not Person.objects.filter(pk=source.pk).exists()
        assert self.counts(target) == before
        assert result.total == 5  # 1 case, 1 contact, 1 appointment, 2 consents moved

    def test_it_keeps_one_live_consent_per_purpose(self, two_records, coordinator):
        source, target = two_records
        person_merge(source=source, target=target, actor=coordinator)
        live = Consent.objects.filter(person=target, withdrawn_at__isnull=True)
        assert sorted(live.values_list("purpose", flat=True)) == ["services", "share_institution"]

    def test_it_fills_the_blanks_of_the_record_kept(self, two_records, coordinator):
        source, target = two_records
        person_merge(source=source, target=target, actor=coordinator)
        target = Person.objects.get(pk=target.pk)
        assert target.phone == "+526141112233" and target.email == "rosa@example.org"
        assert selectors.persons_by_phone("614 111 2233") == [target]

    def test_it_is_audited_as_a_merge(self, two_records, coordinator):
        source, target = two_records
        person_merge(source=source, target=target, actor=coordinator)
        event = AuditEvent.objects.get(action="merge")
        assert event.object_public_id == str(source.public_id)
        assert event.detail["into"] == str(target.public_id) and event.actor == coordinator

    def test_the_coordinator_merges_through_the_page(self, two_records, coordinator, client_for):
        source, target = two_records
        client = client_for(coordinator)
        url = f"/personal/expedientes/personas/{target.public_id}/fusionar/"
        review = client.post(url, {"folio": source.folio.lower()})
        assert review.status_code == 200 and "Sí, fusionar" in review.text
        assert Person.objects.filter(pk=source.pk).exists()
        done = client.post(url, {"folio": source.folio, "confirm": "yes"})
        assert done.status_code == 302
        assert not Person.objects.filter(pk=source.pk).exists()

    def test_a_legal_adviser_cannot_merge(self, two_records, lawyer, client_for):
        source, target = two_records
        url = f"/personal/expedientes/personas/{target.public_id}/fusionar/"
        assert (
            client_for(lawyer).post(url, {"folio": source.folio, "confirm": "yes"}).status_code
            == 403
        )
        assert Person.objects.filter(pk=source.pk).exists()

    def test_a_record_cannot_be_merged_into_itself(self, make_person, coordinator):
        person = make_person()
        with pytest.raises(ValidationError, match="consigo mismo"):
            person_merge(source=person, target=person, actor=coordinator)


class TestSafeContactReconfirmation:
    def test_old_preferences_ask_staff_to_confirm_again(
        self, make_case, lawyer, client_for, settings
    ):
        settings.CONTACT_PREFERENCES_MAX_AGE_DAYS = 30
        case = make_case(assignee=lawyer)
        Person.objects.filter(pk=case.person_id).update(
            preferences_confirmed_at=timezone.now() - timedelta(days=31)
        )
        client = client_for(lawyer)
        page = client.get(f"/personal/expedientes/casos/{case.public_id}/")
        assert "pregúntale otra vez qué es seguro" in page.text

        response = client.post(
            f"/personal/expedientes/personas/{case.person.public_id}/preferencias/",
            {
                "may_call": "on",
                "safe_from": "10:00",
                "safe_until": "13:00",
                "what_may_be_said": "Del trabajo",
            },
        )
        assert response.status_code == 302
        person = Person.objects.get(pk=case.person_id)
        assert person.safe_from.hour == 10 and not person.may_sms
        confirmed = person.preferences_confirmed_at
        assert confirmed is not None and timezone.now() - confirmed < timedelta(minutes=1)
        assert (
            "pregúntale otra vez"
            not in client.get(f"/personal/expedientes/casos/{case.public_id}/").text
        )

    def test_recent_preferences_raise_no_warning(self, make_case, lawyer, client_for):
        case = make_case(assignee=lawyer)
        page = client_for(lawyer).get(f"/personal/expedientes/casos/{case.public_id}/")
        assert "pregúntale otra vez" not in page.text
        assert case.area == Area.LEGAL


def test_an_empty_registration_form_shows_its_errors_instead_of_a_blank_form(lawyer, client_for):
    response = client_for(lawyer).post("/personal/expedientes/personas/nueva/", {})
    assert response.status_code == 200
    assert "Revisa lo siguiente" in response.text
    assert Person.objects.count() == 0
