"""A password validator for the words of this deployment (ASVS 6.1.2 and 6.2.11).

Whoever tries to guess a staff password starts with the names around it: the
institute's, its short name, its town, the system's. Django's validators know the
user's own attributes and twenty thousand common passwords, not these. The words
come from the institute's profile, so every deployment refuses its own.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cercania.lib.text import folded

# The system's own name, whatever the institute. (Generic words such as "contraseña"
# are left to the length rule: a long phrase holding one is not a guessable one.)
SYSTEM_WORDS = ("cercania",)
# Shorter words of a name ("de", "las", "del") are not worth refusing.
MIN_NAME_WORD = 4
# How people dress a word up in a password: "Muj3r3s" is still "mujeres".
LOOKALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})


def _letters(text: str) -> str:
    """Lower case, no accents, look-alike digits as letters, only the letters left."""
    return re.sub(r"[^a-z]", "", folded(text).translate(LOOKALIKES))


def context_words() -> list[str]:
    """The deployment's words, normalised like a password, longest first."""
    from cercania.institute.selectors import institute_profile

    words = set(SYSTEM_WORDS)
    profile = institute_profile()
    if profile is not None:
        # The short name ("IMM Chihuahua") is the first guess: its acronym counts too.
        words.update(w for w in (_letters(p) for p in profile.short_name.split()) if len(w) >= 3)
        for name in (profile.name, profile.municipality):
            words.update(
                w for w in (_letters(part) for part in name.split()) if len(w) >= MIN_NAME_WORD
            )
    return sorted(words, key=len, reverse=True)


class ContextWordsValidator:
    """Refuses a password that contains one of the deployment's words."""

    def validate(self, password: str, user: Any = None) -> None:
        letters = _letters(password)
        for word in context_words():
            if word in letters:
                raise ValidationError(
                    _(
                        "La contraseña no puede contener el nombre del instituto, de su "
                        "municipio o del sistema (como «%(word)s»): es lo primero que se "
                        "intenta para adivinarla."
                    ),
                    code="password_context_word",
                    params={"word": word},
                )

    def get_help_text(self) -> str:
        return _("No puede contener el nombre del instituto, de su municipio ni del sistema.")
