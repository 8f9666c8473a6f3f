from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

register = template.Library()

# Minutes before the idle timeout at which the page warns her.
WARN_MINUTES = 5


@register.inclusion_tag("accounts/_idle_warning.html", takes_context=True)
def idle_warning(context: template.Context) -> dict[str, Any]:
    """The idle-timeout warning script, for the <head> of a signed-in staff page."""
    idle_minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
    warn_minutes = min(WARN_MINUTES, max(idle_minutes - 1, 1))
    return {
        "csrf_token": context.get("csrf_token", ""),
        "idle_seconds": idle_minutes * 60,
        "warn_seconds": warn_minutes * 60,
        "warn_minutes": warn_minutes,
    }
