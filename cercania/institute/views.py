from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import PrivacyNotice
from .selectors import current_privacy_notice, public_services_with_status


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "institute/home.html", {"statuses": public_services_with_status()})


def safety(request: HttpRequest) -> HttpResponse:
    return render(request, "institute/safety.html")


def privacy_notice(request: HttpRequest, kind: str) -> HttpResponse:
    notice = current_privacy_notice(kind=kind)
    if notice is None:
        raise Http404
    other = (
        PrivacyNotice.Kind.INTEGRAL
        if kind == PrivacyNotice.Kind.SIMPLIFIED
        else PrivacyNotice.Kind.SIMPLIFIED
    )
    return render(
        request,
        "institute/privacy_notice.html",
        {
            "notice": notice,
            "paragraphs": [p.strip() for p in notice.body.split("\n\n") if p.strip()],
            "other_kind": other,
        },
    )
