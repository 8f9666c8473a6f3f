from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cercania.accounts.access import staff_required
from cercania.accounts.roles import Role

from .forms import AUDIT_LOG_OBJECT_TYPE, AuditLogFilterForm, known_object_types
from .models import AuditEvent
from .selectors import audit_events_search
from .services import audit_record

PAGE_SIZE = 50


@require_GET
@staff_required(Role.COORDINACION)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditLogFilterForm(request.GET or None)
    events: QuerySet[AuditEvent]
    if form.is_bound and not form.is_valid():
        events = AuditEvent.objects.none()
    else:
        filters = form.cleaned_data if form.is_bound else {}
        events = audit_events_search(
            actor=filters.get("actor"),
            action=filters.get("action", ""),
            object_type=filters.get("object_type", ""),
            object_public_id=filters.get("object_id", ""),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # Reading the trail is itself an access: who searched for what is logged too.
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        object_type=AUDIT_LOG_OBJECT_TYPE,
        request=request,
        detail={"filters": form.used_filters(), "page": page.number},
    )
    return render(
        request,
        "privacy/audit_log.html",
        {"form": form, "page": page, "events": rows, "object_types": known_object_types()},
    )
