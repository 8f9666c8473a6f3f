"""Error bodies of the public API: a machine code beside a Spanish sentence.

Clients branch on `detail` and on each field's `code`; the `message` is written for
the person in front of the client (the municipal site, a WhatsApp assistant) and is
always Spanish, whatever the request says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

NOT_FOUND = "No encontramos lo que buscas."
SLOT_UNAVAILABLE = "Esa hora ya no está disponible. Consulta los horarios otra vez y elige otra."
RATE_LIMITED = "Hiciste demasiadas solicitudes. Espera un momento e intenta de nuevo."
INVALID_INPUT = "Revisa los datos marcados."
SERVICE_UNAVAILABLE = (
    "El servicio no está disponible por un momento. Intenta de nuevo en unos minutos."
)
ORIGIN_NOT_ALLOWED = "Este sitio no tiene permiso para usar la API desde el navegador."


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class InvalidInput(Exception):
    """Input that parsed but makes no sense for this request (answered with 422)."""

    def __init__(self, *problems: FieldProblem) -> None:
        super().__init__(problems)
        self.problems = problems


def problem(code: str, message: str) -> PydanticCustomError:
    """A pydantic error whose type is our machine code and whose message is ours."""
    return PydanticCustomError(code, message, {"ours": True})


# Pydantic's error types, renamed to our codes, with a Spanish sentence each.
_PYDANTIC: dict[str, tuple[str, str]] = {
    "missing": ("required", "Este dato es obligatorio."),
    "string_type": ("not_a_string", "Debe ser texto."),
    "string_too_short": ("too_short", "Debe tener al menos {min_length} caracteres."),
    "string_too_long": ("too_long", "Debe tener como máximo {max_length} caracteres."),
    "too_short": ("too_short", "Debe tener al menos {min_length} caracteres."),
    "too_long": ("too_long", "Debe tener como máximo {max_length} caracteres."),
    "string_pattern_mismatch": ("invalid_format", "El formato no es válido."),
    "string_unicode": ("invalid_characters", "Contiene caracteres no permitidos."),
    "bool_type": ("not_a_boolean", "Debe ser true o false."),
    "bool_parsing": ("not_a_boolean", "Debe ser true o false."),
    "literal_error": ("invalid_choice", "Debe ser uno de estos valores: {expected}."),
    "enum": ("invalid_choice", "Debe ser uno de estos valores: {expected}."),
    "model_type": ("not_an_object", "Debe ser un objeto JSON."),
    "model_attributes_type": ("not_an_object", "Debe ser un objeto JSON."),
    "dict_type": ("not_an_object", "Debe ser un objeto JSON."),
    "date_type": ("invalid_date", "Escribe una fecha como 2026-12-01."),
    "date_from_datetime_parsing": ("invalid_date", "Escribe una fecha como 2026-12-01."),
    "date_parsing": ("invalid_date", "Escribe una fecha como 2026-12-01."),
    "datetime_type": (
        "invalid_datetime",
        "Escribe fecha y hora con zona horaria, como 2026-12-01T09:00:00-06:00.",
    ),
    "datetime_parsing": (
        "invalid_datetime",
        "Escribe fecha y hora con zona horaria, como 2026-12-01T09:00:00-06:00.",
    ),
}


def field_name(location: tuple[Any, ...]) -> str:
    """("body", "payload", "contact", "call") → "contact.call"; ("query", "from") → "from"."""
    parts = [str(p) for p in location]
    if parts[:1] == ["body"]:
        parts = parts[2:]  # the view's argument name carries no meaning for the client
    elif parts[:1] in (["query"], ["path"], ["header"]):
        parts = parts[1:]
    return ".".join(parts) or "body"


def from_pydantic(error: dict[str, Any]) -> FieldProblem:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    field = field_name(tuple(error.get("loc", ())))
    if kind in _PYDANTIC:
        code, template = _PYDANTIC[kind]
        if isinstance(context.get("expected"), str):
            context = {**context, "expected": context["expected"].replace(" or ", " o ")}
        try:
            message = template.format(**context)
        except (KeyError, IndexError, ValueError):
            message = template
        return FieldProblem(field, code, message)
    if context.get("ours"):
        # Raised by problem() above: its type is the code, its message is Spanish.
        return FieldProblem(field, kind, str(error.get("msg", "")))
    return FieldProblem(field, "invalid", "El valor no es válido.")


def invalid_input_body(problems: list[FieldProblem]) -> dict[str, Any]:
    return {
        "detail": "invalid_input",
        "message": INVALID_INPUT,
        "errors": [p.as_dict() for p in problems],
    }
