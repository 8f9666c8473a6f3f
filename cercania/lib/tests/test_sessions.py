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
