"""The public booking flow and her manage link.

Answers live in the session, never in URLs. Each step is one question; a step whose
earlier answers are missing sends her back to the first missing one. The slot is
taken only at confirmation, inside one transaction (services.appointment_book).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cercania.cases.models import CreatedVia
from cercania.cases.services import ContactChoices
from cercania.institute.formatting import day_label, time_label
from cercania.institute.models import Modality, PrivacyNotice, Service
from cercania.institute.selectors import current_privacy_notice, institute_zone
from cercania.lib import codes, phones, ratelimit

from . import forms
from .models import Appointment, Jornada
from .offered import offered_slots
from .selectors import bookable_services, bookable_slots, open_jornada_by_code
from .services import SlotUnavailable, appointment_book, appointment_cancel, appointment_reschedule

STEPS = ["servicio", "modalidad", "dia", "hora", "nombre", "contacto", "aviso", "revisar"]
# What each step needs answered before it, and what it answers.
ANSWERS = {
    "servicio": "service",
    "modalidad": "modality",
    "dia": "day",
    "hora": "start",
    "nombre": "name",
    "contacto": "contact",
    "aviso": "privacy_version",
}
# Changing an answer invalidates the answers that were chosen from it.
DEPENDENTS = {
    "service": ["modality", "day", "start"],
    "modality": ["day", "start"],
    "day": ["start"],
}


class Flow:
    """One booking in progress: the general agenda or a jornada's."""

    def __init__(self, request: HttpRequest, jornada: Jornada | None) -> None:
        self.request, self.jornada = request, jornada
        self.key = f"booking:{jornada.code if jornada else 'general'}"
        self.state: dict[str, Any] = request.session.get(self.key, {})
        self.services = bookable_services(jornada=jornada)

    def save(self) -> None:
        self.request.session[self.key] = self.state

    def set(self, name: str, value: Any) -> None:
        """Her answer, kept in the session with the answers derived so far."""
        self._put(name, value)
        self.save()

    def _put(self, name: str, value: Any) -> None:
        if self.state.get(name) != value:
            for dependent in DEPENDENTS.get(name, []):
                self.state.pop(dependent, None)
        self.state[name] = value

    def url(self, step: str) -> str:
        if self.jornada:
            return reverse("booking:jornada_step", kwargs={"code": self.jornada.code, "step": step})
        return reverse("booking:step", kwargs={"step": step})

    @property
    def service(self) -> Service | None:
        return next((s for s in self.services if s.code == self.state.get("service")), None)

    def modalities(self) -> list[str]:
        service = self.service
        if service is None:
            return []
        known = Modality.values  # a list Django builds anew on each access: read once
        offered = [m for m in service.modalities if m in known]
        if self.jornada:
            offered = [m for m in offered if m in self.jornada.modalities]
        return offered

    def autofill(self) -> None:
        """Answer the questions that have only one possible answer.

        Derived again on every request and not saved: opening the booking pages
        (her, a link preview, a crawler) leaves no session in the database. The
        session is written with her first own answer, and keeps these with it.
        """
        if "service" not in self.state and len(self.services) == 1:
            self._put("service", self.services[0].code)
        if "service" in self.state and "modality" not in self.state:
            offered = self.modalities()
            if len(offered) == 1:
                self._put("modality", offered[0])

    def skipped(self, step: str) -> bool:
        return (step == "servicio" and len(self.services) == 1) or (
            step == "modalidad" and len(self.modalities()) == 1
        )

    def first_missing(self) -> str:
        for step in STEPS[:-1]:
            if ANSWERS[step] not in self.state:
                return step
        return "revisar"

    def previous(self, step: str) -> str | None:
        index = STEPS.index(step)
        for earlier in reversed(STEPS[:index]):
            if not self.skipped(earlier):
                return self.url(earlier)
        return None

    def slots(self, day: date | None = None) -> list:  # type: ignore[type-arg]
        """Her free times within the booking horizon: every day, or one day's."""
        service = self.service
        if service is None:
            return []
        today = timezone.localdate()
        return offered_slots(
            service=service,
            first_day=day or today,
            last_day=day or today + timedelta(days=settings.BOOKING_HORIZON_DAYS),
            jornada=self.jornada,
            modality=self.state.get("modality"),
        )

    def idempotency_key(self) -> str:
        # The same answers submitted twice (a double tap) book once; changed answers
        # make a new key. The salt keeps keys of different sessions apart.
        salt = self.state.setdefault("salt", secrets.token_hex(8))
        answers = {k: v for k, v in self.state.items() if k != "salt"}
        return "web-" + hashlib.sha256(f"{salt}{sorted(answers.items())}".encode()).hexdigest()[:40]


