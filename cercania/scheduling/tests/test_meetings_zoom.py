from __future__ import annotations

import base64
import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from cercania.scheduling.meetings import Meeting, MeetingError, MeetingRequest
from cercania.scheduling.meetings.registry import get_provider
from cercania.scheduling.meetings.zoom import ZoomProvider, passcode_new
from cercania.scheduling.tests.fake_zoom import FIRST_ID, FakeZoom

HER_NAME = "María Guadalupe Hernández"  # what must never reach Zoom


@pytest.fixture
def request_():
    return MeetingRequest(
        reference="K7M4QX",
        starts_at=datetime(2026, 12, 1, 17, 30, tzinfo=UTC),
        duration_minutes=45,
        host="asesora1@imm.example",
        timezone="America/Chihuahua",
    )


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def zoom(fake_zoom: FakeZoom, sleeps: Sleeps) -> ZoomProvider:
    return ZoomProvider(
        fake_zoom.account_id,
        fake_zoom.client_id,
        fake_zoom.client_secret,
        api_base=fake_zoom.api_base,
        oauth_url=fake_zoom.oauth_url,
        timeout=2,
        sleep=sleeps,
    )


def test_it_fetches_the_token_once_and_caches_it_across_two_creates(zoom, fake_zoom, request_):
    zoom.create(request_)
    zoom.create(request_)

    assert len(fake_zoom.token_requests) == 1
    assert len(fake_zoom.calls("POST", "/v2/users/asesora1@imm.example/meetings")) == 2


def test_it_asks_for_the_token_with_basic_auth_and_the_account_credentials_grant(
    zoom, fake_zoom, request_
):
    zoom.create(request_)

    (token_request,) = fake_zoom.token_requests
    basic = base64.b64encode(b"client-1:secret-1").decode()
    assert token_request.headers["Authorization"] == f"Basic {basic}"
    assert token_request.body == {"grant_type": "account_credentials", "account_id": "acct-1"}
    (api_call,) = fake_zoom.api_requests
    assert api_call.headers["Authorization"].startswith("Bearer ")


def test_it_asks_for_a_new_token_before_the_old_one_expires(fake_zoom, request_):
    now = [1000.0]
    zoom = ZoomProvider(
        fake_zoom.account_id,
        fake_zoom.client_id,
        fake_zoom.client_secret,
        fake_zoom.api_base,
        fake_zoom.oauth_url,
        clock=lambda: now[0],
    )
    zoom.create(request_)
    now[0] += 3600 - 301  # still more than the 5-minute margin left
    zoom.create(request_)
    assert len(fake_zoom.token_requests) == 1

    now[0] += 2  # inside the margin
    zoom.create(request_)
    assert len(fake_zoom.token_requests) == 2


def test_it_refetches_an_expired_token_and_retries_once(zoom, fake_zoom, request_):
    zoom.create(request_)
    fake_zoom.expire_tokens()

    meeting = zoom.create(request_)

    assert meeting.join_url
    assert len(fake_zoom.token_requests) == 2
    assert [r.path for r in fake_zoom.requests] == [
        "/oauth/token",
        "/v2/users/asesora1@imm.example/meetings",
        "/v2/users/asesora1@imm.example/meetings",  # 401 code 124
        "/oauth/token",
        "/v2/users/asesora1@imm.example/meetings",
    ]


def test_it_gives_up_when_a_fresh_token_is_refused_too(zoom, fake_zoom, request_, monkeypatch):
    # Zoom keeps answering 124 (a revoked app): one retry, then a clear error, no loop.
    monkeypatch.setattr(
        fake_zoom,
        "issue_token",
        lambda headers, form: (200, {"access_token": "x", "expires_in": 3600}),
    )

    with pytest.raises(MeetingError, match="HTTP 401, código 124"):
        zoom.create(request_)
    assert len(fake_zoom.api_requests) == 2


def test_it_reports_wrong_account_credentials(fake_zoom, request_):
    zoom = ZoomProvider("acct-1", "client-1", "wrong", fake_zoom.api_base, fake_zoom.oauth_url)

    with pytest.raises(MeetingError, match="credenciales") as caught:
        zoom.create(request_)
    assert "wrong" not in str(caught.value)
    assert fake_zoom.api_requests == []


