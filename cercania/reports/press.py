"""A press-release draft for a closed jornada, in the municipal website's post format
(the seed article's front matter), from suppressed aggregates only."""

from __future__ import annotations

from datetime import datetime, time

from cercania.institute.models import Institute, Service
from cercania.institute.selectors import institute_profile, institute_zone
from cercania.scheduling.models import Appointment, Jornada

from .disclosure import safe_count
from .selectors import appointments, period_filters, women_attended

MONTHS = [
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
]
MODALITIES = {"video": "videollamada", "phone": "llamada telefónica", "in_person": "presencial"}


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _day(day: object) -> str:
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"  # type: ignore[attr-defined]


def _joined(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " y " + items[-1]


def _figure(value: int | None, noun_one: str, noun_many: str) -> str:
    if value is None:
        return f"menos de cinco {noun_many}"
    return f"{value} {noun_one if value == 1 else noun_many}"


def press_draft(jornada: Jornada, *, now: datetime | None = None) -> str:
    institute: Institute | None = institute_profile()
    name = institute.name if institute else "Instituto Municipal de las Mujeres"
    short = institute.short_name if institute else "IMM"
    f = period_filters(
        start=jornada.starts_on, end=jornada.ends_on, external=True, jornada=jornada.pk
    )
    women = safe_count(women_attended(f).total or 0)
    attended = safe_count(appointments(f).filter(status=Appointment.Status.ATTENDED).count())
    services: list[Service] = list(jornada.services.order_by("name"))
    service_names = _joined([s.name.lower() for s in services]) or "asesoría"
    channels = _joined([MODALITIES.get(m, m) for m in jornada.modalities])
    organization = jornada.organization.name
    agreement = jornada.agreement.title
    published = now or datetime.combine(jornada.ends_on, time(12), tzinfo=institute_zone())
    published = published.astimezone(institute_zone())
    title = f"Brinda el {short} {service_names} a colaboradoras de {organization}"
    description = (
        f"En el marco del convenio {agreement}, el {short} atendió a "
        f"{_figure(women, 'mujer', 'mujeres')} en la jornada del {_day(jornada.starts_on)}"
    )
    lines = [f"{s.phone_display} para {s.name.lower()}" for s in services if s.phone_display]
    when = (
        f"el {_day(jornada.starts_on)}"
        if jornada.starts_on == jornada.ends_on
        else f"del {_day(jornada.starts_on)} al {_day(jornada.ends_on)}"
    )
    body = [
        f"El Gobierno Municipal, a través del {name} ({short}), llevó {service_names} de "
        f"forma gratuita a colaboradoras de la empresa {organization} {when}. Esta "
        f"actividad se realiza en el marco del convenio {agreement}, una alianza que "
        "permite llevar los servicios del municipio a los centros de trabajo.",
        f"Durante la jornada, personal del {short} brindó "
        f"{_figure(attended, 'sesión individual', 'sesiones individuales')}"
        + (f" por {channels}" if channels else "")
        + f", en las que se atendió a {_figure(women, 'mujer', 'mujeres')} de acuerdo a "
        "sus necesidades.",
        "El instituto tiene entre sus objetivos acercar los servicios del Gobierno "
        "Municipal a cada vez más mujeres, brindando cercanía y escuchando sus "
        "necesidades por medio de alianzas estratégicas con el sector privado, sociedad "
        "civil, academia e instituciones gubernamentales, a fin de disminuir las brechas "
        "de desigualdad entre mujeres y hombres, a la vez que se trabaja en la "
        "prevención de la violencia.",
    ]
    if lines:
        body.append(f"Para recibir atención, las líneas del {short} son: {_joined(lines)}.")
    if institute and institute.facebook_url:
        body.append(
            "Para más información sobre la labor del Instituto, comunicarse a través de la "
            f"página de Facebook {institute.facebook_url}."
        )
    offset = published.strftime("%z")
    stamp = published.strftime("%Y-%m-%dT%H:%M:%S.000") + f"{offset[:3]}:{offset[3:]}"
    front = [
        "---",
        "layout: post",
        f"title: {_quoted(title)}",
        f"date: {stamp}",
        "tags:",
        f"  - {short}",
        "  - Asesorías",
        f"  - {_quoted(organization)}",
        "author: nil",
        f"description: {_quoted(description)}",
        "image: nil",
        "video: nil",
        "audio: nil",
        f"alt: {_quoted(title)}",
        "front: false",
        "section: Local",
        "---",
    ]
    return "\n".join(front) + "\n\n" + "\n\n".join(body) + "\n"
