"""A consent names the notice version she was shown: checked against this process's
copy of the institute's profile first, and against the database for any other version.

Transactional: only committed rows are kept in the copy (public_profile.py).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercania.institute.models import PrivacyNotice
from cercania.institute.public_profile import public_profile
from cercania.privacy.models import Consent
from cercania.privacy.services import consents_record_booking

from .conftest import NOTICE_VERSION

pytestmark = pytest.mark.django_db(transaction=True)


def test_recording_her_booking_consents_asks_nothing_the_caller_or_the_profile_holds(
    make_person,
):
    person = make_person()
    public_profile()  # kept: every public page loads it before she books
    with CaptureQueriesContext(connection) as queries:
        consents_record_booking(
            person=person, notice_version=NOTICE_VERSION, channels={"call", "sms", "whatsapp"}
        )
    assert Consent.objects.filter(person=person).count() == 4
    asked = " ".join(q["sql"] for q in queries)
    assert "institute_privacynotice" not in asked  # the version, from the profile
    assert '"cases_person"' not in asked  # her record: the caller holds it


def test_a_version_newer_than_the_profile_copy_is_asked_of_the_database(make_person):
    person = make_person()
    public_profile()
    # Published by another process: no signal reaches this one's copy.
    PrivacyNotice.objects.bulk_create(
        [
            PrivacyNotice(
                kind=PrivacyNotice.Kind.SIMPLIFIED,
                version="2027.1",
                body="Texto.",
                published_on="2026-01-01",
            )
        ]
    )
    consents_record_booking(person=person, notice_version="2027.1", channels={"call"})
    assert set(Consent.objects.filter(person=person).values_list("notice_version", flat=True)) == {
        "2027.1"
    }


def test_a_version_never_published_is_still_refused_with_the_profile_kept(make_person):
    person = make_person()
    public_profile()
    with pytest.raises(ValidationError) as error:
        consents_record_booking(person=person, notice_version="1999.9", channels={"call"})
    assert "notice_version" in error.value.message_dict
    assert not Consent.objects.filter(person=person).exists()
