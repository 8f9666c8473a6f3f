from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from cercania.scheduling.meetings import Meeting, MeetingRequest
from cercania.scheduling.meetings.jitsi import JitsiProvider
from cercania.scheduling.meetings.registry import get_provider

SECRET = "a-long-shared-secret-for-prosody"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
STARTS = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)


@pytest.fixture
def request_():
    return MeetingRequest("K7M4QX", STARTS, 45, "", "America/Chihuahua")


@pytest.fixture
def jitsi():
    return JitsiProvider(
        "https://video.imm.example/", app_id="cercania", secret=SECRET, clock=lambda: NOW
    )


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verified_claims(url: str, secret: str = SECRET) -> dict:
    token = parse_qs(urlsplit(url).query)["jwt"][0]
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(b64decode(signature), expected), "bad signature"
    assert json.loads(b64decode(header)) == {"alg": "HS256", "typ": "JWT"}
    return json.loads(b64decode(payload))


def room_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def test_it_makes_an_unguessable_room_different_each_time(jitsi, request_):
    rooms = {room_of(jitsi.create(request_).join_url) for _ in range(100)}

    assert len(rooms) == 100
    for room in rooms:
        # "cita" + 26 base32 characters = 130 bits written, 128 of them random.
        assert re.fullmatch(r"cita[a-z2-7]{26}", room)
        assert "k7m4qx" not in room


def test_it_puts_the_room_on_the_configured_server(jitsi, request_):
    meeting = jitsi.create(request_)

    parts = urlsplit(meeting.join_url)
    assert (parts.scheme, parts.netloc) == ("https", "video.imm.example")
    assert meeting.external_id == room_of(meeting.join_url)
    assert meeting.passcode == ""


def test_it_signs_a_jwt_that_verifies_with_the_secret(jitsi, request_):
    meeting = jitsi.create(request_)

    claims = verified_claims(meeting.join_url)
    with pytest.raises(AssertionError, match="bad signature"):
        verified_claims(meeting.join_url, secret="another-secret")

    assert claims["iss"] == "cercania"
    assert claims["aud"] == "jitsi"
    assert claims["sub"] == "video.imm.example"
    assert claims["room"] == meeting.external_id
    assert claims["nbf"] <= NOW
    assert claims["exp"] == int((STARTS + timedelta(minutes=45, hours=1)).timestamp())


def test_it_gives_her_no_personal_data_and_no_moderator_rights(jitsi, request_):
    claims = verified_claims(jitsi.create(request_).join_url)

    assert claims["moderator"] is False
    user = claims["context"]["user"]
    assert user["name"] == "Participante"
    assert user["moderator"] == "false"
    assert all(isinstance(value, str) for value in user.values())
    assert set(user) == {"name", "moderator", "affiliation"}  # no email, id or avatar
    assert "K7M4QX" not in json.dumps(claims)


def test_it_makes_only_the_host_url_a_moderator(jitsi, request_):
    meeting = jitsi.create(request_)

    host = verified_claims(meeting.host_url)
    assert host["moderator"] is True
    assert host["context"]["user"]["moderator"] == "true"
    assert host["room"] == room_of(meeting.join_url) == room_of(meeting.host_url)
    assert meeting.host_url != meeting.join_url


def test_it_keeps_the_room_and_extends_the_token_on_update(jitsi, request_):
    meeting = jitsi.create(request_)
    later = MeetingRequest("K7M4QX", STARTS + timedelta(days=3), 60, "", "America/Chihuahua")

    updated = jitsi.update(meeting, later)

    assert room_of(updated.join_url) == room_of(meeting.join_url)
    assert updated.external_id == meeting.external_id
    claims = verified_claims(updated.join_url)
    assert claims["exp"] == int((later.starts_at + timedelta(minutes=60, hours=1)).timestamp())
    assert claims["moderator"] is False


def test_it_makes_a_room_on_update_when_there_was_none(jitsi, request_):
    updated = jitsi.update(Meeting("", "", "", ""), request_)

    assert re.fullmatch(r"cita[a-z2-7]{26}", updated.external_id)


def test_it_cancels_without_calling_anything(jitsi, request_):
    meeting = jitsi.create(request_)

    jitsi.cancel(meeting)  # no server to tell: the room is empty and the tokens expire

    assert jitsi.update(meeting, request_).external_id == meeting.external_id


def test_it_gives_plain_room_links_without_token_settings(request_):
    jitsi = JitsiProvider("https://video.imm.example")

    meeting = jitsi.create(request_)

    assert (
        meeting.join_url == meeting.host_url == f"https://video.imm.example/{meeting.external_id}"
    )
    assert jitsi.update(meeting, request_) == meeting


def test_it_refuses_an_insecure_server_or_half_a_token_configuration():
    with pytest.raises(ValueError, match="https"):
        JitsiProvider("http://video.imm.example")
    with pytest.raises(ValueError, match="both"):
        JitsiProvider("https://video.imm.example", app_id="cercania")


def test_it_builds_jitsi_from_settings():
    with override_settings(
        MEETING_PROVIDER="jitsi",
        JITSI_BASE_URL="https://video.imm.example",
        JITSI_APP_ID="cercania",
        JITSI_SECRET=SECRET,
        JITSI_AUDIENCE="imm",
    ):
        provider = get_provider()
        assert isinstance(provider, JitsiProvider)
        assert (provider.app_id, provider.audience) == ("cercania", "imm")
        assert get_provider() is provider


def test_it_reports_a_bad_jitsi_configuration_as_improperly_configured():
    with (
        override_settings(MEETING_PROVIDER="jitsi", JITSI_BASE_URL="http://video.imm.example"),
        pytest.raises(ImproperlyConfigured, match="https"),
    ):
        get_provider()
