"""Staff sign-in: password, then a second factor; her sessions; password reset."""

from __future__ import annotations

import logging
import uuid
from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device

from .access import is_verified, staff_required
from .forms import (
    EnrolmentForm,
    SecondFactorForm,
    StaffLoginForm,
    StaffPasswordResetForm,
    StaffSetPasswordForm,
)
from .models import User
from .roles import Role, roles_of
from .selectors import (
    recovery_codes_left,
    totp_device_confirmed,
    user_session_of,
    user_sessions_live,
)
from .services import (
    SecondFactorThrottled,
    recovery_code_display,
    staff_second_factor_verify,
    staff_totp_device_confirm,
    staff_totp_device_start,
    user_session_end,
    user_sessions_end_all,
)
from .tracking import current_user_session, record_login, rotate_session_key

logger = logging.getLogger(__name__)


def _next_url(request: HttpRequest) -> str:
    """The page she was going to, if it is one of ours."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


def _verified(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)
    rotate_session_key(request)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.user.is_authenticated and is_verified(request.user):
        return redirect(next_url or "accounts:home")
    form = StaffLoginForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        previous = current_user_session(request)
        user = form.get_user()
        auth_login(request, user)
        record_login(request, previous=previous)
        # Signed in by password only: every staff page still asks for the second factor.
        step = "accounts:verify" if totp_device_confirmed(user=user) else "accounts:enrol"
        return redirect(_with_next(step, next_url))
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked user+IP (AXES_LOCKOUT_CALLABLE); names nobody."""
    minutes = settings.LOGIN_COOLOFF_MINUTES
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


def _signed_in(request: HttpRequest) -> User | None:
    """Her account once the password step is done (verified or not)."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


THROTTLED = gettext_lazy("Demasiados códigos incorrectos. Espera un momento e inténtalo de nuevo.")
WRONG_ENROLMENT_CODE = gettext_lazy(
    "El código no es válido. Revisa que la hora del teléfono sea correcta e inténtalo de nuevo."
)


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    next_url = _next_url(request)
    if user is None:
        return redirect_to_login(next_url or reverse("accounts:home"), reverse("accounts:login"))
    if is_verified(user):
        return redirect(next_url or "accounts:home")
    if totp_device_confirmed(user=user) is None:
        return redirect(_with_next("accounts:enrol", next_url))
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            device = staff_second_factor_verify(user=user, code=form.cleaned_data["code"])
        except SecondFactorThrottled:
            form.add_error("code", THROTTLED)
        else:
            if device is not None:
                _verified(request, device)
                return redirect(next_url or "accounts:home")
            logger.warning("Second factor refused (user %s)", user.public_id)
            form.add_error("code", _("El código no es válido o ya se usó."))
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: QR code or key, a code to confirm, recovery codes."""
    user = _signed_in(request)
    next_url = _next_url(request)
    if user is None:
        return redirect_to_login(reverse("accounts:enrol"), reverse("accounts:login"))
    # Someone with only her password must not swap in an authenticator of their own.
    if totp_device_confirmed(user=user) is not None and not is_verified(user):
        return redirect(_with_next("accounts:verify", next_url))
    device = staff_totp_device_start(user=user)
    form = EnrolmentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            confirmed = staff_totp_device_confirm(user=user, code=form.cleaned_data["code"])
        except SecondFactorThrottled:
            form.add_error("code", THROTTLED)
        else:
            if confirmed is not None:
                device, codes = confirmed
                _verified(request, device)
                # Shown in this response only: they are not kept anywhere she could reopen.
                shown = {
                    "codes": [recovery_code_display(c) for c in codes],
                    "next": next_url,
                    # A new factor is often a lost or taken phone: offer to end the
                    # sessions that phone may still hold (ASVS 7.4.3).
                    "other_sessions": user_sessions_live(user=user).count() - 1,
                }
                return render(request, "accounts/recovery_codes.html", shown)
            form.add_error("code", WRONG_ENROLMENT_CODE)
    key = b32encode(device.bin_key).decode()
    context: dict[str, object] = {
        "form": form,
        "next": next_url,
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        "replacing": is_verified(user),
    }
    return render(request, "accounts/enrol.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    current = current_user_session(request)
    if current is not None:
        user_session_end(user_session=current)
    auth_logout(request)
    messages.info(request, _("Cerraste tu sesión."))
    return redirect("accounts:login")


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    held = roles_of(request.user)
    roles = sorted(str(role.label) for role in held)
    # Where her work starts, by role; each page still checks its own access.
    can = {
        "agenda": bool(held & {Role.JURIDICO, Role.VIOLENCIA, Role.COORDINACION}),
        "work": bool(held & {Role.JURIDICO, Role.VIOLENCIA, Role.COORDINACION, Role.LINEA}),
        "cases": bool(held & {Role.JURIDICO, Role.VIOLENCIA, Role.COORDINACION}),
        "console": bool(held & {Role.LINEA, Role.VIOLENCIA, Role.COORDINACION}),
        "coordination": Role.COORDINACION in held,
        "partner": Role.ENLACE in held,
    }
    return render(request, "accounts/home.html", {"roles": roles, "can": can})


@staff_required()
def sessions(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    current = current_user_session(request)
    context = {
        "sessions": user_sessions_live(user=user),
        "current_id": current.public_id if current else None,
        "recovery_codes_left": recovery_codes_left(user=user),
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
    }
    return render(request, "accounts/sessions.html", context)


@require_POST
@staff_required()
def session_end(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user_session = user_session_of(user=request.user, public_id=public_id)  # type: ignore[arg-type]
    current = current_user_session(request)
    if current is not None and current.pk == user_session.pk:
        return logout(request)
    user_session_end(user_session=user_session)
    messages.success(request, _("Cerraste esa sesión."))
    return redirect("accounts:sessions")


@require_POST
@staff_required()
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = user_sessions_end_all(user=request.user, keep=current_user_session(request))  # type: ignore[arg-type]
    if ended:
        messages.success(request, _("Cerraste tus otras sesiones."))
    return redirect("accounts:sessions")


@require_POST
@staff_required()
def keep_alive(request: HttpRequest) -> HttpResponse:
    # The session middleware has already noted this request as activity.
    return HttpResponse(status=204)


# Password reset: Django's views, our templates. Resetting never signs her in
# (post_reset_login stays False), so the second factor is still asked at login.

password_reset = auth_views.PasswordResetView.as_view(
    form_class=StaffPasswordResetForm,
    template_name="accounts/password_reset_form.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html",
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = StaffSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever knew the old password is signed out everywhere.
        user_sessions_end_all(user=form.user)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html",
)
