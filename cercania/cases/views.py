"""Staff pages of the case files: people, cases, contacts, violence record, risk
screening, referrals, follow-ups, "my work" and the case timeline.

Every page is selector → form → service → redirect. Scope comes from selectors (404
outside it); every page that shows a person, a case or a contact logs the read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cercania.accounts.access import staff_required
from cercania.accounts.models import User
from cercania.accounts.roles import Role, roles_of
from cercania.institute.models import PrivacyNotice, Service
from cercania.institute.selectors import current_privacy_notice, emergency_lines
from cercania.privacy.models import AuditAction
from cercania.privacy.services import access_log_view, audit_record, consent_give

from . import selectors, services
from .forms import (
    AppointmentContactForm,
    CaseCloseForm,
    CaseEditForm,
    CaseFilterForm,
    CaseOpenForm,
    ConsentForm,
    ContactForm,
    ContactLinkForm,
    FollowUpForm,
    MergeForm,
    PersonEditForm,
    PersonForm,
    PreferencesForm,
    ReferralForm,
    ReferralStatusForm,
    RiskForm,
    ViolenceRecordForm,
)
from .models import (
    Area,
    Case,
    Contact,
    CreatedVia,
    Person,
    Referral,
    RiskAssessment,
    RiskLevel,
    ViolenceRecord,
)

CASE_ROLES = selectors.CASE_ROLES
CONSOLE_ROLES = selectors.CONSOLE_ROLES
WORK_ROLES = (*CASE_ROLES, Role.LINEA)


def _user(request: HttpRequest) -> User:
    # staff_required has already refused anonymous visitors.
    return request.user  # type: ignore[return-value]


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    roles = roles_of(request.user)
    return {
        "is_coordinator": Role.COORDINACION in roles,
        "can_console": bool(roles & set(CONSOLE_ROLES)),
        "can_cases": bool(roles & set(CASE_ROLES)),
        "has_agenda": bool(roles & {Role.JURIDICO, Role.VIOLENCIA, Role.COORDINACION}),
        **extra,
    }


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item.messages[0] if hasattr(item, "messages") else item)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _safety_lines() -> dict[str, Any]:
    """911 and the violence line: shown prominently on a high risk result."""
    return {
        "emergency": list(emergency_lines()),
        "violence_line": Service.objects.filter(code="violencia").first(),
    }


def _same_company_warning(person: Person) -> bool:
    # A safety directive, shown wherever she is, whoever looks: never contact her
    # through the company where the aggressor works.
    return ViolenceRecord.objects.filter(case__person=person, aggressor_same_company=True).exists()


# ---------------------------------------------------------------- my work, lists


@require_GET
@staff_required(*WORK_ROLES)
def my_work(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    work = selectors.my_work(user=user, today=today)
    calls_today = (
        Contact.objects.filter(staff=user, started_at__date=today)
        .select_related("line")
        .only(*selectors.CONTACT_METADATA)
    )
    return render(
        request,
        "cases/my_work.html",
        _context(request, work=work, calls_today=list(calls_today)),
    )


@require_GET
@staff_required(*CASE_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, initial={"estado": "active"})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {"estado": "active"}
    cases = list(
        selectors.cases_list(
            user=_user(request),
            status=data.get("estado", ""),
            area=data.get("area", ""),
            mine=bool(data.get("mios")),
        )[:200]
    )
    if cases:
        # A list shows names: one access-log row per page, with its filters and size.
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            object_type="cases.case_list",
            request=request,
            detail={
                "count": len(cases),
                "filters": {k: str(v) for k, v in data.items() if v not in ("", None, False)},
            },
        )
    return render(request, "cases/case_list.html", _context(request, form=form, cases=cases))


# ---------------------------------------------------------------- people


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def person_new(request: HttpRequest) -> HttpResponse:
    # An empty POST is still a submission: bind the form so it shows its errors.
    form = PersonForm(request.POST if request.method == "POST" else None)
    candidates: list[selectors.DuplicateCandidate] = []
    if request.method == "POST" and form.is_valid():
        person, candidates = register_person(request, form, created_via=CreatedVia.STAFF)
        if person is not None:
            return redirect("cases:case_new", public_id=person.public_id)
    return render(
        request,
        "cases/person_new.html",
        _context(request, form=form, candidates=candidates),
    )


def register_person(
    request: HttpRequest, form: PersonForm, *, created_via: CreatedVia
) -> tuple[Person | None, list[selectors.DuplicateCandidate]]:
    """Duplicates first, then register: shared by the case pages and the line console.

    Returns the new person, or None with the candidates she may already be (each
    shown candidate is a read, so it is logged) or with the form's errors set.
    """
    data = form.cleaned_data
    candidates = selectors.person_duplicates(
        name=data["name"], phone=data["phone"], email=data["email"], birth_year=data["birth_year"]
    )
    if candidates and not data["confirm_new"]:
        for candidate in candidates:
            access_log_view(request=request, obj=candidate.person, detail={"via": "duplicates"})
        return None, candidates
    try:
        person = services.person_register(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            birth_year=data["birth_year"],
            municipality=data["municipality"],
            employer=data["employer"],
            code_name=data["code_name"],
            contact=form.contact_choices(),
            safe_from=data["safe_from"],
            safe_until=data["safe_until"],
            what_may_be_said=data["what_may_be_said"],
            created_via=created_via,
            actor=request.user,
        )
    except ValidationError as error:
        _add_errors(form, error)
        return None, candidates
    messages.success(request, _("Registrada con el folio %(folio)s.") % {"folio": person.folio})
    return person, candidates


@require_GET
@staff_required(*CASE_ROLES)
def person_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    person = selectors.person_for_staff(user=user, public_id=public_id)
    access_log_view(request=request, obj=person)
    cases = selectors.cases_visible_to(user).filter(person=person).prefetch_related("matters")
    contacts = selectors.contacts_visible_to(user).filter(person=person).order_by("-started_at")
    from cercania.scheduling.staff_selectors import appointments_visible_to

    appointments = appointments_visible_to(user).filter(person=person).order_by("-starts_at")
    return render(
        request,
        "cases/person_detail.html",
        _context(
            request,
            person=person,
            cases=cases,
            contacts=contacts,
            appointments=appointments,
            consents=_consents_of(person),
            stale=selectors.preferences_stale(person),
            same_company=_same_company_warning(person),
        ),
    )


def _consents_of(person: Person) -> list[Any]:
    try:
        from cercania.privacy.selectors import consents_of  # type: ignore[attr-defined]
    except ImportError:
        return []
    return list(consents_of(person=person))


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def person_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    person = selectors.person_for_staff(user=_user(request), public_id=public_id)
    form = PersonEditForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_update(
                person=Person.objects.get(pk=person.pk),
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                birth_year=data["birth_year"],
                municipality=data["municipality"],
                employer=data["employer"],
                actor=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Datos actualizados."))
            return redirect("cases:person", public_id=person.public_id)
    else:
        access_log_view(request=request, obj=person)
    return render(request, "cases/person_edit.html", _context(request, person=person, form=form))


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES, Role.LINEA)
def person_preferences(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    if roles_of(user) & set(CONSOLE_ROLES):
        # The console roles confirm what is safe with any caller.
        person = selectors.person_by_public_id(public_id)
    else:
        person = selectors.person_for_staff(user=user, public_id=public_id)
    form = PreferencesForm(request.POST or None, instance=person)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back not in ("console", "person"):
        back = "person" if Role.LINEA not in roles_of(user) else "console"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.person_confirm_preferences(
            person=Person.objects.get(pk=person.pk),
            contact=form.contact_choices(),
            safe_from=data["safe_from"],
            safe_until=data["safe_until"],
            what_may_be_said=data["what_may_be_said"],
            code_name=data["code_name"],
            actor=request.user,
        )
        messages.success(request, _("Preferencias de contacto confirmadas con ella."))
        if back == "console":
            return redirect("cases:console_person", public_id=person.public_id)
        return redirect("cases:person", public_id=person.public_id)
    if request.method == "GET":
        access_log_view(request=request, obj=person, detail={"fields": PreferencesForm.Meta.fields})
    return render(
        request,
        "cases/person_preferences.html",
        _context(
            request, person=person, form=form, back=back, stale=selectors.preferences_stale(person)
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def person_consent(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """She gives a consent to staff: recorded under the notice in force, with the
    staff member as the one who recorded it."""
    person = selectors.person_for_staff(user=_user(request), public_id=public_id)
    notice = current_privacy_notice(kind=PrivacyNotice.Kind.SIMPLIFIED)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if notice is None:
            form.add_error(None, _("No hay un aviso de privacidad vigente: avisa a coordinación."))
        else:
            try:
                consent_give(
                    person=person,
                    purpose=form.cleaned_data["purpose"],
                    institution=form.cleaned_data["institution"],
                    notice_version=notice.version,
                    recorded_by=_user(request),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Consentimiento registrado."))
                return redirect("cases:person", public_id=person.public_id)
    if request.method == "GET":
        access_log_view(request=request, obj=person, detail={"via": "consent"})
    return render(
        request,
        "cases/person_consent.html",
        _context(request, person=person, form=form, notice=notice),
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.COORDINACION)
def person_merge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    target = selectors.person_for_staff(user=user, public_id=public_id)
    form = MergeForm(request.POST or None)
    source = None
    counts: dict[str, int] = {}
    if request.method == "POST" and form.is_valid():
        source = Person.objects.filter(folio=form.cleaned_data["folio"]).first()
        if source is None:
            form.add_error("folio", _("No hay ningún registro con ese folio."))
        elif source.pk == target.pk:
            form.add_error("folio", _("Es el mismo registro."))
            source = None
        elif request.POST.get("confirm") == "yes":
            result = services.person_merge(source=source, target=target, actor=request.user)
            messages.success(
                request,
                _("Registros fusionados: %(count)s registros relacionados pasaron a %(folio)s.")
                % {"count": result.total, "folio": result.target.folio},
            )
            return redirect("cases:person", public_id=target.public_id)
        else:
            access_log_view(request=request, obj=source, detail={"via": "merge"})
            counts = {
                "cases": source.cases.count(),
                "contacts": source.contacts.count(),
                "appointments": source.appointments.count(),
            }
    access_log_view(request=request, obj=target, detail={"via": "merge"})
    return render(
        request,
        "cases/person_merge.html",
        _context(request, target=target, source=source, form=form, counts=counts),
    )


# ---------------------------------------------------------------- cases


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def case_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    # Any person: she may have just been registered, or found as a duplicate candidate.
    person = selectors.person_by_public_id(public_id)
    areas = set(Area.values) if selectors.is_coordinator(user) else selectors.areas_of(user)
    form = CaseOpenForm(
        request.POST or None,
        areas=areas,
        initial={"assignee": user.public_id, "area": next(iter(sorted(areas)), "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = services.case_open(
            person=person,
            area=data["area"],
            matters=data["matters"],
            assignee=data["assignee"],
            restricted=data["restricted"],
            actor=user,
        )
        if case.area == Area.VIOLENCE:
            services.risk_assessment_request(case=case, actor=user)
        messages.success(request, _("Expediente %(folio)s abierto.") % {"folio": case.folio})
        if selectors.cases_visible_to(user).filter(pk=case.pk).exists():
            return redirect("cases:case", public_id=case.public_id)
        return redirect("cases:list")
    access_log_view(request=request, obj=person, detail={"via": "case_new"})
    return render(request, "cases/case_new.html", _context(request, person=person, form=form))


@require_GET
@staff_required(*CASE_ROLES)
def case_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    access_log_view(request=request, obj=case)
    access_log_view(request=request, obj=case.person, detail={"via": "case"})
    record = (
        ViolenceRecord.objects.filter(case=case).prefetch_related("types", "modalities").first()
    )
    trend = selectors.risk_trend(case)
    latest = trend[-1].assessment if trend else None
    return render(
        request,
        "cases/case_detail.html",
        _context(
            request,
            case=case,
            person=case.person,
            matters=list(case.matters.all()),
            record=record,
            trend=trend,
            latest_high=latest is not None and latest.level == RiskLevel.HIGH,
            pending=case.risk_assessments.filter(status=RiskAssessment.Status.PENDING).first(),
            referrals=case.referrals.select_related("institution"),
            follow_ups=case.follow_ups.filter(done_at__isnull=True).select_related("assignee"),
            timeline=selectors.case_timeline(case),
            viewers=selectors.case_viewers(case),
            stale=selectors.preferences_stale(case.person),
            same_company=_same_company_warning(case.person),
            can_take=case.assignee_id is None and not case.is_closed,
            **_safety_lines(),
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def case_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    form = CaseEditForm(
        request.POST or None,
        case=case,
        initial={
            "status": case.status if not case.is_closed else Case.Status.OPEN,
            "matters": list(case.matters.all()),
            "assignee": case.assignee.public_id if case.assignee else None,
            "restricted": case.restricted,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_update(
                case=case,
                matters=data["matters"],
                assignee=data["assignee"],
                restricted=data["restricted"],
                status=data["status"],
                actor=user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Expediente actualizado."))
            if selectors.cases_visible_to(user).filter(pk=case.pk).exists():
                return redirect("cases:case", public_id=case.public_id)
            return redirect("cases:list")
    else:
        access_log_view(request=request, obj=case, detail={"via": "edit"})
    return render(request, "cases/case_edit.html", _context(request, case=case, form=form))


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def case_close(request: HttpRequest, public_id: UUID) -> HttpResponse:
    case = selectors.case_for_staff(user=_user(request), public_id=public_id)
    form = CaseCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.case_close(case=case, outcome=form.cleaned_data["outcome"], actor=request.user)
        messages.success(request, _("Expediente %(folio)s cerrado.") % {"folio": case.folio})
        return redirect("cases:case", public_id=case.public_id)
    return render(request, "cases/case_close.html", _context(request, case=case, form=form))


@require_POST
@staff_required(*CASE_ROLES)
def case_take(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    try:
        services.case_take(case=case, actor=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ahora este expediente está asignado a ti."))
    return redirect("cases:case", public_id=case.public_id)


# ---------------------------------------------------------------- contacts


def _contact_initial(**extra: Any) -> dict[str, Any]:
    now = timezone.localtime()
    return {"day": now.date(), "start": now.time().replace(second=0, microsecond=0), **extra}


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def contact_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    line = Service.objects.filter(code=selectors.SERVICE_CODE_BY_AREA.get(case.area, "")).first()
    form = ContactForm(
        request.POST or None,
        initial=_contact_initial(kind=Contact.Kind.PHONE_SESSION, line=line.code if line else None),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.contact_record(
            staff=user,
            kind=data["kind"],
            started_at=form.started_at(),
            duration_minutes=data["duration_minutes"],
            result=data["result"],
            summary=data["summary"],
            line=data["line"],
            case=case,
        )
        messages.success(request, _("Contacto registrado en %(folio)s.") % {"folio": case.folio})
        return redirect("cases:case", public_id=case.public_id)
    return render(request, "cases/contact_new.html", _context(request, case=case, form=form))


@require_GET
@staff_required(*CASE_ROLES)
def contact_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    contact = selectors.contact_for_staff(user=_user(request), public_id=public_id)
    access_log_view(request=request, obj=contact)
    return render(request, "cases/contact_detail.html", _context(request, contact=contact))


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def contact_link(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    contact = selectors.contact_for_staff(user=user, public_id=public_id)
    form = ContactLinkForm(
        request.POST or None,
        initial={"folio": contact.person.folio if contact.person else ""},
    )
    if request.method == "POST" and form.is_valid():
        person = Person.objects.filter(folio=form.cleaned_data["folio"]).first()
        case = None
        if person is None:
            form.add_error("folio", _("No hay ninguna usuaria con ese folio."))
        elif form.cleaned_data["case"]:
            case = (
                selectors.cases_visible_to(user)
                .filter(folio=form.cleaned_data["case"], person=person)
                .first()
            )
            if case is None:
                form.add_error("case", _("No encontramos ese expediente de esta usuaria."))
        if person is not None and not form.errors:
            try:
                services.contact_link(contact=contact, person=person, case=case, actor=user)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Contacto vinculado."))
                if case is not None:
                    return redirect("cases:case", public_id=case.public_id)
                return redirect("cases:contact", public_id=contact.public_id)
    return render(request, "cases/contact_link.html", _context(request, contact=contact, form=form))


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def contact_from_appointment(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """After "atendida" in the agenda: the contact form, prefilled from the session."""
    from cercania.scheduling.models import Appointment
    from cercania.scheduling.staff_selectors import appointment_for_staff

    user = _user(request)
    appointment = appointment_for_staff(user=user, public_id=public_id)
    existing = Contact.objects.filter(appointment=appointment).first()
    if existing is not None:
        messages.info(request, _("Esta sesión ya tiene su contacto registrado."))
        return redirect("cases:contact", public_id=existing.public_id)
    if appointment.status != Appointment.Status.ATTENDED:
        messages.error(request, _("Primero marca la cita como atendida."))
        return redirect("agenda:mine")
    area = selectors.area_of_service(appointment.service) or Area.LEGAL
    cases = list(
        selectors.cases_visible_to(user)
        .filter(person=appointment.person, area=area)
        .exclude(status=Case.Status.CLOSED)
    )
    local_start = timezone.localtime(appointment.starts_at)
    kind = (
        Contact.Kind.VIDEO_SESSION
        if appointment.modality == "video"
        else Contact.Kind.PHONE_SESSION
    )
    form = AppointmentContactForm(
        request.POST or None,
        cases=cases,
        initial={
            "kind": kind,
            "line": appointment.service.code,
            "day": local_start.date(),
            "start": local_start.time(),
            "duration_minutes": int(
                (appointment.ends_at - appointment.starts_at).total_seconds() // 60
            ),
            "case": str(cases[0].public_id) if cases else AppointmentContactForm.NEW,
            "result": Contact.Result.ORIENTATION,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = form.chosen_case()
        if case is None:
            case = services.case_open(
                person=appointment.person,
                area=area,
                matters=data["matters"],
                assignee=user,
                actor=user,
            )
        contact = services.contact_record(
            staff=user,
            kind=data["kind"],
            started_at=form.started_at(),
            duration_minutes=data["duration_minutes"],
            result=data["result"],
            summary=data["summary"],
            line=data["line"],
            case=case,
            appointment=appointment,
        )
        messages.success(
            request, _("Sesión registrada en el expediente %(folio)s.") % {"folio": case.folio}
        )
        return redirect(
            "cases:case", public_id=contact.case.public_id if contact.case else case.public_id
        )
    access_log_view(request=request, obj=appointment.person, detail={"via": "appointment"})
    return render(
        request,
        "cases/contact_from_appointment.html",
        _context(
            request,
            appointment=appointment,
            person=appointment.person,
            form=form,
            stale=selectors.preferences_stale(appointment.person),
        ),
    )


# ---------------------------------------------------------------- violence record


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def violence_record(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    if case.area != Area.VIOLENCE:
        raise Http404
    current = ViolenceRecord.objects.filter(case=case).first()
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {
            "types": list(current.types.all()),
            "modalities": list(current.modalities.all()),
            "aggressor_relation": current.aggressor_relation.code
            if current.aggressor_relation
            else None,
            "aggressor_same_company": current.aggressor_same_company,
            "gbvims_type": current.gbvims_type,
        }
    form = ViolenceRecordForm(request.POST or None, current=current, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.violence_record_save(
            case=case,
            types=data["types"],
            modalities=data["modalities"],
            aggressor_relation=data["aggressor_relation"],
            aggressor_same_company=data["aggressor_same_company"],
            gbvims_type=data["gbvims_type"],
            actor=user,
        )
        messages.success(request, _("Registro de violencia guardado."))
        return redirect("cases:case", public_id=case.public_id)
    access_log_view(request=request, obj=case, detail={"via": "violence_record"})
    return render(request, "cases/violence_record.html", _context(request, case=case, form=form))


# ---------------------------------------------------------------- risk screening


@require_http_methods(["GET", "POST"])
@staff_required(Role.VIOLENCIA, Role.COORDINACION)
def risk_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    if case.area != Area.VIOLENCE:
        raise Http404
    instrument = selectors.risk_instrument_current()
    if instrument is None:
        messages.error(request, _("No hay un instrumento de riesgo vigente: avisa a coordinación."))
        return redirect("cases:case", public_id=case.public_id)
    form = RiskForm(request.POST or None, instrument=instrument)
    refused_high = None
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.risk_assessment_complete(
                case=case,
                instrument=instrument,
                answers=form.answers(),
                actions=form.actions(),
                action_notes=form.cleaned_data["action_notes"],
                actor=user,
            )
        except services.HighRiskWithoutAction as error:
            refused_high = services.risk_score(instrument=instrument, answers=form.answers())
            _add_errors(form, error)
        else:
            if assessment.level == RiskLevel.HIGH:
                messages.warning(
                    request,
                    _(
                        "Riesgo ALTO. Mantén a la vista el 911 y la línea de atención "
                        "a la violencia."
                    ),
                )
            else:
                messages.success(request, _("Tamizaje guardado."))
            return redirect(
                "cases:risk", public_id=case.public_id, assessment_id=assessment.public_id
            )
    access_log_view(request=request, obj=case, detail={"via": "risk"})
    return render(
        request,
        "cases/risk_new.html",
        _context(
            request,
            case=case,
            form=form,
            instrument=instrument,
            refused_high=refused_high,
            trend=selectors.risk_trend(case),
            **_safety_lines(),
        ),
    )


@require_GET
@staff_required(Role.VIOLENCIA, Role.COORDINACION)
def risk_detail(request: HttpRequest, public_id: UUID, assessment_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    assessment = selectors.risk_assessment_for_staff(user=user, case=case, public_id=assessment_id)
    access_log_view(request=request, obj=case, detail={"via": "risk"})
    answers = selectors.risk_answers(assessment)
    items = list(assessment.instrument.items.all()) if assessment.instrument else []
    return render(
        request,
        "cases/risk_detail.html",
        _context(
            request,
            case=case,
            assessment=assessment,
            rows=[(item, answers.get(item.number, False)) for item in items],
            trend=selectors.risk_trend(case),
            high=assessment.level == RiskLevel.HIGH,
            **_safety_lines(),
        ),
    )


# ---------------------------------------------------------------- referrals


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def referral_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    can_override = selectors.is_coordinator(user)
    form = ReferralForm(request.POST or None, can_override=can_override)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_create(
                case=case,
                institution=data["institution"],
                reason=data["reason"],
                shares_data=data["shares_data"],
                follow_up_on=data["follow_up_on"],
                override_reason=data.get("override_reason", ""),
                consent_given_now=data["consent_given_now"],
                actor=user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if referral.basis == Referral.Basis.OVERRIDE:
                messages.warning(
                    request, _("Canalización enviada como excepción: quedó en la bitácora.")
                )
            else:
                messages.success(request, _("Canalización registrada."))
            return redirect("cases:case", public_id=case.public_id)
    return render(
        request,
        "cases/referral_new.html",
        _context(request, case=case, form=form, can_override=can_override),
    )


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def referral_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    referral = selectors.referral_for_staff(user=user, public_id=public_id)
    form = ReferralStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update_status(
                referral=referral,
                status=form.cleaned_data["status"],
                rejection_reason=form.cleaned_data["rejection_reason"],
                actor=user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Estado de la canalización actualizado."))
            return redirect("cases:case", public_id=referral.case.public_id)
    access_log_view(request=request, obj=referral.case, detail={"via": "referral"})
    return render(
        request,
        "cases/referral_detail.html",
        _context(request, referral=referral, case=referral.case, form=form),
    )


# ---------------------------------------------------------------- follow-ups


@require_http_methods(["GET", "POST"])
@staff_required(*CASE_ROLES)
def follow_up_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    case = selectors.case_for_staff(user=user, public_id=public_id)
    form = FollowUpForm(
        request.POST or None,
        initial={"assignee": (case.assignee or user).public_id},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.follow_up_create(
            case=case,
            task=data["task"],
            due_on=data["due_on"],
            assignee=data["assignee"],
            actor=user,
        )
        messages.success(request, _("Seguimiento agendado."))
        return redirect("cases:case", public_id=case.public_id)
    return render(request, "cases/follow_up_new.html", _context(request, case=case, form=form))


@require_POST
@staff_required(*CASE_ROLES)
def follow_up_done(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = _user(request)
    follow_up = selectors.follow_up_for_staff(user=user, public_id=public_id)
    services.follow_up_done(follow_up=follow_up, actor=user)
    messages.success(request, _("Seguimiento hecho."))
    if request.POST.get("next") == "work":
        return redirect("cases:my_work")
    if selectors.cases_visible_to(user).filter(pk=follow_up.case_id).exists():
        return redirect("cases:case", public_id=follow_up.case.public_id)
    return redirect("cases:my_work")
