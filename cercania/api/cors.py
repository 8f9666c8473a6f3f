"""CORS for the browser origins in settings.API_CORS_ORIGINS, and for no other.

No wildcard and no credentials: the API uses no cookies, so a browser page of a
configured site may read answers, and any other page gets no CORS headers at all
(its script cannot read the answer; a preflight is refused).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers

from . import errors

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Idempotency-Key"
EXPOSED_HEADERS = "Retry-After"
PREFLIGHT_MAX_AGE = "600"


def origin_allowed(origin: str | None) -> bool:
    if not origin or origin in ("null", "*"):
        return False
    return origin in {o.rstrip("/") for o in settings.API_CORS_ORIGINS}


def with_cors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)  # keeps csrf_exempt: the API has no cookies, so no CSRF token either
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        origin = request.headers.get("Origin")
        allowed = origin_allowed(origin)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            if allowed:
                response: HttpResponse = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
                response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
                response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
            else:
                response = JsonResponse(
                    {"detail": "origin_not_allowed", "message": errors.ORIGIN_NOT_ALLOWED},
                    status=403,
                )
        else:
            response = view(request, *args, **kwargs)
        if allowed:
            assert origin is not None
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        patch_vary_headers(response, ["Origin"])
        return response

    return wrapped
