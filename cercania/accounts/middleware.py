from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import UserSession
from .services import user_session_end, user_session_touch
from .tracking import SESSION_MARKER, current_user_session, record_login

# Activity is written at most this often: the idle limit is counted in minutes, and a
# write on every request would make each page view a database write.
TOUCH_EVERY = timedelta(seconds=60)


class StaffSessionMiddleware:
    """Server-side limits for every signed-in session.

    Ends a session after SESSION_IDLE_TIMEOUT_MINUTES without a request, after
    SESSION_ABSOLUTE_HOURS whatever the activity, as soon as its user is disabled, and
    when she ended it from another browser. Runs after the authentication, OTP and
    message middlewares; the view then sees an anonymous user and sends her to log in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session:
            self._enforce(request)
        return self.get_response(request)

    def _enforce(self, request: HttpRequest) -> None:
        current = current_user_session(request)
        if not request.user.is_authenticated:
            # Django no longer accepts this session's user: disabled, or password changed.
            self._end(request, current, None)
            return
        if current is None or current.user_id != request.user.pk:
            if request.session.get(SESSION_MARKER):
                # Its row is gone: ended from another browser or by an administrator.
                self._end(request, None, _("Tu sesión se cerró. Vuelve a entrar."))
            else:
                # Started without our login view (e.g. the test client's force_login).
                record_login(request, previous=None)
            return
        now = timezone.now()
        if current.is_expired(now):
            reason = (
                _("Tu sesión llegó a su duración máxima. Vuelve a entrar.")
                if now >= current.absolute_end()
                else _("Tu sesión se cerró por inactividad. Vuelve a entrar.")
            )
            self._end(request, current, reason)
            return
        session_key = request.session.session_key or ""
        if current.session_key != session_key or now - current.last_seen_at >= TOUCH_EVERY:
            user_session_touch(user_session=current, session_key=session_key, now=now)

    @staticmethod
    def _end(request: HttpRequest, current: UserSession | None, message: str | None) -> None:
        if current is not None:
            user_session_end(user_session=current)
        logout(request)
        if message:
            messages.info(request, message)
