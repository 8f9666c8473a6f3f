"""The manual provider: every session happens in the advisor's own fixed room."""

from __future__ import annotations

from urllib.parse import urlsplit

from cercania.scheduling.meetings import Meeting, MeetingError, MeetingRequest


class ManualProvider:
    name = "manual"

    def create(self, request: MeetingRequest) -> Meeting:
        room = request.host.strip()
        parts = urlsplit(room)
        if parts.scheme not in {"https", "http"} or not parts.netloc:
            # Said without the link itself: staff read this message next to the appointment.
            raise MeetingError("La asesora no tiene un enlace de sala válido (https://…).")
        return Meeting(join_url=room, host_url=room, external_id="", passcode="")

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting:
        # The room belongs to the advisor, not to the session: a reschedule keeps it, and a
        # reschedule to another advisor must send her to that advisor's room, not the old one.
        return self.create(request)

    def cancel(self, meeting: Meeting) -> None:
        return None
