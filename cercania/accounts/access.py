"""Who may open a staff page: one decorator used by every staff view.

Anonymous → login; signed in without a verified second factor → the second-factor
step; signed in and verified but without one of the roles → 403. Objects outside a
user's scope are a selector's business and answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .roles import Role, roles_of

View = TypeVar("View", bound=Callable[..., HttpResponse])


def is_verified(user: Any) -> bool:
    # Set by django_otp's middleware: true only after a TOTP or recovery code this session.
    return bool(getattr(user, "is_verified", lambda: False)())


def staff_required(*roles: Role) -> Callable[[View], View]:
    """Require a verified staff user holding one of `roles` (any role when empty)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.path, reverse(settings.LOGIN_URL))
            if not is_verified(user):
                return redirect(reverse("accounts:verify"))
            held = roles_of(user)
            if not held or (roles and not held & set(roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.staff_roles = roles  # type: ignore[attr-defined]  # read by the authorisation matrix test
        return wrapped  # type: ignore[return-value]

    return decorator
