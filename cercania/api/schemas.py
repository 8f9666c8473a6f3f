"""Typed shapes of API v1: what comes in, what goes out. The OpenAPI schema is built from these.

Inputs are strict where a lax parse would surprise a client: datetimes must be ISO 8601
strings with an offset (a naive time is refused, never guessed), dates are
YYYY-MM-DD, booleans are JSON booleans. Every string is checked for control
characters and lone surrogates, which no name, phone or code contains and which
would break encryption or the database further down.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictBool, WithJsonSchema

from cercania.institute.selectors import institute_zone

from .errors import problem

Modality = Literal["video", "phone"]
Status = Literal["confirmed", "cancelled", "attended", "no_show"]

_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_EXAMPLE_START = "2026-12-01T09:00:00-06:00"


def _aware_datetime(value: Any) -> datetime:
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise problem(
            "invalid_datetime",
            f"Escribe fecha y hora en ISO 8601 con zona horaria, como {_EXAMPLE_START}.",
        )
    try:
        parsed = datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError:
        raise problem("invalid_datetime", "Esa fecha u hora no existe.") from None
    if parsed.tzinfo is None:
        raise problem(
            "naive_datetime",
            f"Incluye la zona horaria (por ejemplo {_EXAMPLE_START} o Z para UTC).",
        )
    try:
        # Normalised to the institute's zone; the extremes of the calendar would
        # overflow when moved across offsets, and no session is booked there.
        local = parsed.astimezone(UTC).astimezone(institute_zone())
    except OverflowError:
        local = None
    if local is None or not 1 < local.year < 9999:
        raise problem("out_of_range", "Esa fecha está fuera de rango.")
    return local


def _plain_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise problem("invalid_date", "Escribe una fecha como 2026-12-01.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise problem("invalid_date", "Esa fecha no existe.") from None


def _no_control_characters(value: str) -> str:
    # Cc: NUL and other control characters; Cs: lone surrogates (invalid in UTF-8).
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise problem("invalid_characters", "Contiene caracteres no permitidos.")
    return value


AwareDatetime = Annotated[
    datetime,
    BeforeValidator(_aware_datetime),
    WithJsonSchema({"type": "string", "format": "date-time", "example": _EXAMPLE_START}),
]
PlainDate = Annotated[
    date,
    BeforeValidator(_plain_date),
    WithJsonSchema({"type": "string", "format": "date", "example": "2026-12-01"}),
]
Text = Annotated[str, AfterValidator(_no_control_characters)]


# ---------------------------------------------------------------- in
# Plain pydantic models, not ninja Schemas: a Schema reads any object through its
# attributes, so a list or a string would pass for an empty booking.


class ContactIn(BaseModel):
    """The channels she says are safe. Anything left out is false: we never assume."""

    call: StrictBool = False
    voicemail: StrictBool = False
    sms: StrictBool = False
    whatsapp: StrictBool = False
    email: StrictBool = False


class BookingIn(BaseModel):
    service: Text = Field(max_length=40, examples=["juridico"])
    start: AwareDatetime
    modality: Modality
    jornada: Text | None = Field(default=None, max_length=16)
    name: Text = Field(
        min_length=1, max_length=100, description="Su nombre o un alias.", examples=["Ana"]
    )
    email: Text | None = Field(default=None, max_length=254, examples=["ana@example.org"])
    phone: Text | None = Field(
        default=None,
        max_length=40,
        description="En cualquier formato mexicano; se normaliza a E.164.",
        examples=["614 123 4567"],
    )
    contact: ContactIn
    privacy_notice_accepted: StrictBool = Field(
        description="Debe ser true: leyó y aceptó el aviso de privacidad."
    )


class RescheduleIn(BaseModel):
    start: AwareDatetime


# ---------------------------------------------------------------- out


class ServiceOut(Schema):
    code: str
    name: str
    phone: str | None = Field(
        description="E.164, p. ej. +526144900789; null si el servicio no tiene línea."
    )
    phone_display: str
    modalities: list[Modality]
    session_minutes: int
    bookable_online: bool


class WeeklyHoursOut(Schema):
    weekday: int = Field(ge=1, le=7, description="Día ISO: 1 = lunes.")
    opens: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["09:00"])
    closes: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["15:00"])


class ClosedDayOut(Schema):
    date: dt.date
    reason: str


class HoursOut(Schema):
    timezone: str
    open_now: bool
    next_open: datetime | None
    next_close: datetime | None
    weekly: list[WeeklyHoursOut]
    closed_days: list[ClosedDayOut]


class SlotOut(Schema):
    start: datetime
    end: datetime
    modalities: list[Modality]


class SlotsOut(Schema):
    service: str
    timezone: str
    slots: list[SlotOut]


class BookingOut(Schema):
    reference: str
    token: str = Field(
        description="El secreto de su enlace de gestión: no lo compartas ni lo registres."
    )
    service: str
    start: datetime
    end: datetime
    modality: Modality
    status: Status
    manage_url: str = Field(json_schema_extra={"format": "uri"})
    join_url: str | None


class JornadaOut(Schema):
    code: str
    title: str
    organization: str
    starts_on: date
    ends_on: date
    services: list[str]
    modalities: list[Modality]
    status: Literal["open", "closed"]


class ErrorOut(Schema):
    detail: str = Field(
        description="Código para programas: not_found, slot_unavailable, rate_limited…"
    )
    message: str = Field(description="Lo mismo en español, para personas.")


class FieldErrorOut(Schema):
    field: str
    code: str
    message: str


class InvalidInputOut(Schema):
    detail: Literal["invalid_input"]
    message: str
    errors: list[FieldErrorOut]
