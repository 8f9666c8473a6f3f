"""Consents per purpose, under the notice version she was shown; withdrawing one stops
what depended on it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cercania.cases.models import Person
from cercania.cases.services import ContactChoices
from cercania.institute.models import PrivacyNotice, ReferralInstitution
from cercania.privacy.models import AuditEvent, Consent, ConsentPurpose
from cercania.privacy.selectors import consent_active
from cercania.privacy.services import (
    consent_give,
    consent_withdraw,
    consents_merge,
    consents_record_booking,
)

from .conftest import NOTICE_VERSION

pytestmark = pytest.mark.django_db

Purpose = ConsentPurpose


def reloaded(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


@pytest.fixture
def newer_notice(institute_config) -> str:
    PrivacyNotice.objects.create(
        kind=PrivacyNotice.Kind.SIMPLIFIED,
        version="2027.1",
        body="Texto.",
        published_on="2027-01-01",
    )
    return "2027.1"


@pytest.fixture
def two_institutions(institute_config) -> tuple[ReferralInstitution, ReferralInstitution]:
    first, second = ReferralInstitution.objects.order_by("name")[:2]
    return first, second


class TestGiving:
    def test_it_records_the_purpose_the_notice_version_and_that_she_gave_it_herself(
        self, make_person
    ) -> None:
        person = make_person()
        consent = consent_give(person=person, purpose=Purpose.SERVICES, notice_version="2026.1")
        assert consent.notice_version == "2026.1"
        assert consent.recorded_by is None and consent.withdrawn_at is None
        assert consent_active(person=person, purpose=Purpose.SERVICES)
        assert not consent_active(person=person, purpose=Purpose.CONTACT_SMS)

    def test_staff_who_took_it_are_recorded_and_it_is_audited(self, make_person, coordinator):
        person = make_person()
        consent = consent_give(
            person=person,
            purpose=Purpose.CONTACT_SMS,
            notice_version=NOTICE_VERSION,
            recorded_by=coordinator,
        )
        assert consent.recorded_by == coordinator
        event = AuditEvent.objects.get(object_type="privacy.consent", action="create")
        assert event.object_public_id == str(consent.public_id)
        assert event.actor == coordinator and event.detail == {"via": "staff"}

    def test_giving_it_again_under_the_same_version_changes_nothing(self, make_person) -> None:
        person = make_person()
        first = consent_give(person=person, purpose=Purpose.SERVICES, notice_version="2026.1")
        again = consent_give(person=person, purpose=Purpose.SERVICES, notice_version="2026.1")
        assert again.pk == first.pk
        assert Consent.objects.count() == 1

    def test_a_newer_notice_ends_the_old_consent_and_points_it_at_the_new_one(
        self, make_person, newer_notice
    ) -> None:
        person = make_person()
        old = consent_give(person=person, purpose=Purpose.SERVICES, notice_version="2026.1")
        new = consent_give(person=person, purpose=Purpose.SERVICES, notice_version=newer_notice)
        old.refresh_from_db()
        assert old.withdrawn_at is not None and old.replaced_by == new
        assert new.is_active
        assert Consent.objects.filter(person=person, withdrawn_at__isnull=True).count() == 1

    @staticmethod
    def _read_before_the_other_request_wrote(monkeypatch) -> None:
        """The first read of the live consent answers "none", as it would have for a
        request that read just before another one inserted it."""
        from cercania.privacy import services

        reads = []
        real = services._active_consent

        def racing(**kwargs):
            reads.append(kwargs)
            return None if len(reads) == 1 else real(**kwargs)

        monkeypatch.setattr(services, "_active_consent", racing)

    def test_the_same_consent_given_twice_at_once_is_kept_once(
        self, make_person, monkeypatch
    ) -> None:
        person = make_person()
        other = consent_give(person=person, purpose=Purpose.SERVICES, notice_version="2026.1")
        self._read_before_the_other_request_wrote(monkeypatch)
        again = consent_give(person=person, purpose=Purpose.SERVICES, notice_version="2026.1")
        assert again.pk == other.pk
        assert Consent.objects.filter(person=person).count() == 1
        assert AuditEvent.objects.filter(object_type="privacy.consent").count() == 1

    def test_a_different_consent_given_at_the_same_moment_asks_to_try_again(
        self, make_person, newer_notice, monkeypatch
    ) -> None:
        person = make_person()
        consent_give(person=person, purpose=Purpose.SERVICES, notice_version="2026.1")
        self._read_before_the_other_request_wrote(monkeypatch)
        with pytest.raises(ValidationError, match="al mismo tiempo"):
            consent_give(person=person, purpose=Purpose.SERVICES, notice_version=newer_notice)
        assert Consent.objects.get(person=person).notice_version == "2026.1"

    def test_a_version_that_was_never_published_is_refused(self, make_person) -> None:
        with pytest.raises(ValidationError) as error:
            consent_give(person=make_person(), purpose=Purpose.SERVICES, notice_version="1999.9")
        assert "notice_version" in error.value.message_dict

    def test_an_unknown_purpose_is_refused(self, make_person) -> None:
        with pytest.raises(ValidationError):
            consent_give(person=make_person(), purpose="marketing", notice_version=NOTICE_VERSION)


class TestSharing:
    def test_sharing_names_an_institution_and_is_answered_per_institution(
        self, make_person, two_institutions
    ) -> None:
        person = make_person()
        allowed, other = two_institutions
        consent_give(
            person=person,
            purpose=Purpose.SHARE_INSTITUTION,
            notice_version=NOTICE_VERSION,
            institution=allowed,
        )
        assert consent_active(person=person, purpose=Purpose.SHARE_INSTITUTION, institution=allowed)
        assert not consent_active(
            person=person, purpose=Purpose.SHARE_INSTITUTION, institution=other
        )

    def test_the_referral_code_can_ask_with_a_plain_string(self, make_person, two_institutions):
        person = make_person()
        allowed, _ = two_institutions
        consent_give(
            person=person,
            purpose=Purpose.SHARE_INSTITUTION,
            notice_version=NOTICE_VERSION,
            institution=allowed,
        )
        assert consent_active(person=person, purpose="share_institution", institution=allowed)

    def test_sharing_without_an_institution_is_refused(self, make_person) -> None:
        with pytest.raises(ValidationError):
            consent_give(
                person=make_person(),
                purpose=Purpose.SHARE_INSTITUTION,
                notice_version=NOTICE_VERSION,
            )

    def test_another_purpose_cannot_name_an_institution(self, make_person, two_institutions):
        with pytest.raises(ValidationError):
            consent_give(
                person=make_person(),
                purpose=Purpose.SERVICES,
                notice_version=NOTICE_VERSION,
                institution=two_institutions[0],
            )

    def test_asking_about_sharing_without_naming_the_institution_is_a_programming_error(
        self, make_person
    ) -> None:
        with pytest.raises(ValueError, match="per institution"):
            consent_active(person=make_person(), purpose=Purpose.SHARE_INSTITUTION)

    def test_withdrawing_it_stops_sharing_with_that_institution(
        self, make_person, two_institutions, coordinator
    ) -> None:
        person = make_person()
        allowed, _ = two_institutions
        consent = consent_give(
            person=person,
            purpose=Purpose.SHARE_INSTITUTION,
            notice_version=NOTICE_VERSION,
            institution=allowed,
        )
        consent_withdraw(consent=consent, by=coordinator)
        assert not consent_active(
            person=person, purpose=Purpose.SHARE_INSTITUTION, institution=allowed
        )


class TestWithdrawing:
    def test_withdrawing_sms_turns_off_sms_only(self, make_person, coordinator) -> None:
        person = make_person()
        consent = consent_give(person=person, purpose=Purpose.CONTACT_SMS, notice_version="2026.1")
        consent_withdraw(consent=consent, by=coordinator)
        person = reloaded(person)
        assert person.may_sms is False
        assert person.may_call and person.may_leave_voicemail and person.may_email

    def test_withdrawing_calls_also_ends_voicemail(self, make_person) -> None:
        person = make_person()
        consent = consent_give(
            person=person, purpose=Purpose.CONTACT_CALL, notice_version=NOTICE_VERSION
        )
        consent_withdraw(consent=consent, by=None)
        person = reloaded(person)
        assert person.may_call is False and person.may_leave_voicemail is False
        assert person.may_sms and person.may_email

    def test_withdrawing_email_turns_off_email(self, make_person) -> None:
        person = make_person()
        consent = consent_give(
            person=person, purpose=Purpose.CONTACT_EMAIL, notice_version=NOTICE_VERSION
        )
        consent_withdraw(consent=consent, by=None)
        assert reloaded(person).may_email is False

    def test_withdrawing_the_services_consent_ends_every_channel(self, make_person) -> None:
        person = make_person()
        consent = consent_give(person=person, purpose=Purpose.SERVICES, notice_version="2026.1")
        consent_withdraw(consent=consent, by=None)
        person = reloaded(person)
        assert not any(
            (person.may_call, person.may_leave_voicemail, person.may_sms, person.may_email)
        )

    def test_it_records_who_and_when_and_audits_both_changes(self, make_person, coordinator):
        person = make_person()
        consent = consent_give(
            person=person, purpose=Purpose.CONTACT_SMS, notice_version=NOTICE_VERSION
        )
        consent_withdraw(consent=consent, by=coordinator)
        consent.refresh_from_db()
        assert consent.withdrawn_at is not None and consent.withdrawn_by == coordinator
        changes = AuditEvent.objects.filter(action="change", actor=coordinator)
        assert changes.get(object_type="privacy.consent").detail["fields"] == ["withdrawn_at"]
        assert changes.get(object_type="cases.person").detail["fields"] == ["may_sms"]

    def test_withdrawing_twice_changes_nothing(self, make_person) -> None:
        person = make_person()
        consent = consent_give(
            person=person, purpose=Purpose.CONTACT_SMS, notice_version=NOTICE_VERSION
        )
        first = consent_withdraw(consent=consent, by=None)
        count = AuditEvent.objects.count()
        second = consent_withdraw(consent=consent, by=None)
        assert second.withdrawn_at == first.withdrawn_at
        assert AuditEvent.objects.count() == count

    def test_she_can_consent_again_after_withdrawing(self, make_person) -> None:
        person = make_person()
        consent = consent_give(
            person=person, purpose=Purpose.CONTACT_SMS, notice_version=NOTICE_VERSION
        )
        consent_withdraw(consent=consent, by=None)
        consent_give(person=person, purpose=Purpose.CONTACT_SMS, notice_version=NOTICE_VERSION)
        assert consent_active(person=person, purpose=Purpose.CONTACT_SMS)
        assert Consent.objects.filter(person=person).count() == 2


class TestBooking:
    def test_the_booking_records_the_services_and_each_channel_she_allowed(
        self, make_person
    ) -> None:
        person = make_person(contact=ContactChoices(sms=True, email=True))
        consents = consents_record_booking(
            person=person, notice_version=NOTICE_VERSION, channels={"sms", "email"}
        )
        assert sorted(c.purpose for c in consents) == [
            "contact_email",
            "contact_sms",
            "services",
        ]
        assert all(c.recorded_by is None and c.notice_version == "2026.1" for c in consents)
        assert not consent_active(person=person, purpose=Purpose.CONTACT_CALL)

    def test_channels_may_also_be_named_by_their_purpose(self, make_person) -> None:
        consents = consents_record_booking(
            person=make_person(), notice_version=NOTICE_VERSION, channels={"contact_whatsapp"}
        )
        assert {c.purpose for c in consents} == {"services", "contact_whatsapp"}

    def test_an_unknown_channel_is_refused_and_nothing_is_recorded(self, make_person) -> None:
        with pytest.raises(ValueError, match="unknown contact channel"):
            consents_record_booking(
                person=make_person(), notice_version=NOTICE_VERSION, channels={"pigeon"}
            )
        assert not Consent.objects.exists()


class TestMerging:
    def test_duplicates_of_the_source_end_and_point_at_the_target(self, make_person) -> None:
        source, target = make_person(name="Ana"), make_person(name="Ana P.", phone="614 765 4321")
        kept = consent_give(person=target, purpose=Purpose.SERVICES, notice_version="2026.1")
        duplicate = consent_give(person=source, purpose=Purpose.SERVICES, notice_version="2026.1")
        only_hers = consent_give(
            person=source, purpose=Purpose.CONTACT_SMS, notice_version=NOTICE_VERSION
        )
        assert consents_merge(source=source, target=target, actor=None) == 1
        duplicate.refresh_from_db()
        only_hers.refresh_from_db()
        assert duplicate.withdrawn_at is not None and duplicate.replaced_by == kept
        assert only_hers.is_active
