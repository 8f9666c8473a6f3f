from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import emergency_lines, institute_profile


def institute(request: HttpRequest) -> dict[str, Any]:
    # Lazy: staff pages and the admin that never show the profile do not query it.
    return {
        "institute": SimpleLazyObject(institute_profile),
        "emergency_lines": SimpleLazyObject(lambda: list(emergency_lines())),
    }
