"""The coordinator's ARCO pages: the queue, registering a request, its detail and
actions, and the export of everything held about her (access and portability).

Every page is for coordination only. Each read of a request (its text) and of her
record is logged; each export is audited with its format and size.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cercania.accounts.access import staff_required
from cercania.accounts.models import User
from cercania.accounts.roles import Role

from . import services
from .forms import ArcoAnswerForm, ArcoIdentifyForm, ArcoRegisterForm
from .models import ArcoRequest, ArcoStatus, AuditEvent
from .selectors import (
    arco_queue,
    arco_request_for_staff,
    arco_requests_answered,
    arco_requests_closed,
    person_dossier,
)

# The export is a document for her, in Spanish whatever the staff member's language.
EXPORT_LANGUAGE = "es-mx"


def _user(request: HttpRequest) -> User:
    # staff_required has already refused anonymous visitors.
    return request.user  # type: ignore[return-value]


def _detail(arco_request: ArcoRequest) -> HttpResponse:
    return redirect("arco:detail", public_id=arco_request.public_id)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_GET
@staff_required(Role.COORDINACION)
def queue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "privacy/arco_queue.html",
        {
            "today": today,
            "entries": arco_queue(today=today),
            "answered": list(arco_requests_answered()),
            "closed": arco_requests_closed(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.COORDINACION)
def register(request: HttpRequest) -> HttpResponse:
    form = ArcoRegisterForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            arco_request = services.arco_request_register(
                right=form.cleaned_data["right"],
                received_on=form.cleaned_data["received_on"],
                description=form.cleaned_data["description"],
                person=form.person,
                identity_checked=form.cleaned_data["identity_checked"],
                by=_user(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Solicitud registrada."))
            return _detail(arco_request)
    return render(request, "privacy/arco_register.html", {"form": form})


@require_GET
@staff_required(Role.COORDINACION)
def detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    arco_request = arco_request_for_staff(public_id=public_id)
    # The page shows her request in her words, and her record when linked.
    services.access_log_view(request=request, obj=arco_request)
    if arco_request.person is not None:
        services.access_log_view(request=request, obj=arco_request.person)
    events = AuditEvent.objects.filter(
        object_type=ArcoRequest._meta.label_lower, object_public_id=str(arco_request.public_id)
    ).order_by("occurred_at", "id")
    statuses = dict(ArcoStatus.choices)
    history = [(event, statuses.get(event.detail.get("status", ""), "")) for event in events]
    return render(
        request,
        "privacy/arco_detail.html",
        {
            "arco": arco_request,
            "identify_form": ArcoIdentifyForm(),
            "answer_form": ArcoAnswerForm(),
            "history": history,
            "Status": ArcoStatus,
            "can_identify": arco_request.status in (ArcoStatus.RECEIVED, ArcoStatus.EXTENDED),
            "can_extend": arco_request.status == ArcoStatus.RECEIVED
            and not arco_request.extension_used,
            "can_answer": arco_request.status in (ArcoStatus.RECEIVED, ArcoStatus.EXTENDED),
            "can_execute": arco_request.status == ArcoStatus.GRANTED,
            "can_close": arco_request.status in (ArcoStatus.DENIED, ArcoStatus.EXECUTED),
            "can_export": arco_request.gives_export
            and arco_request.person is not None
            and arco_request.status in (ArcoStatus.GRANTED, ArcoStatus.EXECUTED),
        },
    )


@require_POST
@staff_required(Role.COORDINACION)
def identify(request: HttpRequest, public_id: UUID) -> HttpResponse:
    arco_request = arco_request_for_staff(public_id=public_id)
    form = ArcoIdentifyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _detail(arco_request)
    try:
        services.arco_request_identify(
            arco_request=arco_request,
            person=form.person,
            identity_checked=form.cleaned_data["identity_checked"],
            by=_user(request),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Datos de identificación guardados."))
    return _detail(arco_request)


@require_POST
@staff_required(Role.COORDINACION)
def extend(request: HttpRequest, public_id: UUID) -> HttpResponse:
    arco_request = arco_request_for_staff(public_id=public_id)
    try:
        services.arco_request_extend(arco_request=arco_request, by=_user(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Plazo de respuesta ampliado."))
    return _detail(arco_request)


@require_POST
@staff_required(Role.COORDINACION)
def answer(request: HttpRequest, public_id: UUID) -> HttpResponse:
    arco_request = arco_request_for_staff(public_id=public_id)
    form = ArcoAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Elige la respuesta y escribe su fundamento."))
        return _detail(arco_request)
    service = (
        services.arco_request_grant
        if form.cleaned_data["decision"] == ArcoAnswerForm.GRANT
        else services.arco_request_deny
    )
    try:
        service(arco_request=arco_request, reason=form.cleaned_data["reason"], by=_user(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Respuesta registrada."))
    return _detail(arco_request)


@require_POST
@staff_required(Role.COORDINACION)
def execute(request: HttpRequest, public_id: UUID) -> HttpResponse:
    arco_request = arco_request_for_staff(public_id=public_id)
    try:
        services.arco_request_execute(arco_request=arco_request, by=_user(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Solicitud ejecutada."))
    return _detail(arco_request)


@require_POST
@staff_required(Role.COORDINACION)
def close(request: HttpRequest, public_id: UUID) -> HttpResponse:
    arco_request = arco_request_for_staff(public_id=public_id)
    try:
        services.arco_request_close(arco_request=arco_request, by=_user(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Solicitud cerrada."))
    return _detail(arco_request)


def _export(request: HttpRequest, public_id: UUID, export_format: str) -> HttpResponse:
    arco_request = arco_request_for_staff(public_id=public_id)
    person = arco_request.person
    if (
        person is None
        or not arco_request.gives_export
        or arco_request.status not in (ArcoStatus.GRANTED, ArcoStatus.EXECUTED)
    ):
        messages.error(
            request,
            _("La exportación se entrega en solicitudes de acceso o portabilidad procedentes."),
        )
        return _detail(arco_request)
    with translation.override(EXPORT_LANGUAGE):
        dossier = person_dossier(person)
        if export_format == "json":
            response = HttpResponse(
                dossier.as_json_text(), content_type="application/json; charset=utf-8"
            )
            # The file name carries the request's reference only, never her name.
            response["Content-Disposition"] = (
                f'attachment; filename="arco-{arco_request.reference}.json"'
            )
        else:
            response = HttpResponse(
                render_to_string(
                    "privacy/arco_export.html",
                    {"dossier": dossier, "arco": arco_request},
                    request=request,
                )
            )
    services.audit_export(
        request=request,
        export_format=export_format,
        rows=dossier.record_count,
        obj=person,
        filters={"arco": str(arco_request.public_id)},
    )
    return response


@require_GET
@staff_required(Role.COORDINACION)
def export_html(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _export(request, public_id, "html")


@require_GET
@staff_required(Role.COORDINACION)
def export_json(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _export(request, public_id, "json")
