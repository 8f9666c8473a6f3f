from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.http import require_GET

from . import health

logger = logging.getLogger(__name__)


def exit_now(request: HttpRequest) -> HttpResponse:
    """The exit button: forget this visit and leave for a neutral site.

    Any method is accepted (the button is a plain link; Shift×3 navigates here). The
    target is always the configured one: nothing in the request can choose it.
    """
    request.session.flush()
    response = HttpResponseRedirect(settings.EXIT_URL)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    response["Cache-Control"] = "no-store, max-age=0"
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Public health check for monitoring (docs/operations.md).

    503 only when the database is down: then nothing works. A stale worker or an
    unreachable mail server makes the body say "degraded" but keeps 200, because the
    site still books (messages wait in the queue) and a load balancer must not take
    it out of service for that; monitor the body for those.
    """
    if not health.database_ok():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    worker = health.worker_health()
    mail = health.mail_health()
    degraded = worker.status != "ok" or mail["status"] == "unreachable"
    return JsonResponse(
        {
            "status": "degraded" if degraded else "ok",
            "database": "ok",
            "worker": worker.as_json(),
            "mail": mail,
        }
    )
