"""The operations of API v1. Each one: typed input → selector or service → typed output.

Booking, cancelling and rescheduling go through the same services as the HTML flow
(cercania.scheduling.services); slots come from the same selector. Nothing here
decides whether a time is free.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Header, Query, Router
from ninja.responses import Status

from cercania.cases.models import CreatedVia
from cercania.cases.services import ContactChoices
from cercania.institute.models import Modality as ModalityChoices
from cercania.institute.models import Service
from cercania.institute.selectors import (
    closed_dates_between,
    institute_zone,
    public_services,
)
from cercania.lib import phones
from cercania.lib.opening import HORIZON_DAYS, WeeklyWindow, opening_state
from cercania.scheduling.models import Appointment, Jornada
from cercania.scheduling.offered import offered_slots
from cercania.scheduling.selectors import bookable_services, open_jornada_by_code
from cercania.scheduling.services import (
    IdempotencyConflict,
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    request_fingerprint,
)

from . import selectors
from .errors import FieldProblem, InvalidInput
from .ratelimits import BOOKING_CREATION, SLOT_READS, TOKEN_LOOKUPS
from .schemas import (
    BookingIn,
    BookingOut,
    ErrorOut,
    HoursOut,
    InvalidInputOut,
    JornadaOut,
    Modality,
    PlainDate,
    RescheduleIn,
    ServiceOut,
    SlotsOut,
    Text,
)

router = Router()

MAX_RANGE_DAYS = 62
STATUS = {
    Appointment.Status.CONFIRMED: "confirmed",
    Appointment.Status.CANCELLED_BY_HER: "cancelled",
    Appointment.Status.CANCELLED_BY_INSTITUTE: "cancelled",
    Appointment.Status.ATTENDED: "attended",
    Appointment.Status.NO_SHOW: "no_show",
}
NOT_FOUND: dict[int, Any] = {404: ErrorOut}
INVALID: dict[int, Any] = {422: InvalidInputOut}
LIMITED: dict[int, Any] = {429: ErrorOut}
TOKEN = {"token": "$response.body#/token"}
# OpenAPI links: how a client (and schemathesis' stateful run) goes from one answer
# to the next operation.
BOOKING_LINKS = {
    "GetBooking": {"operationId": "get_booking", "parameters": TOKEN},
    "RescheduleBooking": {"operationId": "reschedule_booking", "parameters": TOKEN},
    "CancelBooking": {"operationId": "cancel_booking", "parameters": TOKEN},
}


def _modalities(values: list[str], allowed: set[str] | None = None) -> list[str]:
    return [m for m in ModalityChoices.values if m in values and (allowed is None or m in allowed)]


def _service_out(service: Service) -> dict[str, Any]:
    try:
        e164: str | None = service.phone_e164 or None
    except ValidationError:  # a line saved before validation existed: shown, not dialled
        e164 = None
    return {
        "code": service.code,
        "name": service.name,
        "phone": e164,
        "phone_display": service.phone_display,
        "modalities": _modalities(service.modalities),
        "session_minutes": service.session_minutes,
        "bookable_online": service.bookable_online,
    }


def _booking_out(appointment: Appointment, token: str) -> dict[str, Any]:
    zone = institute_zone()
    manage_path = reverse("booking:manage", kwargs={"token": token})
    return {
        "reference": appointment.reference,
        "token": token,
        "service": appointment.service.code,
        "start": appointment.starts_at.astimezone(zone),
        "end": appointment.ends_at.astimezone(zone),
        "modality": appointment.modality,
        "status": STATUS[Appointment.Status(appointment.status)],
        # The public address, not the Host this request came to: the link is for her.
        "manage_url": settings.PUBLIC_BASE_URL.rstrip("/") + manage_path,
        "join_url": appointment.join_url or None,
    }


def _fresh(appointment: Appointment) -> Appointment:
    # Re-read after commit: the meeting link is attached by an on_commit hook.
    return Appointment.objects.select_related("service").get(pk=appointment.pk)


def _found(token: str) -> Appointment:
    appointment = selectors.appointment_by_token(token)
    if appointment is None:
        raise Http404  # the same answer for a malformed and an unknown token
    return appointment


def _open_jornada(code: str) -> Jornada | None:
    return open_jornada_by_code(code) if selectors.JORNADA_CODE.fullmatch(code) else None


def _bookable_service(code: str, jornada: Jornada | None) -> Service | None:
    if not selectors.SERVICE_CODE.fullmatch(code):
        return None
    return next((s for s in bookable_services(jornada=jornada) if s.code == code), None)


def _hhmm(value: Any) -> str:
    return f"{value:%H:%M}"


def _merged_weekly(windows: list[WeeklyWindow]) -> list[dict[str, Any]]:
    """Windows of several services as one weekly list: overlapping hours shown once."""
    merged: list[WeeklyWindow] = []
    for window in sorted(windows, key=lambda w: (w.weekday, w.opens)):
        last = merged[-1] if merged else None
        if last and last.weekday == window.weekday and window.opens <= last.closes:
            merged[-1] = WeeklyWindow(last.weekday, last.opens, max(last.closes, window.closes))
        else:
            merged.append(window)
    return [
        {"weekday": w.weekday, "opens": _hhmm(w.opens), "closes": _hhmm(w.closes)} for w in merged
    ]


# ---------------------------------------------------------------- information


@router.get(
    "/services",
    response=list[ServiceOut],
    operation_id="list_services",
    summary="Servicios del instituto y sus líneas telefónicas",
    tags=["Información"],
)
def list_services(request: HttpRequest) -> list[dict[str, Any]]:
    return [_service_out(s) for s in public_services()]


@router.get(
    "/hours",
    response={200: HoursOut, **NOT_FOUND, **INVALID},
    operation_id="get_hours",
    summary="Horario: abierto ahora, próxima apertura y cierre, horario semanal, días inhábiles",
    tags=["Información"],
)
def get_hours(
    request: HttpRequest, service: Annotated[Text | None, Query(max_length=40)] = None
) -> dict[str, Any]:
    services = list(public_services())
    if service is not None:
        services = [s for s in services if s.code == service]
        if not services:
            raise Http404
    now = timezone.now()
    zone = institute_zone()
    today = now.astimezone(zone).date()
    windows = [
        WeeklyWindow(weekday=row.weekday, opens=row.opens, closes=row.closes)
        for s in services
        for row in s.opening_hours.all()
    ]
    closed = closed_dates_between(
        start=today - timedelta(days=1), end=today + timedelta(days=HORIZON_DAYS)
    )
    state = opening_state(at=now, windows=windows, closed_dates=closed, zone=zone)
    return {
        "timezone": settings.TIME_ZONE,
        "open_now": state.open_now,
        "next_open": state.next_open.astimezone(zone) if state.next_open else None,
        "next_close": state.next_close.astimezone(zone) if state.next_close else None,
        "weekly": _merged_weekly(windows),
        "closed_days": [
            {"date": day, "reason": reason}
            for day, reason in selectors.closed_days_between(
                start=today, end=today + timedelta(days=365)
            )
        ],
    }


@router.get(
    "/slots",
    response={200: SlotsOut, **NOT_FOUND, **INVALID, **LIMITED},
    throttle=[SLOT_READS],
    operation_id="list_slots",
    summary="Horarios libres de un servicio (o de una jornada), hasta 62 días por consulta",
    tags=["Citas"],
    openapi_extra={
        "responses": {
            200: {
                "links": {
                    "BookFirstSlot": {
                        "operationId": "create_booking",
                        "requestBody": {
                            "service": "$response.body#/service",
                            "start": "$response.body#/slots/0/start",
                        },
                    }
                }
            }
        }
    },
)
def list_slots(
    request: HttpRequest,
    service: Annotated[Text, Query(max_length=40)],
    from_: Annotated[PlainDate, Query(alias="from")],
    to: Annotated[PlainDate, Query()],
    jornada: Annotated[Text | None, Query(max_length=16)] = None,
    modality: Annotated[Modality | None, Query()] = None,
) -> dict[str, Any]:
    if to < from_:
        raise InvalidInput(
            FieldProblem("to", "range_reversed", "«to» no puede ser antes de «from».")
        )
    if (to - from_).days > MAX_RANGE_DAYS:
        raise InvalidInput(
            FieldProblem(
                "to",
                "range_too_long",
                f"Pide como máximo {MAX_RANGE_DAYS} días por consulta.",
            )
        )
    found_jornada = None
    if jornada is not None:
        found_jornada = _open_jornada(jornada)
        if found_jornada is None:
            raise Http404
    found = _bookable_service(service, found_jornada)
    if found is None:
        raise Http404
    allowed = set(found_jornada.modalities) if found_jornada else None
    zone = institute_zone()
    slots = []
    for slot in sorted(
        offered_slots(
            service=found,
            first_day=from_,
            last_day=to,
            jornada=found_jornada,
            modality=modality,
        ),
        key=lambda s: s.start,
    ):
        modalities = _modalities(sorted(slot.modalities), allowed)
        if modalities:
            slots.append(
                {
                    "start": slot.start.astimezone(zone),
                    "end": slot.end.astimezone(zone),
                    "modalities": modalities,
                }
            )
    return {"service": found.code, "timezone": settings.TIME_ZONE, "slots": slots}


@router.get(
    "/jornadas/{code}",
    response={200: JornadaOut, **NOT_FOUND, **LIMITED},
    throttle=[SLOT_READS],
    operation_id="get_jornada",
    summary="Una jornada por el código de su cartel",
    tags=["Información"],
)
def get_jornada(request: HttpRequest, code: str) -> dict[str, Any]:
    jornada = selectors.public_jornada(code)
    if jornada is None:
        raise Http404
    return {
        "code": jornada.code,
        "title": jornada.title,
        "organization": jornada.organization.name,
        "starts_on": jornada.starts_on,
        "ends_on": jornada.ends_on,
        "services": sorted(s.code for s in jornada.services.all()),
        "modalities": _modalities(jornada.modalities),
        "status": jornada.status,
    }


# ---------------------------------------------------------------- bookings


def _idempotency_key(raw: str | None) -> str | None:
    if not raw:
        return None
    # Hashed: any key a client sends fits the column, and API keys never meet the
    # web flow's own keys.
    return "api-" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:60]


def _checked_booking(payload: BookingIn) -> dict[str, Any]:
    """Everything the contract refuses with 422 before a slot is even looked at."""
    problems: list[FieldProblem] = []
    jornada = None
    if payload.jornada:
        jornada = _open_jornada(payload.jornada)
        if jornada is None:
            problems.append(
                FieldProblem(
                    "jornada", "unknown_jornada", "No hay una jornada abierta con ese código."
                )
            )
    service = _bookable_service(payload.service, jornada)
    if service is None:
        problems.append(
            FieldProblem(
                "service",
                "unknown_service",
                "No hay un servicio con ese código que se pueda agendar en línea.",
            )
        )
    else:
        offered = set(service.modalities) & (
            set(jornada.modalities) if jornada else set(service.modalities)
        )
        if payload.modality not in offered:
            problems.append(
                FieldProblem(
                    "modality",
                    "modality_not_offered",
                    "Este servicio no se ofrece en esa modalidad.",
                )
            )
    name = " ".join(payload.name.split())
    if not name:
        problems.append(FieldProblem("name", "required", "Escribe tu nombre o un alias."))

    email = (payload.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                FieldProblem(
                    "email",
                    "invalid_email",
                    "Escribe un correo válido, por ejemplo nombre@ejemplo.com.",
                )
            )
    phone = ""
    phone_invalid = False
    if (payload.phone or "").strip():
        try:
            phone = phones.to_e164((payload.phone or "").strip())
        except ValidationError:
            phone_invalid = True
            problems.append(
                FieldProblem(
                    "phone",
                    "invalid_phone",
                    "Escribe un teléfono válido de 10 dígitos, por ejemplo 614 490 0789.",
                )
            )

    contact = payload.contact
    needs_phone = (
        payload.modality == ModalityChoices.PHONE
        or contact.call
        or contact.voicemail
        or contact.sms
        or contact.whatsapp
    )
    if needs_phone and not phone and not phone_invalid:
        problems.append(
            FieldProblem(
                "phone", "phone_required", "Escribe el teléfono en el que te podemos buscar."
            )
        )
    if payload.modality == ModalityChoices.PHONE and not contact.call:
        problems.append(
            FieldProblem(
                "contact.call",
                "call_required",
                "Para una sesión por llamada necesitamos poder llamarte: marca «call».",
            )
        )
    if contact.voicemail and not contact.call:
        problems.append(
            FieldProblem(
                "contact.voicemail",
                "voicemail_requires_call",
                "Solo podemos dejar mensaje de voz si también te podemos llamar.",
            )
        )
    if contact.email and not email:
        problems.append(
            FieldProblem(
                "email", "email_required", "Escribe el correo en el que te podemos escribir."
            )
        )
    if payload.privacy_notice_accepted is not True:
        problems.append(
            FieldProblem(
                "privacy_notice_accepted",
                "privacy_notice_not_accepted",
                "Para agendar necesitas aceptar el aviso de privacidad.",
            )
        )
    if problems:
        raise InvalidInput(*problems)
    assert service is not None
    return {
        "service": service,
        "jornada": jornada,
        "name": name,
        "email": email.lower(),
        "phone": phone,
        "contact": ContactChoices(
            call=contact.call,
            voicemail=contact.voicemail,
            sms=contact.sms,
            whatsapp=contact.whatsapp,
            email=contact.email,
        ),
    }


@router.post(
    "/bookings",
    response={201: BookingOut, 409: ErrorOut, **INVALID, **LIMITED},
    throttle=[BOOKING_CREATION],
    operation_id="create_booking",
    summary="Agendar una sesión (con Idempotency-Key se puede reintentar sin duplicar)",
    tags=["Citas"],
    openapi_extra={"responses": {201: {"links": BOOKING_LINKS}}},
)
def create_booking(
    request: HttpRequest,
    payload: BookingIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> Status[dict[str, Any]]:
    checked = _checked_booking(payload)
    service: Service = checked["service"]
    jornada: Jornada | None = checked["jornada"]
    start: datetime = payload.start
    fingerprint = request_fingerprint(
        {
            "service": service.code,
            "start": start.astimezone(UTC).isoformat(),
            "modality": payload.modality,
            "jornada": jornada.code if jornada else None,
            "name": checked["name"],
            "email": checked["email"],
            "phone": checked["phone"],
            "contact": payload.contact.model_dump(),
        }
    )
    key = _idempotency_key(idempotency_key)
    book = partial(
        appointment_book,
        service=service,
        start=start,
        modality=payload.modality,
        name=checked["name"],
        phone=checked["phone"],
        email=checked["email"],
        contact=checked["contact"],
        jornada=jornada,
        created_via=CreatedVia.API,
        idempotency_key=key,
        fingerprint=fingerprint,
    )
    try:
        try:
            booking = book()
        except SlotUnavailable:
            if not key:
                raise
            # A twin request with this key may have taken the slot while this one
            # waited for the lock: asking again replays its booking (or refuses).
            booking = book()
    except IdempotencyConflict:
        raise InvalidInput(
            FieldProblem(
                "Idempotency-Key",
                "idempotency_key_reused",
                "Esa clave de idempotencia ya se usó con otros datos.",
            )
        ) from None
    except SlotUnavailable:
        if selectors.slot_is_taken(service=service, start=start, jornada=jornada):
            raise
        raise InvalidInput(
            FieldProblem(
                "start",
                "start_not_offered",
                "Esa hora no es un horario que ofrezcamos para este servicio y modalidad. "
                "Consulta /api/v1/slots.",
            )
        ) from None
    return Status(201, _booking_out(_fresh(booking.appointment), booking.token))


@router.get(
    "/bookings/{token}",
    response={200: BookingOut, **NOT_FOUND, **LIMITED},
    throttle=[TOKEN_LOOKUPS],
    operation_id="get_booking",
    summary="Una cita, por el token secreto de su enlace de gestión",
    tags=["Citas"],
    openapi_extra={
        "responses": {
            200: {
                "links": {
                    "RescheduleBooking": BOOKING_LINKS["RescheduleBooking"],
                    "CancelBooking": BOOKING_LINKS["CancelBooking"],
                }
            }
        }
    },
)
def get_booking(request: HttpRequest, token: str) -> dict[str, Any]:
    return _booking_out(_found(token), token)


@router.post(
    "/bookings/{token}/cancel",
    response={200: BookingOut, **NOT_FOUND, **LIMITED},
    throttle=[TOKEN_LOOKUPS],
    operation_id="cancel_booking",
    summary="Cancelar una cita (cancelar dos veces responde lo mismo)",
    tags=["Citas"],
    openapi_extra={"responses": {200: {"links": {"GetBooking": BOOKING_LINKS["GetBooking"]}}}},
)
def cancel_booking(request: HttpRequest, token: str) -> dict[str, Any]:
    appointment = appointment_cancel(appointment=_found(token))
    return _booking_out(_fresh(appointment), token)


@router.post(
    "/bookings/{token}/reschedule",
    response={200: BookingOut, 409: ErrorOut, **NOT_FOUND, **INVALID, **LIMITED},
    throttle=[TOKEN_LOOKUPS],
    operation_id="reschedule_booking",
    summary="Cambiar una cita a otro horario libre: misma referencia, mismo token",
    tags=["Citas"],
    openapi_extra={
        "responses": {
            200: {
                "links": {
                    "GetBooking": BOOKING_LINKS["GetBooking"],
                    "CancelBooking": BOOKING_LINKS["CancelBooking"],
                }
            }
        }
    },
)
def reschedule_booking(request: HttpRequest, token: str, payload: RescheduleIn) -> dict[str, Any]:
    appointment = appointment_reschedule(appointment=_found(token), start=payload.start)
    return _booking_out(_fresh(appointment), token)
