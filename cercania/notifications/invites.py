"""Calendar invites (RFC 5545/5546) for her appointment.

One UID for the appointment's whole life; SEQUENCE raised on every change (kept in
InviteSequence); METHOD:REQUEST for a new or moved session, METHOD:CANCEL with
STATUS:CANCELLED for a cancelled one (a calendar removes an event only when it came
from a REQUEST with the same UID). Times in UTC. Title and description are neutral:
no institute, no service, no name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from cercania.institute.models import Modality
from cercania.scheduling.models import Appointment

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PRODID = "-//Cercania//Citas//ES"


def invite_uid(appointment: Appointment) -> str:
    return f"{appointment.public_id}@cercania"


def invite_title(appointment: Appointment) -> str:
    return "Cita (videollamada)" if appointment.modality == Modality.VIDEO else "Cita (llamada)"


def invite_ics(
    *,
    appointment: Appointment,
    sequence: int,
    method: str,
    attendee: str,
    description: str,
    now: datetime | None = None,
) -> str:
    """The invite as iCalendar text (CRLF lines, folded as RFC 5545 wants)."""
    if method not in (REQUEST, CANCEL):
        raise ValueError("method must be REQUEST or CANCEL")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", invite_uid(appointment))
    event.add("sequence", sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", invite_title(appointment))
    event.add("description", description)
    if appointment.modality == Modality.VIDEO and appointment.join_url:
        event.add("location", appointment.join_url)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name or "Citas")
    event.add("organizer", organizer)
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params["role"] = vText("REQ-PARTICIPANT")
    guest.params["partstat"] = vText("NEEDS-ACTION")
    guest.params["rsvp"] = vText("FALSE")
    event.add("attendee", guest)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