def test_it_creates_a_scheduled_meeting_with_the_waiting_room_and_nothing_personal(
    zoom, fake_zoom, request_
):
    meeting = zoom.create(request_)

    (call,) = fake_zoom.calls("POST", "/v2/users/asesora1@imm.example/meetings")
    body = call.body
    assert body["topic"] == "Cita K7M4QX"
    assert "agenda" not in body
    assert body["type"] == 2
    assert body["start_time"] == "2026-12-01T17:30:00Z"
    assert body["duration"] == 45
    assert body["timezone"] == "America/Chihuahua"
    assert body["settings"] == {
        "waiting_room": True,
        "join_before_host": False,
        "approval_type": 2,
        "auto_recording": "none",
        "use_pmi": False,
    }
    assert re.fullmatch(r"[A-Za-z0-9@\-_*]{1,10}", body["password"])
    assert meeting.passcode == body["password"]
    assert meeting.join_url == fake_zoom.meetings[int(meeting.external_id)]["join_url"]
    assert meeting.host_url.startswith("https://fake-zoom.invalid/s/")
    assert "Hernández" not in call.raw.decode() and "María" not in call.raw.decode()


def test_it_sends_the_start_time_in_utc_with_z_whatever_the_zone_given(zoom, fake_zoom, request_):
    local = datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo("America/Chihuahua"))  # UTC−6

    zoom.create(MeetingRequest("K7M4QX", local, 45, "asesora1@imm.example", "America/Chihuahua"))

    assert fake_zoom.api_requests[0].body["start_time"] == "2026-12-01T16:30:00Z"


def test_it_refuses_a_naive_start_time(zoom, request_):
    naive = MeetingRequest("K7M4QX", datetime(2026, 12, 1, 17, 30), 45, "a@b.example", "UTC")  # noqa: DTZ001

    with pytest.raises(ValueError, match="aware"):
        zoom.create(naive)


def test_it_makes_passcodes_of_ten_random_characters_of_zooms_alphabet():
    codes = {passcode_new() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9@\-_*]{10}", code)
        assert re.search(r"[a-z]", code) and re.search(r"[A-Z]", code)
        assert re.search(r"[0-9]", code) and re.search(r"[@\-_*]", code)


def test_it_keeps_the_big_int_meeting_id_exactly_as_text(zoom, request_):
    meeting = zoom.create(request_)

    assert meeting.external_id == str(FIRST_ID)
    assert int(meeting.external_id) > 2**53
    assert float(meeting.external_id) != FIRST_ID  # a float would have lost it


def test_it_keeps_the_join_url_and_passcode_on_update(zoom, fake_zoom, request_):
    meeting = zoom.create(request_)
    later = MeetingRequest(
        "K7M4QX", request_.starts_at + timedelta(days=2), 60, request_.host, request_.timezone
    )

    updated = zoom.update(meeting, later)

    assert updated == meeting
    (patch,) = fake_zoom.calls("PATCH", f"/v2/meetings/{meeting.external_id}")
    assert patch.body == {
        "start_time": "2026-12-03T17:30:00Z",
        "duration": 60,
        "timezone": "America/Chihuahua",
    }
    assert fake_zoom.meetings[FIRST_ID]["start_time"] == "2026-12-03T17:30:00Z"
    assert fake_zoom.meetings[FIRST_ID]["join_url"] == meeting.join_url


def test_it_recreates_a_meeting_zoom_no_longer_knows_on_update(zoom, fake_zoom, request_):
    meeting = zoom.create(request_)
    fake_zoom.forget_meeting(meeting.external_id)

    updated = zoom.update(meeting, request_)

    assert updated.external_id == str(FIRST_ID + 1)
    assert updated.join_url != meeting.join_url
    assert FIRST_ID + 1 in fake_zoom.meetings


def test_it_creates_the_meeting_on_update_when_the_first_create_failed(zoom, fake_zoom, request_):
    never_created = Meeting(join_url="", host_url="", external_id="", passcode="")

    updated = zoom.update(never_created, request_)

    assert updated.external_id == str(FIRST_ID)
    assert fake_zoom.calls("PATCH") == []


def test_it_deletes_the_meeting_on_cancel(zoom, fake_zoom, request_):
    meeting = zoom.create(request_)

    zoom.cancel(meeting)

    assert fake_zoom.meetings == {}
    assert len(fake_zoom.calls("DELETE", f"/v2/meetings/{meeting.external_id}")) == 1


def test_it_accepts_cancelling_a_meeting_zoom_no_longer_knows(zoom, fake_zoom):
    zoom.cancel(Meeting("https://x.invalid/j/1", "", "12345678901", "pw"))

    assert len(fake_zoom.calls("DELETE", "/v2/meetings/12345678901")) == 1


def test_it_does_nothing_to_cancel_a_meeting_never_created(zoom, fake_zoom):
    zoom.cancel(Meeting("", "", "", ""))

    assert fake_zoom.requests == []


def test_it_refuses_an_external_id_that_is_not_a_number(zoom, fake_zoom):
    with pytest.raises(MeetingError):
        zoom.cancel(Meeting("", "", "../users/me", ""))
    assert fake_zoom.api_requests == []


