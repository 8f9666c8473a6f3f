"""Text compared the way people read it: without case or accents."""

from __future__ import annotations

import unicodedata


def folded(text: str) -> str:
    """Case-folded, accents dropped: "Jurídico CERCANÍA" → "juridico cercania"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
