"""A small Spanish phonetic key for duplicate detection of names.

Names arrive as typed on a phone call: "Ximena"/"Jimena", "Yesenia"/"Llesenia",
"Hernández"/"Ernandes", "Velázquez"/"Belasques". The key folds the spellings that
sound alike in Mexican Spanish (b/v, s/z/c before e-i, ll/y, silent h, g/j before e-i,
qu/k/c) and drops the vowels after the first letter, like Soundex, so that a name
heard and written down by two different people usually gets one key.
"""

from __future__ import annotations

import re
import unicodedata

# Particles that carry no identity ("María de la Luz" ≈ "María Luz").
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "vda", "viuda"})

# Applied in order on a lower-case word without accents (ñ is kept apart first).
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"^x(?=[aeiou])", "j"),  # Ximena ≈ Jimena (Mexican usage)
        (r"ch", "1"),  # keep "ch" apart before "c"/"h" rules
        (r"ll", "y"),
        (r"qu(?=[ei])", "k"),
        (r"gu(?=[ei])", "2"),  # hard g (Guillermina), restored below
        (r"g(?=[ei])", "j"),
        (r"c(?=[ei])", "s"),
        (r"z", "s"),
        (r"c", "k"),
        (r"q", "k"),
        (r"v", "b"),
        (r"w", "b"),
        (r"h", ""),
        (r"x", "ks"),
        (r"y(?![aeiou])", "i"),  # "y" as a vowel: Yvonne, Eloy
        (r"ñ", "n"),
        (r"rr", "r"),
        (r"2", "g"),
    ]
]


def _fold(word: str) -> str:
    # Strip accents but keep ñ: "Peña" and "Pena" are different names, folded later.
    word = word.lower().replace("ñ", "\0")
    word = "".join(
        ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn"
    )
    return re.sub(r"[^a-z\0]", "", word).replace("\0", "ñ")


def word_key(word: str) -> str:
    folded = _fold(word)
    if not folded:
        return ""
    for pattern, replacement in _RULES:
        folded = pattern.sub(replacement, folded)
    if not folded:
        return ""
    head, tail = folded[0], re.sub(r"[aeiou]", "", folded[1:])
    key = head + tail
    return re.sub(r"(.)\1+", r"\1", key)  # double letters sound single


def name_keys(name: str) -> frozenset[str]:
    """The phonetic keys of the words of a name, particles left out."""
    words = re.split(r"[\s\-.,']+", name)
    return frozenset(
        key for word in words if word and _fold(word) not in PARTICLES and (key := word_key(word))
    )


def names_close(first: str, second: str) -> bool:
    """Two names sound alike: at least two words in common, or every word of the
    shorter one when it has a single word (an alias)."""
    a, b = name_keys(first), name_keys(second)
    if not a or not b:
        return False
    return len(a & b) >= min(2, len(a), len(b))
