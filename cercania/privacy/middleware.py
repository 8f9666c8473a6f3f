"""Remember where the current request comes from, for the audit trail.

Services record who did what without taking a request argument; the IP reaches
audit_record through this context variable, set for the length of each request.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

current_request_ip: ContextVar[str] = ContextVar("current_request_ip", default="")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request_ip.set(str(request.META.get("REMOTE_ADDR") or ""))
        try:
            return self.get_response(request)
        finally:
            current_request_ip.reset(token)
