from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .public_profile import public_profile


def institute(request: HttpRequest) -> dict[str, Any]:
    # Lazy: staff pages and the admin that never show the profile do not read it.
    return {
        "institute": SimpleLazyObject(lambda: public_profile().institute),
        "emergency_lines": SimpleLazyObject(lambda: list(public_profile().emergency_lines)),
    }
