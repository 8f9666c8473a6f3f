"""Staff agenda: an advisor's day and week, every agenda for coordination, the actions on
a session, and the printable jornada poster."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cercania.accounts.access import staff_required
from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.institute.formatting import day_label, time_label
from cercania.institute.models import Modality
from cercania.institute.selectors import institute_zone
from cercania.privacy.models import AuditEvent
from cercania.privacy.services import access_log_view, audit_record

from . import services
from .models import Appointment
from .selectors import bookable_slots
from .staff_forms import (
    AgendaFilterForm,
    AgendaRangeForm,
    CancelForm,
    MarkForm,
    RescheduleDayForm,
    RescheduleForm,
)
from .staff_selectors import (
    AgendaDay,
    DateRange,
    advisor_of,
    agenda_days,
    appointment_for_staff,
    is_coordinator,
    jornada_for_staff,
    jornadas_for_staff,
    local_today,
    poster_emergency_lines,
    poster_phone_lines,
)

# Who has an agenda of sessions: the advisers of both areas, and coordination.
AGENDA_ROLES = (Role.JURIDICO, Role.VIOLENCIA, Role.COORDINACION)


def _user(request: HttpRequest) -> User:
    # staff_required has already refused anonymous visitors.
    return request.user  # type: ignore[return-value]


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"is_coordinator": is_coordinator(request.user), **extra}


def _navigation(dates: DateRange, query: dict[str, str]) -> dict[str, str]:
    """Query strings for the day/week navigation: dates plus the filters (ids, codes)."""
    key = "semana" if dates.week else "dia"
    today = local_today()
    in_range = dates.first_day <= today <= dates.last_day
    return {
        "previous": urlencode({**query, key: dates.previous().isoformat()}),
        "next": urlencode({**query, key: dates.next().isoformat()}),
        "today": urlencode({**query, key: today.isoformat()}),
        "as_day": urlencode({**query, "dia": (today if in_range else dates.first_day).isoformat()}),
        "as_week": urlencode({**query, "semana": dates.first_day.isoformat()}),
    }


def _log_agenda_read(
    request: HttpRequest, dates: DateRange, days: list[AgendaDay], query: dict[str, str]
) -> None:
    # An agenda shows names and, inside safe hours, phone numbers: the read is logged,
    # one row per page with what selected its rows (dates, ids, codes), never the names.
    count = sum(len(day.entries) for day in days)
    if count:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            object_type="scheduling.agenda",
            request=request,
            detail={
                "count": count,
                "filters": {
                    "first_day": dates.first_day.isoformat(),
                    "last_day": dates.last_day.isoformat(),
                    **query,
                },
            },
        )


@require_GET
@staff_required(*AGENDA_ROLES)
def agenda(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if advisor_of(user) is None:
        return render(request, "scheduling/staff/no_agenda.html", _context(request))
    form = AgendaRangeForm(request.GET or None, initial={"dia": local_today()})
    dates = form.dates()
    days = agenda_days(user=user, dates=dates, mine=True)
    _log_agenda_read(request, dates, days, {})
    return render(
        request,
        "scheduling/staff/agenda.html",
        _context(
            request,
            form=form,
            dates=dates,
            days=days,
            everyone=False,
            nav=_navigation(dates, {}),
            here=reverse("agenda:mine"),
        ),
    )


@require_GET
@staff_required(Role.COORDINACION)
def agenda_all(request: HttpRequest) -> HttpResponse:
    form = AgendaFilterForm(request.GET or None, initial={"dia": local_today()})
    dates = form.dates()
    query = form.query()
    days = agenda_days(user=_user(request), dates=dates, mine=False, filters=form.filters())
    _log_agenda_read(request, dates, days, query)
    return render(
        request,
        "scheduling/staff/agenda.html",
        _context(
            request,
            form=form,
            dates=dates,
            days=days,
            everyone=True,
            nav=_navigation(dates, query),
            here=reverse("agenda:all"),
        ),
    )


# ---------------------------------------------------------------- actions


def _local_day(appointment: Appointment) -> date:
    return appointment.starts_at.astimezone(institute_zone()).date()


def _back(request: HttpRequest, appointment: Appointment) -> str:
    """Where to return after an action: the agenda page she came from, or the day."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith(reverse("agenda:mine")) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    mine = appointment.advisor.user_id == request.user.pk
    name = "agenda:mine" if mine or not is_coordinator(request.user) else "agenda:all"
    return f"{reverse(name)}?{urlencode({'dia': _local_day(appointment).isoformat()})}"


def _when(moment: datetime) -> str:
    local = moment.astimezone(institute_zone())
    return f"{day_label(local.date())}, {time_label(local)}"


@require_POST
@staff_required(*AGENDA_ROLES)
def appointment_mark(request: HttpRequest, public_id: UUID) -> HttpResponse:
    appointment = appointment_for_staff(user=_user(request), public_id=public_id)
    back = _back(request, appointment)
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Elige «Atendida» o «No se presentó»."))
        return redirect(back)
    status = Appointment.Status(form.cleaned_data["estado"])
    try:
        services.appointment_mark(appointment=appointment, status=status, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Cita %(reference)s: %(status)s.")
            % {"reference": appointment.reference, "status": status.label},
        )
        if status == Appointment.Status.ATTENDED:
            # What she does next is record the session: straight to its form (the
            # agenda roles are the roles that record contacts).
            return redirect("cases:contact_from_appointment", public_id=appointment.public_id)
    return redirect(back)


