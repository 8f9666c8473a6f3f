"""The admin only for staff with a verified second factor, signed in through our login.

django_otp's OTPAdminSite refuses users who have not proved a second factor in this
session (has_permission). Its own login form is replaced by the staff login flow, so
there is one way in, throttled by django-axes, and no password-only door.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.admin import OTPAdminSite

from .access import is_verified


class StaffAdminSite(OTPAdminSite):
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(target, reverse("accounts:login"))
        if not is_verified(request.user):
            return redirect(
                f"{reverse('accounts:verify')}?{urlencode({REDIRECT_FIELD_NAME: target})}"
            )
        if self.has_permission(request):
            return redirect(target)  # already in: nothing to log in to
        # Verified but not allowed in (not staff): no login form would change that.
        raise PermissionDenied

    def logout(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        from .views import logout

        return logout(request)


def install() -> None:
    # admin.site is a lazy object that every app registers its ModelAdmins on; changing
    # its class keeps those registrations and the "admin" URL namespace.
    admin.site.__class__ = StaffAdminSite
