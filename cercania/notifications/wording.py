"""Neutral wording: what a message may say, and the deny-list it is checked against.

A message may be read on a shared phone by the person she is protecting herself
from, so it says only the day, the time, the modality, the reference code and the
links. The deny-list holds words that reveal what the appointment is about (the
institute, its services, violence, legal or psychological help) plus, read from the
database each time, the institute's name and short name, every service name and
every partner organisation. Matching ignores case and accents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cercania.lib.text import folded

# Stems: a word that starts with one of these is refused ("violen" catches violencia,
# violento, violentada). Written without accents: the text is compared unaccented.
DENIED_STEMS = (
    "violen",
    "abogad",
    "juridic",
    "psicolog",
    "psiquiatr",
    "asesor",
    "instituto",
    "mujer",
    "legal",
    "denunci",
    "maltrat",
    "agresi",
    "agresor",
    "abus",
    "victim",
    "terapi",
    "refugi",
    "albergue",
    "fiscal",
    "divorci",
    "pension alimenticia",
    "custodia",
    "patria potestad",
    "acoso",
    "hostigamiento",
    "trabajo social",
    "trabajadora social",
    "expediente",
    "ministerio publico",
    "orden de proteccion",
    "genero",
    "feminicid",
)
# Short words refused only as whole words.
DENIED_WORDS = ("imm", "dif", "cjm", "inmujeres")

# What a template may use. Subjects never carry her alias or a link: a subject is
# what a lock screen or a shared inbox shows.
PLACEHOLDERS = {
    "alias": gettext_lazy(
        "Su nombre o alias, como ella lo dio (solo en el texto, nunca en el asunto)."
    ),
    "dia": gettext_lazy("El día de la cita, p. ej. «martes 1 de diciembre»."),
    "hora": gettext_lazy("La hora de inicio, p. ej. «9:00»."),
    "modalidad": gettext_lazy("«llamada» o «videollamada»."),
    "referencia": gettext_lazy("El código de la cita."),
    "enlace": gettext_lazy("Su enlace para ver, cambiar o cancelar la cita."),
    "enlace_videollamada": gettext_lazy(
        "El enlace para entrar a la videollamada (vacío si es llamada)."
    ),
    "enlace_agendar": gettext_lazy("El enlace para agendar otra cita."),
}
SUBJECT_PLACEHOLDERS = {"dia", "hora", "modalidad", "referencia"}
BLOCK_TAGS = re.compile(r"^(if [a-z_]+|else|endif)$")

ENGINE = Engine(autoescape=False)


def normalise(text: str) -> str:
    """Lower case, no accents, single spaces: "Jurídico  Gratuito" → "juridico gratuito"."""
    return re.sub(r"\s+", " ", folded(text)).strip()


def dynamic_terms() -> list[str]:
    """The names this deployment must never write: institute, services, partners."""
    from cercania.institute.models import Institute, Service
    from cercania.partners.models import Organization

    terms: list[str] = []
    for institute in Institute.objects.all():
        terms += [institute.name, institute.short_name]
    terms += list(Service.objects.values_list("name", flat=True))
    terms += list(Organization.objects.values_list("name", flat=True))
    return [t for t in (normalise(term) for term in terms) if len(t) >= 3]


def _patterns(extra: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    found = [(stem, re.compile(rf"(?<![a-z0-9]){re.escape(stem)}")) for stem in DENIED_STEMS]
    found += [
        (word, re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])"))
        for word in (*DENIED_WORDS, *extra)
    ]
    return found


def denied_terms_in(text: str, *, extra: Iterable[str] | None = None) -> list[str]:
    """The deny-list entries found in `text` (empty when the text is neutral)."""
    plain = normalise(text)
    terms = dynamic_terms() if extra is None else list(extra)
    return [term for term, pattern in _patterns(terms) if pattern.search(plain)]


def _allowed_block(content: str, allowed: set[str]) -> bool:
    if not BLOCK_TAGS.match(content):
        return False
    return not content.startswith("if ") or content[3:] in allowed


def _check_tokens(source: str, allowed: set[str], field: str) -> None:
    for token in Lexer(source).tokenize():
        content = token.contents.strip()
        if token.token_type == TokenType.VAR:
            if content not in allowed:
                raise ValidationError(
                    {
                        field: _(
                            "«{{ %(name)s }}» no se puede usar aquí. Se pueden usar: %(allowed)s."
                        )
                        % {"name": content, "allowed": ", ".join(sorted(allowed))}
                    }
                )
        elif token.token_type == TokenType.BLOCK and not _allowed_block(content, allowed):
            raise ValidationError(
                {
                    field: _(
                        "Solo se permiten bloques «if dato», «else» y «endif» con los datos "
                        "de la lista."
                    )
                }
            )
    try:
        ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise ValidationError({field: _("La plantilla tiene un error: %s") % error}) from None


SAMPLE = {
    "alias": "Ana",
    "dia": "martes 1 de diciembre",
    "hora": "9:00",
    "modalidad": "videollamada",
    "referencia": "ABC234",
    "enlace": "https://example.invalid/cita/x/",
    "enlace_videollamada": "https://example.invalid/sala/",
    "enlace_agendar": "https://example.invalid/agendar/",
}


def validate_template(*, kind: str, fmt: str, subject: str, body: str) -> None:
    """Raise ValidationError unless the template is neutral and uses only known data."""
    from .models import TemplateFormat

    if fmt == TemplateFormat.TEXT and subject.strip():
        raise ValidationError({"subject": _("Los SMS y WhatsApp no llevan asunto.")})
    if fmt == TemplateFormat.EMAIL and not subject.strip():
        raise ValidationError({"subject": _("Escribe un asunto neutral, p. ej. «Tu cita».")})
    if "\n" in subject or "\r" in subject:
        raise ValidationError({"subject": _("El asunto va en una sola línea.")})
    _check_tokens(subject, SUBJECT_PLACEHOLDERS, "subject")
    _check_tokens(body, set(PLACEHOLDERS), "body")
    terms = dynamic_terms()
    for field, source in (("subject", subject), ("body", body)):
        rendered = render_source(source, SAMPLE)
        found = denied_terms_in(source, extra=terms) + denied_terms_in(rendered, extra=terms)
        if found:
            raise ValidationError(
                {
                    field: _(
                        "El texto no puede decir «%(term)s»: en un teléfono compartido revela "
                        "de qué es la cita. Usa solo día, hora, modalidad, referencia y enlaces."
                    )
                    % {"term": found[0]}
                }
            )


def render_source(source: str, context: Mapping[str, str]) -> str:
    text = ENGINE.from_string(source).render(Context(dict(context), autoescape=False))
    # {% if %} lines leave blank lines and trailing spaces behind.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


class WordingRefused(Exception):
    """A rendered message contains a denied word; it is not sent."""


def check_rendered(parts: Iterable[str], *, alias: str = "") -> None:
    """Refuse a rendered message that names anything on the deny-list.

    Her own alias is taken out first: it is hers, and she may have chosen anything.
    """
    terms = dynamic_terms()
    for part in parts:
        text = re.sub(rf"(?<!\w){re.escape(alias)}(?!\w)", " ", part) if alias.strip() else part
        found = denied_terms_in(text, extra=terms)
        if found:
            raise WordingRefused(found[0])