def _flow(request: HttpRequest, code: str | None) -> Flow:
    jornada = None
    if code is not None:
        jornada = open_jornada_by_code(code)
        if jornada is None:
            raise Http404
    flow = Flow(request, jornada)
    flow.autofill()
    return flow


def start(request: HttpRequest, code: str | None = None) -> HttpResponse:
    flow = _flow(request, code)
    if not flow.services:
        return render(request, "booking/unavailable.html", {"flow": flow})
    return redirect(flow.url(flow.first_missing()))


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, step: str, code: str | None = None) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    flow = _flow(request, code)
    if not flow.services:
        return render(request, "booking/unavailable.html", {"flow": flow})
    missing = flow.first_missing()
    if STEPS.index(step) > STEPS.index(missing):
        return redirect(flow.url(missing))
    if step == "revisar":
        return _check(request, flow)
    return QUESTIONS[step](request, flow, step)


def _posted(request: HttpRequest) -> Any:
    # An empty POST is still a submission (she pressed Continuar without choosing):
    # the form must be bound so it shows the error.
    return request.POST if request.method == "POST" else None


def _ask(
    request: HttpRequest,
    flow: Flow,
    step: str,
    form: django_forms.Form,
    *,
    heading: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "booking/question.html",
        {
            "flow": flow,
            "step": step,
            "form": form,
            "heading": heading,
            # The page's title: the heading, or the question of its first field.
            "title": heading or next(iter(form)).label,
            "back_url": flow.previous(step),
            # Named for every question: a name the template asks for and the context
            # lacks costs the template engine an exception.
            "contact_page": False,
            "notice": None,
            **(extra or {}),
        },
    )


def _next(request: HttpRequest, flow: Flow) -> HttpResponse:
    # After a "Cambiar" from the check page she returns there when all is answered.
    flow.autofill()
    return redirect(flow.url(flow.first_missing()))


def _service(request: HttpRequest, flow: Flow, step: str) -> HttpResponse:
    form = forms.ServiceForm(
        _posted(request), services=flow.services, initial={"service": flow.state.get("service")}
    )
    if request.method == "POST" and form.is_valid():
        flow.set("service", form.cleaned_data["service"])
        return _next(request, flow)
    return _ask(request, flow, step, form)


def _modality(request: HttpRequest, flow: Flow, step: str) -> HttpResponse:
    form = forms.ModalityForm(
        _posted(request),
        modalities=flow.modalities(),
        initial={"modality": flow.state.get("modality")},
    )
    if request.method == "POST" and form.is_valid():
        flow.set("modality", form.cleaned_data["modality"])
        return _next(request, flow)
    return _ask(request, flow, step, form)


def _days(flow: Flow) -> dict[date, list[datetime]]:
    zone = institute_zone()
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for slot in flow.slots():
        by_day[slot.start.astimezone(zone).date()].append(slot.start)
    return by_day


def _offered_day(flow: Flow, answer: str) -> str | None:
    """Her answer if it is a day with a free time (what DayForm accepts), else None."""
    try:
        day = date.fromisoformat(answer)
    except ValueError:
        return None
    return answer if answer == day.isoformat() and flow.slots(day) else None


def _day(request: HttpRequest, flow: Flow, step: str) -> HttpResponse:
    if request.method == "POST" and (answer := _offered_day(flow, request.POST.get("day", ""))):
        # Checking her answer needs that day's times only: the month is computed again
        # only to ask once more (no answer, or a day whose times are all gone).
        flow.set("day", answer)
        return _next(request, flow)
    by_day = _days(flow)
    choices = [
        (
            d.isoformat(),
            _("%(day)s · %(count)s horarios") % {"day": day_label(d), "count": len(starts)},
        )
        for d, starts in sorted(by_day.items())
    ]
    if not choices:
        return render(
            request, "booking/no_slots.html", {"flow": flow, "back_url": flow.previous(step)}
        )
    form = forms.DayForm(_posted(request), days=choices, initial={"day": flow.state.get("day")})
    if request.method == "POST" and form.is_valid():
        flow.set("day", form.cleaned_data["day"])
        return _next(request, flow)
    return _ask(request, flow, step, form)


