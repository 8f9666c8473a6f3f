"""The line console: log a call as it happens, from the keyboard, without JavaScript.

Search by phone (POST: a number never goes in a URL) → pick her, register her, or log
the call without knowing who she is → record the call → book a session for her or
hand the call over to the violence line. The console shows people, contact metadata
and contact preferences; never a summary, a risk answer or a case narrative.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cercania.accounts.access import staff_required
from cercania.accounts.models import User
from cercania.accounts.roles import Role, roles_of
from cercania.institute.models import Modality, Service
from cercania.institute.selectors import institute_zone
from cercania.privacy.services import access_log_view

from . import selectors, services
from .forms import ConsoleBookForm, ConsoleCallForm, PersonForm, PhoneSearchForm
from .models import Area, Case, Contact, CreatedVia, Person, ViolenceRecord
from .views import _context, register_person

CONSOLE_ROLES = selectors.CONSOLE_ROLES


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _default_line(request: HttpRequest) -> Service | None:
    """The line she answers: the one in the query (a service code), else her team's."""
    code = request.GET.get("linea") or request.POST.get("line") or ""
    if not code:
        code = "violencia" if Role.VIOLENCIA in roles_of(request.user) else "juridico"
    return Service.objects.filter(code=code, active=True).first()


def _calls_today(user: User) -> list[Contact]:
    start = datetime.combine(timezone.localdate(), time.min, tzinfo=institute_zone())
    return list(
        Contact.objects.filter(
            staff=user, started_at__gte=start, started_at__lt=start + timedelta(days=1)
        )
        .select_related("line", "staff", "person")
        .only(*selectors.CONTACT_METADATA, "person__folio")
        .order_by("-started_at")
    )