def test_it_retries_429_with_increasing_delays_then_succeeds(zoom, fake_zoom, sleeps, request_):
    fake_zoom.fail_next(429, times=2)

    meeting = zoom.create(request_)

    assert meeting.external_id == str(FIRST_ID)
    assert sleeps == [1.0, 2.0]
    assert len(fake_zoom.api_requests) == 3


def test_it_retries_500_up_to_max_retries_and_succeeds_on_the_last(
    zoom, fake_zoom, sleeps, request_
):
    fake_zoom.fail_next(500, times=3)

    zoom.create(request_)

    assert sleeps == [1.0, 2.0, 4.0]


def test_it_raises_a_clear_error_when_500_lasts_beyond_max_retries(
    zoom, fake_zoom, sleeps, request_
):
    fake_zoom.fail_next(500, times=4)

    with pytest.raises(MeetingError, match=r"Zoom no pudo crear la reunión \(HTTP 500 tras 4"):
        zoom.create(request_)
    assert len(fake_zoom.api_requests) == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert fake_zoom.meetings == {}


def test_it_raises_meeting_error_when_zoom_is_unreachable(zoom, fake_zoom, request_):
    fake_zoom.stop()

    with pytest.raises(MeetingError, match="No se pudo contactar a Zoom"):
        zoom.create(request_)


def test_it_raises_meeting_error_on_a_timeout(fake_zoom, request_):
    zoom = ZoomProvider(
        "acct-1", "client-1", "secret-1", fake_zoom.api_base, fake_zoom.oauth_url, timeout=0.2
    )
    fake_zoom.delay = 1

    with pytest.raises(MeetingError, match="No se pudo contactar a Zoom"):
        zoom.create(request_)


def test_it_does_not_follow_redirects_with_the_token(zoom, fake_zoom, request_):
    fake_zoom.redirect_to = f"{fake_zoom.base}/elsewhere"

    with pytest.raises(MeetingError, match="HTTP 302"):
        zoom.create(request_)
    assert fake_zoom.calls(path="/elsewhere") == []


def test_it_includes_zooms_code_and_message_in_other_errors(zoom, fake_zoom, request_):
    bad = MeetingRequest("K" * 200, request_.starts_at, 45, request_.host, request_.timezone)

    with pytest.raises(MeetingError, match=r"HTTP 400, código 300: Invalid field: topic\."):
        zoom.create(bad)


def test_it_returns_the_current_start_url_from_fresh_host_url(zoom, fake_zoom, request_):
    meeting = zoom.create(request_)

    fresh = zoom.fresh_host_url(meeting)

    assert fresh == fake_zoom.meetings[FIRST_ID]["start_url"]
    assert fresh != meeting.host_url
    assert len(fake_zoom.calls("GET", f"/v2/meetings/{meeting.external_id}")) == 1


def test_it_says_so_when_the_meeting_is_gone_for_fresh_host_url(zoom, fake_zoom, request_):
    meeting = zoom.create(request_)
    fake_zoom.forget_meeting(meeting.external_id)

    with pytest.raises(MeetingError, match="ya no existe"):
        zoom.fresh_host_url(meeting)


def test_it_shares_one_token_between_threads(zoom, fake_zoom, request_):
    errors: list[BaseException] = []

    def book() -> None:
        try:
            zoom.create(request_)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=book) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(fake_zoom.token_requests) == 1
    assert len(fake_zoom.meetings) == 8


def test_it_refuses_plain_http_to_another_machine():
    with pytest.raises(ValueError, match="https"):
        ZoomProvider("a", "b", "c", api_base="http://api.zoom.us/v2")


def test_it_builds_one_zoom_provider_per_configuration(fake_zoom):
    zoom_settings = {
        "MEETING_PROVIDER": "zoom",
        "ZOOM_ACCOUNT_ID": "acct-1",
        "ZOOM_CLIENT_ID": "client-1",
        "ZOOM_CLIENT_SECRET": "secret-1",
        "ZOOM_API_BASE": fake_zoom.api_base,
        "ZOOM_OAUTH_URL": fake_zoom.oauth_url,
    }
    with override_settings(**zoom_settings):
        provider = get_provider()
        assert isinstance(provider, ZoomProvider)
        assert get_provider() is provider  # keeps its cached token
        assert provider.api_base == fake_zoom.api_base
    with override_settings(**{**zoom_settings, "ZOOM_CLIENT_SECRET": "rotated"}):
        assert get_provider() is not provider


def test_it_refuses_zoom_without_credentials():
    with (
        override_settings(MEETING_PROVIDER="zoom", ZOOM_ACCOUNT_ID="", ZOOM_CLIENT_ID=""),
        pytest.raises(ImproperlyConfigured, match="ZOOM_ACCOUNT_ID"),
    ):
        get_provider()