def _time(request: HttpRequest, flow: Flow, step: str) -> HttpResponse:
    # Only her day's times: computing the whole month to keep one day cost four times more.
    starts = [slot.start for slot in flow.slots(date.fromisoformat(flow.state["day"]))]
    if not starts:
        messages.error(request, _("Ese día ya no tiene horarios disponibles. Elige otro día."))
        flow.state.pop("day", None)
        flow.save()
        return redirect(flow.url("dia"))
    choices = [(s.isoformat(), time_label(s)) for s in starts]
    form = forms.TimeForm(
        _posted(request), times=choices, initial={"time": flow.state.get("start")}
    )
    if request.method == "POST" and form.is_valid():
        flow.set("start", form.cleaned_data["time"])
        return _next(request, flow)
    return _ask(
        request,
        flow,
        step,
        form,
        heading=_("¿A qué hora el %(day)s?")
        % {"day": day_label(date.fromisoformat(flow.state["day"]))},
    )


def _name(request: HttpRequest, flow: Flow, step: str) -> HttpResponse:
    form = forms.NameForm(_posted(request), initial={"name": flow.state.get("name")})
    if request.method == "POST" and form.is_valid():
        flow.set("name", form.cleaned_data["name"])
        return _next(request, flow)
    return _ask(request, flow, step, form)


def _contact(request: HttpRequest, flow: Flow, step: str) -> HttpResponse:
    saved = flow.state.get("contact", {})
    form = forms.ContactForm(
        _posted(request), modality=flow.state.get("modality", ""), initial=saved
    )
    if request.method == "POST" and form.is_valid():
        flow.set("contact", form.cleaned_data)
        return _next(request, flow)
    return _ask(
        request,
        flow,
        step,
        form,
        heading=_("¿Cómo te podemos buscar de forma segura?"),
        extra={"contact_page": True},
    )


def _privacy(request: HttpRequest, flow: Flow, step: str) -> HttpResponse:
    notice = current_privacy_notice(kind=PrivacyNotice.Kind.SIMPLIFIED)
    form = forms.PrivacyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        flow.set("privacy_version", notice.version if notice else "")
        return _next(request, flow)
    paragraphs = [p for p in (notice.body.split("\n\n") if notice else []) if p.strip()]
    return _ask(
        request,
        flow,
        step,
        form,
        heading=_("Aviso de privacidad"),
        extra={"notice": notice, "paragraphs": paragraphs},
    )


QUESTIONS = {
    "servicio": _service,
    "modalidad": _modality,
    "dia": _day,
    "hora": _time,
    "nombre": _name,
    "contacto": _contact,
    "aviso": _privacy,
}


def _contact_summary(contact: dict[str, Any]) -> list[str]:
    labels = [
        ("call", _("llamadas")),
        ("voicemail", _("mensaje de voz")),
        ("sms", _("SMS")),
        ("whatsapp", _("WhatsApp")),
        ("email_ok", _("correo")),
    ]
    return [label for key, label in labels if contact.get(key)]


def _check(request: HttpRequest, flow: Flow) -> HttpResponse:
    state, service = flow.state, flow.service
    assert service is not None
    start = datetime.fromisoformat(state["start"])
    contact = state["contact"]
    if request.method == "POST":
        try:
            booking = appointment_book(
                service=service,
                start=start,
                modality=state["modality"],
                name=state["name"],
                phone=contact.get("phone", ""),
                email=contact.get("email", ""),
                contact=ContactChoices(
                    call=contact.get("call", False),
                    voicemail=contact.get("voicemail", False),
                    sms=contact.get("sms", False),
                    whatsapp=contact.get("whatsapp", False),
                    email=contact.get("email_ok", False),
                ),
                jornada=flow.jornada,
                created_via=CreatedVia.WEB,
                idempotency_key=flow.idempotency_key(),
                fingerprint=flow.idempotency_key(),
                notice_version=state.get("privacy_version", ""),
            )
        except SlotUnavailable:
            state.pop("start", None)
            flow.save()
            messages.error(
                request, _("La hora que elegiste ya no está disponible. Elige otra, por favor.")
            )
            return redirect(flow.url("hora"))
        request.session.pop(flow.key, None)
        request.session["booking:done"] = str(booking.appointment.public_id)
        return redirect(reverse("booking:confirmed"))
    rows = [
        (_("Servicio"), service.name, "servicio"),
        (_("Modalidad"), Modality(state["modality"]).label, "modalidad"),
        (_("Día"), day_label(start.astimezone(institute_zone()).date()), "dia"),
        (_("Hora"), time_label(start), "hora"),
        (_("Nombre o alias"), state["name"], "nombre"),
        (
            _("Teléfono"),
            phones.to_national(contact["phone"]) if contact.get("phone") else _("(no lo diste)"),
            "contacto",
        ),
        (_("Correo"), contact.get("email") or _("(no lo diste)"), "contacto"),
        (
            _("Te podemos buscar por"),
            ", ".join(_contact_summary(contact)) or _("ningún medio"),
            "contacto",
        ),
    ]
    rows = [(label, value, step) for label, value, step in rows if not flow.skipped(step)]
    return render(
        request,
        "booking/check.html",
        {
            "flow": flow,
            "rows": rows,
            "back_url": flow.previous("revisar"),
        },
    )


