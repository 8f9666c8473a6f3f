from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from cercania.scheduling.meetings import Meeting, MeetingError, MeetingRequest
from cercania.scheduling.meetings.manual import ManualProvider
from cercania.scheduling.meetings.registry import get_provider

ROOM = "https://meet.example.org/sala-asesora-1"


def a_request(host: str = ROOM, days: int = 0) -> MeetingRequest:
    starts = datetime(2026, 12, 1, 17, 30, tzinfo=UTC) + timedelta(days=days)
    return MeetingRequest("K7M4QX", starts, 45, host, "America/Chihuahua")


def test_it_uses_the_advisors_room_as_the_join_url():
    meeting = ManualProvider().create(a_request())

    assert meeting == Meeting(join_url=ROOM, host_url=ROOM, external_id="", passcode="")


def test_it_keeps_the_room_on_update():
    provider = ManualProvider()
    meeting = provider.create(a_request())

    assert provider.update(meeting, a_request(days=2)) == meeting


def test_it_follows_the_new_advisors_room_when_the_update_changes_advisor():
    provider = ManualProvider()
    meeting = provider.create(a_request())
    other = "https://meet.example.org/sala-asesora-2"

    assert provider.update(meeting, a_request(host=other)).join_url == other


def test_it_cancels_without_doing_anything():
    provider = ManualProvider()
    meeting = provider.create(a_request())

    provider.cancel(meeting)

    assert provider.update(meeting, a_request()) == meeting


@pytest.mark.parametrize("host", ["", "   ", "sala-asesora-1", "javascript:alert(1)"])
def test_it_refuses_an_advisor_without_a_room_link(host):
    with pytest.raises(MeetingError, match="enlace de sala"):
        ManualProvider().create(a_request(host=host))


def test_it_is_the_default_provider():
    with override_settings(MEETING_PROVIDER=None):
        provider = get_provider()
        assert isinstance(provider, ManualProvider)
        assert provider.name == "manual"
        assert get_provider("manual") is provider


def test_it_refuses_an_unknown_provider_name():
    with pytest.raises(ImproperlyConfigured, match="MEETING_PROVIDER"):
        get_provider("teams")
