"""Turning a delivery into the words that are sent.

Templates see a flat dictionary of strings (``appointment_context``), never a model:
whatever a coordinator writes, the only data within reach are the day, the time, the
modality, the reference, the links and her alias.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, urlize
from django.utils.safestring import mark_safe

from cercania.institute.models import Modality
from cercania.institute.selectors import institute_zone
from cercania.lib.codes import manage_token
from cercania.scheduling.models import Advisor, Appointment, Jornada

from . import invites
from .models import Channel, MessageKind, MessageTemplate
from .wording import check_rendered, render_source

DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
MODALITY_WORDS = {Modality.VIDEO: "videollamada", Modality.PHONE: "llamada"}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""
    ics: str | None = None
    ics_method: str = ""


def day_label(moment: datetime | date) -> str:
    """ "martes 1 de diciembre", in Spanish whatever the active language."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(institute_zone()).date()
    return f"{DAYS[moment.weekday()]} {moment.day} de {MONTHS[moment.month - 1]}"


def time_label(moment: datetime) -> str:
    local = moment.astimezone(institute_zone())
    return f"{local.hour}:{local.minute:02d}"


def absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def manage_link(appointment: Appointment) -> str:
    token = manage_token(str(appointment.public_id))
    return absolute(reverse("booking:manage", kwargs={"token": token}))


def booking_link(appointment: Appointment) -> str:
    jornada = appointment.jornada
    if jornada is not None and jornada.status == Jornada.Status.OPEN:
        return absolute(reverse("booking:jornada", kwargs={"code": jornada.code}))
    return absolute(reverse("booking:start"))


def appointment_context(appointment: Appointment) -> dict[str, str]:
    video = appointment.modality == Modality.VIDEO
    return {
        "alias": appointment.person.name,
        "dia": day_label(appointment.starts_at),
        "hora": time_label(appointment.starts_at),
        "modalidad": MODALITY_WORDS.get(Modality(appointment.modality), "llamada"),
        "referencia": appointment.reference,
        "enlace": manage_link(appointment),
        "enlace_videollamada": appointment.join_url if video else "",
        "enlace_agendar": booking_link(appointment),
    }


LINKS = ("enlace", "enlace_videollamada", "enlace_agendar")


def html_from_text(text: str, *, subject: str) -> str:
    """The HTML part: the same words, paragraphs and clickable links, in a plain layout."""
    paragraphs = [
        [mark_safe(urlize(escape(line), nofollow=True)) for line in block.splitlines()]  # noqa: S308 (escaped first)
        for block in re.split(r"\n\s*\n", text.strip())
        if block.strip()
    ]
    return render_to_string(
        "notifications/email.html", {"subject": subject, "paragraphs": paragraphs}
    )


def _invite_description(context: dict[str, str], *, cancelled: bool) -> str:
    lines = [f"Referencia: {context['referencia']}"]
    if cancelled:
        lines.insert(0, "Cita cancelada.")
    else:
        if context["enlace_videollamada"]:
            lines.append(f"Enlace para entrar: {context['enlace_videollamada']}")
        lines.append(f"Para ver, cambiar o cancelar tu cita: {context['enlace']}")
    return "\n".join(lines)


def render_for_her(
    *,
    template: MessageTemplate,
    appointment: Appointment,
    kind: str,
    channel: str,
    sequence: int,
    now: datetime | None = None,
) -> Rendered:
    """Render one of her messages; raise WordingRefused if any part names the deny-list."""
    context = appointment_context(appointment)
    text = render_source(template.body, context)
    if channel != Channel.EMAIL:
        parts = [text]
        rendered = Rendered(subject="", text=text)
    else:
        subject = " ".join(render_source(template.subject, context).split())
        ics = method = None
        if kind in (MessageKind.CONFIRMATION, MessageKind.RESCHEDULED, MessageKind.CANCELLED):
            cancelled = kind == MessageKind.CANCELLED
            method = invites.CANCEL if cancelled else invites.REQUEST
            description = _invite_description(context, cancelled=cancelled)
            ics = invites.invite_ics(
                appointment=appointment,
                sequence=sequence,
                method=method,
                attendee=appointment.person.email,
                description=description,
                now=now,
            )
            parts = [subject, text, invites.invite_title(appointment), description]
        else:
            parts = [subject, text]
        parts.append(settings.DEFAULT_FROM_EMAIL)
        rendered = Rendered(
            subject=subject,
            text=text,
            html=html_from_text(text, subject=subject),
            ics=ics,
            ics_method=method or "",
        )
    # Links hold random tokens (a match inside one would be chance): they are taken out
    # and what could reveal something is checked instead: the site's address, and the
    # host and path of the video room (an advisor's fixed room may be named anything).
    for name in LINKS:
        if context[name]:
            parts = [part.replace(context[name], " ") for part in parts]
    parts.append(settings.PUBLIC_BASE_URL)
    if context["enlace_videollamada"]:
        room = urlsplit(context["enlace_videollamada"])
        parts.append(f"{room.netloc} {room.path.replace('/', ' ')}")
    check_rendered(parts, alias=context["alias"])
    return rendered


def agenda_entries(advisor: Advisor, day: date) -> list[dict[str, str]]:
    zone = institute_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    appointments = Appointment.objects.filter(
        advisor=advisor,
        status=Appointment.Status.CONFIRMED,
        starts_at__gte=start,
        starts_at__lt=start + timedelta(days=1),
    ).order_by("starts_at")
    return [
        {
            "hora": time_label(a.starts_at),
            "referencia": a.reference,
            "modalidad": MODALITY_WORDS.get(Modality(a.modality), "llamada"),
        }
        for a in appointments
    ]


def render_staff_agenda(*, entries: list[dict[str, str]], day: date) -> Rendered:
    """Her next day's sessions: time, reference and modality only."""
    context = {
        "dia": day_label(day),
        "entries": entries,
        "agenda_url": absolute(reverse("agenda:mine")),
    }
    subject = " ".join(render_to_string("notifications/staff_agenda_subject.txt", context).split())
    text = render_to_string("notifications/staff_agenda.txt", context).strip()
    rendered = Rendered(
        subject=subject,
        text=text,
        html=render_to_string("notifications/staff_agenda.html", context),
    )
    check_rendered([subject, text, settings.DEFAULT_FROM_EMAIL])
    return rendered