def _call_form(request: HttpRequest, *, phone: str = "", data: Any = None) -> ConsoleCallForm:
    line = _default_line(request)
    return ConsoleCallForm(
        data,
        initial={
            "started": timezone.now().isoformat(timespec="seconds"),
            "phone": phone,
            "line": line.code if line else None,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required(*CONSOLE_ROLES)
def console(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PhoneSearchForm(request.POST or None)
    searched = False
    people: list[Person] = []
    unlinked: list[Contact] = []
    if request.method == "POST" and form.is_valid():
        searched = True
        phone = form.cleaned_data["phone"]
        people = selectors.persons_by_phone(phone)
        for person in people:
            person.prior_contacts = list(selectors.contacts_metadata(person=person)[:5])  # type: ignore[attr-defined]
            person.stale = selectors.preferences_stale(person)  # type: ignore[attr-defined]
            access_log_view(request=request, obj=person, detail={"via": "line"})
        unlinked = list(selectors.contacts_metadata(phone=phone)[:10])
    line = _default_line(request)
    return render(
        request,
        "cases/console.html",
        _context(
            request,
            form=form,
            searched=searched,
            people=people,
            unlinked=unlinked,
            phone=form.cleaned_data.get("phone", "") if searched else "",
            line=line,
            calls_today=_calls_today(user),
        ),
    )


def _after_call(request: HttpRequest, person: Person | None, contact: Contact) -> HttpResponse:
    action = request.POST.get("action", "save")
    user = _user(request)
    if action == "handover" and person is not None:
        case = services.case_handover_to_violence(person=person, contact=contact, actor=user)
        if case.assignee_id == user.pk:
            messages.success(
                request,
                _(
                    "Expediente de violencia %(folio)s abierto y asignado a ti, "
                    "con un tamizaje de riesgo pendiente."
                )
                % {"folio": case.folio},
            )
            return redirect("cases:case", public_id=case.public_id)
        messages.success(
            request,
            _(
                "Llamada transferida a la línea de violencia: expediente %(folio)s con "
                "tamizaje de riesgo pendiente, visible para el equipo."
            )
            % {"folio": case.folio},
        )
        return redirect("cases:console")
    if action == "book" and person is not None:
        messages.success(request, _("Llamada registrada. Elige la cita para ella."))
        return redirect("cases:console_book", public_id=person.public_id)
    messages.success(request, _("Llamada registrada."))
    return redirect("cases:console")


@require_http_methods(["GET", "POST"])
@staff_required(*CONSOLE_ROLES)
def console_person(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Her card (no narratives) and the call form."""
    user = _user(request)
    person = selectors.person_by_public_id(public_id)
    form = _call_form(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        data = form.cleaned_data
        handover = request.POST.get("action") == "handover"
        contact = services.contact_record(
            staff=user,
            kind=data["kind"],
            started_at=form.started_at(now),
            duration_minutes=form.duration(now),
            result=Contact.Result.HANDED_OVER if handover else data["result"],
            summary=data["summary"],
            line=data["line"],
            person=person,
            phone=data["phone"],
        )
        return _after_call(request, person, contact)
    access_log_view(request=request, obj=person, detail={"via": "line"})
    return render(
        request,
        "cases/console_person.html",
        _context(
            request,
            person=person,
            form=form,
            prior_contacts=list(selectors.contacts_metadata(person=person)[:20]),
            stale=selectors.preferences_stale(person),
            same_company=ViolenceRecord.objects.filter(
                case__person=person, aggressor_same_company=True
            ).exists(),
            open_violence=Case.objects.filter(person=person, area=Area.VIOLENCE)
            .exclude(status=Case.Status.CLOSED)
            .exists(),
        ),
    )


@require_POST
@staff_required(*CONSOLE_ROLES)
def console_person_new(request: HttpRequest) -> HttpResponse:
    """Register the caller (duplicates first), then go to her call form."""
    if request.POST.get("step") != "details":
        form = PersonForm(initial={"phone": request.POST.get("phone", "")})
        return render(
            request, "cases/console_person_new.html", _context(request, form=form, candidates=[])
        )
    form = PersonForm(request.POST)
    candidates: list[selectors.DuplicateCandidate] = []
    if form.is_valid():
        person, candidates = register_person(request, form, created_via=CreatedVia.PHONE_LINE)
        if person is not None:
            return redirect("cases:console_person", public_id=person.public_id)
    return render(
        request,
        "cases/console_person_new.html",
        _context(request, form=form, candidates=candidates),
    )


@require_POST
@staff_required(*CONSOLE_ROLES)
def console_call(request: HttpRequest) -> HttpResponse:
    """A call from someone not (yet) identified: logged with her number's hash only."""
    user = _user(request)
    if request.POST.get("step") != "details":
        form = _call_form(request, phone=request.POST.get("phone", ""))
        return render(request, "cases/console_call.html", _context(request, form=form))
    form = _call_form(request, data=request.POST)
    if form.is_valid():
        now = timezone.now()
        data = form.cleaned_data
        services.contact_record(
            staff=user,
            kind=data["kind"],
            started_at=form.started_at(now),
            duration_minutes=form.duration(now),
            result=data["result"],
            summary=data["summary"],
            line=data["line"],
            phone=data["phone"],
        )
        messages.success(request, _("Llamada registrada sin identificar a la persona."))
        return redirect("cases:console")
    return render(request, "cases/console_call.html", _context(request, form=form))


@require_http_methods(["GET", "POST"])
@staff_required(*CONSOLE_ROLES)
def console_book(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Book a session for her: pick service, modality and day (GET), then a time (POST)."""
    from cercania.scheduling.selectors import bookable_slots
    from cercania.scheduling.services import SlotUnavailable

    user = _user(request)
    person = selectors.person_by_public_id(public_id)
    today = timezone.localdate()
    form = ConsoleBookForm(
        request.GET if "service" in request.GET else None,
        initial={
            "service": "juridico",
            "modality": Modality.PHONE,
            "day": today + timedelta(days=1),
        },
    )
    slots: list[Any] = []
    if request.method == "POST":
        service = Service.objects.filter(code=request.POST.get("service", ""), active=True).first()
        modality = request.POST.get("modality", "")
        try:
            start = datetime.fromisoformat(request.POST.get("start", ""))
        except ValueError:
            start = None
        if (
            service is None
            or modality not in Modality.values
            or start is None
            or start.tzinfo is None
        ):
            messages.error(request, _("Elige un horario de la lista."))
        else:
            try:
                appointment = services.appointment_book_for(
                    person=person, service=service, start=start, modality=modality, actor=user
                )
            except SlotUnavailable:
                messages.error(request, _("Ese horario ya no está disponible. Elige otro."))
            else:
                messages.success(
                    request,
                    _("Cita agendada para ella: %(when)s, referencia %(reference)s.")
                    % {
                        "when": timezone.localtime(appointment.starts_at).strftime(
                            "%d/%m/%Y %H:%M"
                        ),
                        "reference": appointment.reference,
                    },
                )
                return redirect("cases:console_person", public_id=person.public_id)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        slots = bookable_slots(
            service=data["service"],
            first_day=data["day"],
            last_day=data["day"],
            modality=data["modality"],
        )
    access_log_view(request=request, obj=person, detail={"via": "line"})
    zone = institute_zone()
    return render(
        request,
        "cases/console_book.html",
        _context(
            request,
            person=person,
            form=form,
            slots=[
                (
                    slot.start.isoformat(),
                    f"{slot.start.astimezone(zone):%H:%M}–{slot.end.astimezone(zone):%H:%M}",
                )
                for slot in slots
            ],
        ),
    )
