"""Keep an appointment's meeting in step with the appointment.

Runs after the booking transaction commits (never inside it: a provider's latency or
failure must not hold or undo a booking). A failure leaves the booking confirmed and
writes a clear note for staff on the appointment.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from cercania.institute.models import Modality

from . import Meeting, MeetingError, MeetingRequest
from .registry import get_provider

logger = logging.getLogger(__name__)


def _request_for(appointment) -> MeetingRequest:  # type: ignore[no-untyped-def]
    provider_name = settings.MEETING_PROVIDER
    host = (
        appointment.advisor.meeting_room_url
        if provider_name == "manual"
        else appointment.advisor.user.email
    )
    return MeetingRequest(
        reference=appointment.reference,
        starts_at=appointment.starts_at,
        duration_minutes=int((appointment.ends_at - appointment.starts_at).total_seconds() // 60),
        host=host,
        timezone=settings.TIME_ZONE,
    )


def _load(appointment_id: int):  # type: ignore[no-untyped-def]
    from cercania.scheduling.models import Appointment

    return Appointment.objects.select_related("advisor__user").get(pk=appointment_id)


def _flag(appointment, message: str) -> None:  # type: ignore[no-untyped-def]
    appointment.needs_staff_attention = message[:200]
    appointment.save(update_fields=["needs_staff_attention", "updated_at"])


def appointment_attach_meeting(*, appointment_id: int) -> None:
    appointment = _load(appointment_id)
    if appointment.modality != Modality.VIDEO or appointment.join_url:
        return
    if settings.MEETING_PROVIDER == "manual" and not appointment.advisor.meeting_room_url:
        _flag(
            appointment,
            _("La asesora no tiene enlace de sala: envíale uno a la usuaria o cambia a llamada."),
        )
        return
    try:
        meeting = get_provider().create(_request_for(appointment))
    except (MeetingError, ImproperlyConfigured) as error:
        logger.warning(
            "meeting creation failed for appointment %s: %s", appointment.reference, error
        )
        _flag(
            appointment,
            _("No se pudo crear la videollamada. Crea el enlace a mano o llama a la usuaria."),
        )
        return
    appointment.meeting_provider = settings.MEETING_PROVIDER
    appointment.meeting_external_id = meeting.external_id
    appointment.join_url = meeting.join_url
    appointment.meeting_passcode = meeting.passcode
    appointment.needs_staff_attention = ""
    appointment.save(
        update_fields=[
            "meeting_provider",
            "meeting_external_id",
            "join_url",
            "meeting_passcode",
            "needs_staff_attention",
            "updated_at",
        ]
    )


def _current(appointment) -> Meeting:  # type: ignore[no-untyped-def]
    return Meeting(
        join_url=appointment.join_url,
        host_url="",
        external_id=appointment.meeting_external_id,
        passcode=appointment.meeting_passcode,
    )


def appointment_update_meeting(*, appointment_id: int) -> None:
    appointment = _load(appointment_id)
    if appointment.modality != Modality.VIDEO:
        return
    if not appointment.join_url:
        appointment_attach_meeting(appointment_id=appointment_id)
        return
    if settings.MEETING_PROVIDER == "manual" or appointment.meeting_provider == "manual":
        # The room is the advisor's: a move to another advisor changes the link.
        appointment.join_url = appointment.advisor.meeting_room_url
        appointment.save(update_fields=["join_url", "updated_at"])
        return
    try:
        meeting = get_provider(appointment.meeting_provider).update(
            _current(appointment), _request_for(appointment)
        )
    except (MeetingError, ImproperlyConfigured) as error:
        logger.warning("meeting update failed for appointment %s: %s", appointment.reference, error)
        _flag(
            appointment, _("No se pudo mover la videollamada: revisa el enlace antes de la sesión.")
        )
        return
    appointment.join_url, appointment.meeting_external_id = meeting.join_url, meeting.external_id
    appointment.meeting_passcode = meeting.passcode
    appointment.save(
        update_fields=["join_url", "meeting_external_id", "meeting_passcode", "updated_at"]
    )


def appointment_cancel_meeting(*, appointment_id: int) -> None:
    appointment = _load(appointment_id)
    if not appointment.meeting_external_id or appointment.meeting_provider in ("", "manual"):
        return
    try:
        get_provider(appointment.meeting_provider).cancel(_current(appointment))
    except (MeetingError, ImproperlyConfigured) as error:
        logger.warning("meeting cancel failed for appointment %s: %s", appointment.reference, error)
        _flag(
            appointment, _("No se pudo cancelar la videollamada en el proveedor: bórrala a mano.")
        )
