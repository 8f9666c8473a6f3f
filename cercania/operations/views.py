from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
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

    503 only when the database is down: then nothing works. A stale worker, an
    unreachable mail server or an audit copy that cannot be written makes the body say
    "degraded" but keeps 200, because the site still books (messages wait in the queue,
    the audit rows are in the database) and a load balancer must not take it out of
    service for that; monitor the body for those.
    """
    if not health.database_ok():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    worker = health.worker_health()
    mail = health.mail_health()
    audit_copy = health.audit_copy_health()
    degraded = (
        worker.status != "ok"
        or mail["status"] == "unreachable"
        or audit_copy["status"] == "unreachable"
    )
    return JsonResponse(
        {
            "status": "degraded" if degraded else "ok",
            "database": "ok",
            "worker": worker.as_json(),
            "mail": mail,
            "audit_copy": audit_copy,
        }
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without its valid token.

    It happens to her when a page stayed open after the browser closed (the CSRF cookie
    lives only that long), or after she signed in elsewhere, as much as on a forged
    post. Django's own page speaks of cookies and Referer headers and has no exit
    button; this one is a public page like the others. It says, neutrally, that what
    she just sent did not arrive and offers the same page again (the path only: the
    query and what she typed are never repeated). Django has already logged the refusal.

    The footer's language switch posts to its own address, which only redirects: the
    page to open again is the one she was reading, the form's ``next`` (a path of this
    site, as the footer writes it; anything else gives the home page).
    """
    switching_language = request.path == reverse("set_language")
    again = urlsplit(request.POST.get("next", "")).path if switching_language else request.path
    if not url_has_allowed_host_and_scheme(again, allowed_hosts={request.get_host()}):
        again = "/" if switching_language else ""
    return render(request, "403_csrf.html", {"again_url": again}, status=403)


# Seconds a client should wait before trying again while the database is away.
DATABASE_OUTAGE_RETRY_AFTER = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler (handler500): a database that cannot be reached is a 503.

    While PostgreSQL is down or restarting, every request fails with OperationalError
    (or InterfaceError on a connection it closed). That is an outage, not a bug: she
    gets the calm "try again in a few minutes" page (templates/503.html) and clients of
    the API a JSON 503, both with Retry-After. Like Django's own handler it renders
    without a request context, so nothing here touches the database, and the error
    itself only goes to the log. Anything else is the ordinary 500 page.
    """
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return defaults.server_error(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        from cercania.api import errors

        response = JsonResponse(
            {"detail": "service_unavailable", "message": errors.SERVICE_UNAVAILABLE},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        try:
            body = loader.get_template("503.html").render()
        except Exception:  # the template itself is broken: still an outage page
            body = "<h1>Servicio no disponible</h1>"
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(DATABASE_OUTAGE_RETRY_AFTER)
    return response
