from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.utils import timezone

from cercania.lib.sessions import SessionStore

pytestmark = pytest.mark.django_db


def saved(data: dict, *, age_seconds: int = 3600) -> str:
    store = DjangoStore()
    store.update(data)
    store.set_expiry(age_seconds)
    store.create()
    store.save()
    assert store.session_key is not None
    return store.session_key


def test_it_reads_what_django_wrote():
    key = saved({"booking:general": {"service": "juridico", "modality": "phone"}})

    store = SessionStore(session_key=key)

    assert store["booking:general"] == {"service": "juridico", "modality": "phone"}
    assert store.session_key == key


def test_an_expired_session_loads_nothing_and_gets_a_new_key():
    key = saved({"name": "Ana"}, age_seconds=60)

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        store = SessionStore(session_key=key)
        assert "name" not in store
        assert store.session_key is None
        store["name"] = "otra"
        store.save()

    assert store.session_key not in (None, key)


def test_an_unknown_key_loads_nothing():
    store = SessionStore(session_key="x" * 32)

    assert dict(store.items()) == {}
    assert store.session_key is None


def test_it_is_the_engine_of_the_site(settings):
    assert settings.SESSION_ENGINE == "cercania.lib.sessions"


def stored_data(key: str) -> str:
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=key).session_data


def test_her_answers_are_sealed_in_the_table():
    store = SessionStore()
    store["booking:general"] = {"name": "Ana Sentinel", "phone": "+526141234567"}
    store.save()
    assert store.session_key is not None

    data = stored_data(store.session_key)

    assert data.startswith("v1:")
    # Django's own reader, which a dump's reader would use with the secret key, sees
    # nothing: the field key ring is needed too.
    assert DjangoStore().decode(data) == {}
    assert SessionStore(session_key=store.session_key)["booking:general"]["name"] == "Ana Sentinel"


def test_a_session_from_before_is_read_and_sealed_at_its_next_save():
    key = saved({"booking:general": {"service": "juridico"}})
    assert not stored_data(key).startswith("v1:")

    store = SessionStore(session_key=key)
    store["booking:general"] = {"service": "juridico", "modality": "video"}
    store.save()

    assert stored_data(key).startswith("v1:")
    assert SessionStore(session_key=key)["booking:general"]["modality"] == "video"


def test_a_session_whose_key_left_the_ring_reads_as_empty(settings):
    from cercania.lib.crypto import generate_key_entry

    store = SessionStore()
    store["booking:general"] = {"name": "Ana"}
    store.save()
    assert store.session_key is not None
    settings.FIELD_ENCRYPTION_KEYS = [generate_key_entry("later")]

    again = SessionStore(session_key=store.session_key)

    assert dict(again.items()) == {}
    again["booking:general"] = {"service": "juridico"}
    again.save()  # she starts over, in the same session, now under the new key
    assert stored_data(store.session_key).startswith("v1:later:")