@require_http_methods(["GET", "POST"])
@staff_required(*AGENDA_ROLES)
def appointment_cancel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    appointment = appointment_for_staff(user=_user(request), public_id=public_id)
    back = _back(request, appointment)
    if appointment.status != Appointment.Status.CONFIRMED:
        messages.error(request, _("Esta cita ya no está confirmada: no se puede cancelar."))
        return redirect(back)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.appointment_cancel(
            appointment=appointment,
            by_institute=True,
            reason=form.cleaned_data["motivo"],
            actor=request.user,
        )
        messages.success(
            request,
            _("Cita %(reference)s cancelada. El horario quedó libre.")
            % {"reference": appointment.reference},
        )
        return redirect(back)
    if request.method == "GET":
        access_log_view(request=request, obj=appointment.person)
    return render(
        request,
        "scheduling/staff/cancel.html",
        _context(
            request,
            appointment=appointment,
            form=form,
            back=back,
            when=_when(appointment.starts_at),
        ),
    )


def _offered_times(appointment: Appointment, day: date) -> list[tuple[str, str]]:
    """(value, label) of the slots she can move to that day, her current one left out."""
    zone = institute_zone()
    slots = bookable_slots(
        service=appointment.service,
        first_day=day,
        last_day=day,
        jornada=appointment.jornada,
        modality=appointment.modality,
        exclude_appointment_id=appointment.pk,
    )
    return [
        (
            f"{slot.start.astimezone(zone):%H:%M}",
            f"{slot.start.astimezone(zone):%H:%M}–{slot.end.astimezone(zone):%H:%M}",
        )
        for slot in slots
        if slot.start != appointment.starts_at
    ]


@require_http_methods(["GET", "POST"])
@staff_required(*AGENDA_ROLES)
def appointment_reschedule(request: HttpRequest, public_id: UUID) -> HttpResponse:
    appointment = appointment_for_staff(user=_user(request), public_id=public_id)
    back = _back(request, appointment)
    if appointment.status != Appointment.Status.CONFIRMED:
        messages.error(request, _("Esta cita ya no está confirmada: no se puede reprogramar."))
        return redirect(back)
    default_day = max(_local_day(appointment), local_today())
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            start = datetime.combine(
                form.cleaned_data["dia"], form.cleaned_data["hora"], tzinfo=institute_zone()
            )
            previous_advisor = appointment.advisor
            try:
                moved = services.appointment_reschedule(
                    appointment=appointment, start=start, actor=request.user
                )
            except services.SlotUnavailable:
                form.add_error(
                    "hora",
                    _(
                        "Ese horario ya no está disponible: otra persona lo ocupó o dejó de "
                        "ofrecerse. Elige otro."
                    ),
                )
            else:
                text = _("Cita %(reference)s movida al %(when)s.") % {
                    "reference": moved.reference,
                    "when": _when(moved.starts_at),
                }
                if moved.advisor_id != previous_advisor.pk:
                    text += " " + _("Ahora la atiende %(advisor)s.") % {"advisor": moved.advisor}
                messages.success(request, text)
                return redirect(back)
        day = form.cleaned_data.get("dia") or default_day
    else:
        day = RescheduleDayForm(request.GET or None).day(default=default_day)
        form = RescheduleForm(initial={"dia": day})
        access_log_view(request=request, obj=appointment.person)
    chosen = form["hora"].value()
    return render(
        request,
        "scheduling/staff/reschedule.html",
        _context(
            request,
            appointment=appointment,
            form=form,
            back=back,
            day=day,
            times=_offered_times(appointment, day),
            chosen=str(chosen or "")[:5],
            when=_when(appointment.starts_at),
        ),
    )


# ---------------------------------------------------------------- jornadas


@require_GET
@staff_required(Role.COORDINACION)
def jornada_list(request: HttpRequest) -> HttpResponse:
    jornadas = jornadas_for_staff(_user(request))
    return render(request, "scheduling/staff/jornadas.html", _context(request, jornadas=jornadas))


@require_GET
@staff_required(Role.COORDINACION)
def jornada_poster(request: HttpRequest, public_id: UUID) -> HttpResponse:
    jornada = jornada_for_staff(user=_user(request), public_id=public_id)
    # The public booking page of the jornada, on this site's own address.
    link = request.build_absolute_uri(reverse("booking:jornada", kwargs={"code": jornada.code}))
    qr = segno.make(link, error="m")
    return render(
        request,
        "scheduling/staff/poster.html",
        {
            "jornada": jornada,
            "link": link,
            "qr": qr.svg_data_uri(scale=8, border=2),
            "qr_size": qr.symbol_size(scale=8, border=2)[0],
            "services": list(jornada.services.all()),
            "modalities": [
                str(Modality(m).label) for m in jornada.modalities if m in Modality.values
            ],
            "phone_lines": poster_phone_lines(),
            "emergency": poster_emergency_lines(),
        },
    )
