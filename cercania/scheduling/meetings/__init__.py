"""Meeting providers behind one small interface.

A provider turns an appointment into a meeting: create on booking, update on
reschedule, cancel on cancellation. Providers never receive her name, topic or
service: only times, a neutral title and the advisor's room or host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MeetingRequest:
    """What a provider may know about an appointment (nothing personal)."""

    reference: str  # the appointment's short public reference, e.g. "K7M4QX"
    starts_at: datetime  # aware, UTC
    duration_minutes: int
    host: str  # provider-specific: Zoom user id/email, or the advisor's room URL
    timezone: str  # the institute's zone name, e.g. "America/Chihuahua"


@dataclass(frozen=True, slots=True)
class Meeting:
    join_url: str  # sent to her
    host_url: str  # for the advisor only; may expire (Zoom: fetch a fresh one)
    external_id: str  # provider's id ("" for manual); Zoom ids are int64, kept as text here
    passcode: str


class MeetingError(Exception):
    """The provider failed; the booking stays confirmed and staff are told."""


class MeetingProvider(Protocol):
    name: str

    def create(self, request: MeetingRequest) -> Meeting: ...

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting: ...

    def cancel(self, meeting: Meeting) -> None: ...
