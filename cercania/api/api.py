"""The NinjaAPI instance of v1: parser, error handlers, rate limits and the docs page.

No input may produce a 5xx: every way a request can be wrong (not JSON, not UTF-8,
too big, wrong types, a naive time) ends in a 4xx body that names the field, with a
machine code and a Spanish sentence (errors.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from cercania.scheduling.services import SlotUnavailable

from . import errors, views
from .errors import FieldProblem, InvalidInput


class NotJson(ValueError):
    pass


class JsonOnlyParser(Parser):
    """Bodies must say they are JSON.

    A cross-site HTML form can only send urlencoded, multipart or text/plain bodies;
    insisting on application/json keeps such a form from booking in a visitor's name
    (the API has no cookies to steal, but her IP would be the one rate-limited).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise NotJson(request.content_type)
        return json.loads(request.body)  # type: ignore[no-any-return]


class Utf8JsonRenderer(JSONRenderer):
    # "Asesoría", not "Asesor\u00eda": the body is UTF-8 (charset in Content-Type).
    json_dumps_params = {"ensure_ascii": False}


class SwaggerFromTheApp(DocsBase):
    """Swagger UI with its assets served by the app (static/api/): no CDN, no inline script."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "api/docs.html",
            {"title": api.title, "openapi_url": self.get_openapi_url(api, kwargs)},
        )


api = NinjaAPI(
    title="Cercanía — API pública v1",
    version="1",
    description=(
        "Horarios, líneas y citas del instituto. Fechas y horas en ISO 8601 con la zona "
        "del instituto; errores con un código para programas y un mensaje en español."
    ),
    urls_namespace="api-v1",
    parser=JsonOnlyParser(),
    renderer=Utf8JsonRenderer(),
    docs=SwaggerFromTheApp(),
)


def _json(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    return api.create_response(request, body, status=status)


def invalid_input(request: HttpRequest, problems: list[FieldProblem]) -> HttpResponse:
    return _json(request, errors.invalid_input_body(problems), 422)


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return _json(request, {"detail": "not_found", "message": errors.NOT_FOUND}, 404)


@api.exception_handler(NinjaValidationError)
def _on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return invalid_input(request, [errors.from_pydantic(e) for e in exc.errors])


@api.exception_handler(InvalidInput)
def _on_invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return invalid_input(request, list(exc.problems))


@api.exception_handler(DjangoValidationError)
def _on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    # A model's full_clean() refusing what the API let through: still her input.
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
    return invalid_input(
        request,
        [
            FieldProblem(field, "invalid", str(message))
            for field, messages in by_field.items()
            for message in messages
        ],
    )


@api.exception_handler(RequestDataTooBig)
def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return invalid_input(
        request, [FieldProblem("body", "body_too_large", "La solicitud es demasiado grande.")]
    )


@api.exception_handler(HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        # Ninja's "Cannot parse request body": not JSON, not UTF-8, or not declared JSON.
        if isinstance(exc.__cause__, NotJson):
            found = FieldProblem(
                "body", "not_json", "Envía el cuerpo como JSON (Content-Type: application/json)."
            )
        else:
            found = FieldProblem("body", "invalid_json", "El cuerpo no es JSON válido en UTF-8.")
        return invalid_input(request, [found])
    return _json(request, {"detail": "error", "message": str(exc)}, exc.status_code)


@api.exception_handler(Throttled)
def _on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _json(request, {"detail": "rate_limited", "message": errors.RATE_LIMITED}, 429)
    if exc.wait is not None:
        response["Retry-After"] = str(int(exc.wait))
    return response


@api.exception_handler(Http404)
def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found(request)


@api.exception_handler(SlotUnavailable)
def _on_slot_unavailable(request: HttpRequest, exc: SlotUnavailable) -> HttpResponse:
    return _json(request, {"detail": "slot_unavailable", "message": errors.SLOT_UNAVAILABLE}, 409)


api.add_router("", views.router)