def confirmed(request: HttpRequest) -> HttpResponse:
    public_id = request.session.get("booking:done")
    appointment = (
        Appointment.objects.select_related("service").filter(public_id=public_id).first()
        if public_id
        else None
    )
    if appointment is None:
        return redirect("booking:start")
    token = codes.manage_token(str(appointment.public_id))
    manage_url = request.build_absolute_uri(reverse("booking:manage", kwargs={"token": token}))
    return render(
        request,
        "booking/confirmed.html",
        {"appointment": appointment, "manage_url": manage_url, **_describe(appointment)},
    )


# ---------------------------------------------------------------- her manage link


def _describe(appointment: Appointment) -> dict[str, str]:
    return {
        "day": day_label(appointment.starts_at.astimezone(institute_zone()).date()),
        "time": time_label(appointment.starts_at),
    }


def _appointment_for(request: HttpRequest, token: str) -> Appointment | HttpResponse:
    verdict = ratelimit.hit(
        scope="manage",
        client=ratelimit.client_address(request),
        limit=settings.MANAGE_LINK_LOOKUPS_PER_HOUR,
        window_seconds=3600,
    )
    if not verdict.allowed:
        response = render(request, "booking/too_many.html", status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    appointment = None
    if codes.looks_like_token(token):
        appointment = (
            Appointment.objects.select_related("service")
            .filter(manage_token_hash=codes.token_hash(token))
            .first()
        )
    if appointment is None:
        # The same neutral page for a malformed and an unknown token.
        return render(request, "booking/not_found.html", status=404)
    return appointment


def manage(request: HttpRequest, token: str) -> HttpResponse:
    found = _appointment_for(request, token)
    if isinstance(found, HttpResponse):
        return found
    return render(
        request,
        "booking/manage.html",
        {
            "appointment": found,
            "token": token,
            "can_change": found.status == Appointment.Status.CONFIRMED
            and found.starts_at > timezone.now(),
            **_describe(found),
        },
    )


@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    found = _appointment_for(request, token)
    if isinstance(found, HttpResponse):
        return found
    if request.method == "POST":
        appointment_cancel(appointment=found)
        messages.success(
            request, _("Tu cita quedó cancelada. Si lo necesitas, puedes agendar otra.")
        )
        return redirect("booking:manage", token=token)
    return render(
        request,
        "booking/manage_cancel.html",
        {"appointment": found, "token": token, **_describe(found)},
    )


@require_http_methods(["GET", "POST"])
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    found = _appointment_for(request, token)
    if isinstance(found, HttpResponse):
        return found
    if found.status != Appointment.Status.CONFIRMED:
        return redirect("booking:manage", token=token)
    zone = institute_zone()
    today = timezone.localdate()
    slots = bookable_slots(
        service=found.service,
        first_day=today,
        last_day=today + timedelta(days=settings.BOOKING_HORIZON_DAYS),
        jornada=found.jornada,
        modality=found.modality,
        exclude_appointment_id=found.pk,
    )
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for slot in slots:
        # Her own time is free for her (her appointment is left out of the busy time),
        # but offering it as a change would be a change to nothing.
        if slot.start != found.starts_at:
            by_day[slot.start.astimezone(zone).date()].append(slot.start)
    chosen_day = request.GET.get("dia") or request.POST.get("dia") or ""
    try:
        day = date.fromisoformat(chosen_day) if chosen_day else None
    except ValueError:
        day = None
    if day is not None and day not in by_day:
        day = None
    error = ""
    if request.method == "POST" and day is not None:
        choice = request.POST.get("hora", "")
        start = next((s for s in by_day[day] if s.isoformat() == choice), None)
        if start is None:
            error = _("Elige una hora.")
        else:
            try:
                appointment_reschedule(appointment=found, start=start)
            except SlotUnavailable:
                error = _("Esa hora ya no está disponible. Elige otra, por favor.")
            else:
                messages.success(request, _("Listo: cambiamos tu cita."))
                return redirect("booking:manage", token=token)
    return render(
        request,
        "booking/manage_reschedule.html",
        {
            "appointment": found,
            "token": token,
            "chosen_day": day,
            "error": error,
            "days": [(d.isoformat(), day_label(d), len(s)) for d, s in sorted(by_day.items())],
            "times": [(s.isoformat(), time_label(s)) for s in by_day.get(day, [])] if day else [],
            "day_text": day_label(day) if day else "",
            **_describe(found),
        },
        status=422 if error else 200,
    )
