"""Zoom meetings through a Server-to-Server OAuth app (stdlib HTTP, no SDK).

What Zoom receives: a neutral topic ("Cita" + the public reference), the times, a
random passcode and the advisor's Zoom user. Never her name, topic or service.
Errors are raised as MeetingError with a message staff can act on; the booking
itself stays confirmed (the caller flags the appointment).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC
from http.client import HTTPException
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from cercania.scheduling.meetings import Meeting, MeetingError, MeetingRequest

logger = logging.getLogger(__name__)

# Zoom: passcode of at most 10 characters from [A-Za-z0-9@-_*].
PASSCODE_LENGTH = 10
PASSCODE_SPECIALS = "@-_*"
PASSCODE_ALPHABET = string.ascii_letters + string.digits + PASSCODE_SPECIALS

# Ask for a new token this long before Zoom's expiry, so a token never dies mid-request.
TOKEN_MARGIN_SECONDS = 300

# Zoom error codes (body {"code", "message"}).
CODE_INVALID_TOKEN = 124  # with HTTP 401: expired or revoked access token
CODE_MEETING_NOT_FOUND = 3001  # with HTTP 404

MEETING_ID = re.compile(r"[0-9]+")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect with the Authorization header (credentials or
    # token) to wherever it points; Zoom's API does not redirect, so treat it as an error.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(RefuseRedirects)


def passcode_new() -> str:
    """Ten random characters with a lower, an upper, a digit and a special one.

    Zoom accounts may demand each class; redrawing (instead of forcing positions)
    keeps every valid passcode equally likely.
    """
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, PASSCODE_SPECIALS)
    while True:
        code = "".join(secrets.choice(PASSCODE_ALPHABET) for _ in range(PASSCODE_LENGTH))
        if all(any(char in chars for char in code) for chars in classes):
            return code


def check_url(url: str, setting: str) -> str:
    parts = urlsplit(url)
    # Credentials and tokens travel in these requests: plain http only to this machine
    # (the fake Zoom server of the tests).
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return url.rstrip("/")
    raise ValueError(f"{setting} must be an https:// URL, got {url!r}")


class ZoomProvider:
    name = "zoom"

    def __init__(
        self,
        account_id: str,
        client_id: str,
        client_secret: str,
        api_base: str = "https://api.zoom.us/v2",
        oauth_url: str = "https://zoom.us/oauth/token",
        timeout: float = 10,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        *,
        backoff: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_base = check_url(api_base, "ZOOM_API_BASE")
        self.oauth_url = check_url(oauth_url, "ZOOM_OAUTH_URL")
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.backoff = backoff
        self.clock = clock
        self._token = ""
        self._token_expires_at = 0.0
        self._token_lock = threading.Lock()

    # The provider interface.

    def create(self, request: MeetingRequest) -> Meeting:
        host = request.host.strip()
        if not host:
            raise MeetingError("La asesora no tiene usuario de Zoom configurado.")
        passcode = passcode_new()
        body = {
            # Neutral on purpose: Zoom shows the topic to anyone with the link and keeps it
            # in its reports. Never her name, topic or service; no agenda at all.
            "topic": f"Cita {request.reference}",
            "type": 2,  # scheduled
            "password": passcode,
            "settings": {
                # Waiting room and join-before-host are mutually exclusive at Zoom; the
                # advisor admits her, so nobody else who got the link can wait inside.
                "waiting_room": True,
                "join_before_host": False,
                "approval_type": 2,  # no registration
                "auto_recording": "none",
                "use_pmi": False,
            },
            **self._schedule(request),
        }
        status, answer = self._call(
            "crear la reunión", "POST", f"/users/{quote(host, safe='@')}/meetings", body
        )
        if status not in (200, 201):
            raise self._refused("crear la reunión", status, answer)
        try:
            return Meeting(
                join_url=str(answer["join_url"]),
                host_url=str(answer["start_url"]),
                external_id=str(int(answer["id"])),  # int64: Python ints keep every digit
                passcode=str(answer.get("password") or passcode),
            )
        except (KeyError, TypeError, ValueError):
            raise MeetingError("Zoom creó la reunión pero su respuesta está incompleta.") from None

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting:
        if not meeting.external_id:
            # The first creation failed (the appointment was flagged): try again now.
            return self.create(request)
        status, answer = self._call(
            "reprogramar la reunión",
            "PATCH",
            f"/meetings/{self._meeting_id(meeting)}",
            self._schedule(request),
        )
        if status in (200, 204):
            # Same meeting, same join link and passcode: what she already has keeps working.
            return meeting
        if status == 404 and answer.get("code") == CODE_MEETING_NOT_FOUND:
            # Deleted at Zoom (by hand, or expired): a new meeting beats a dead link.
            logger.warning("Zoom meeting gone on reschedule; creating a new one")
            return self.create(request)
        raise self._refused("reprogramar la reunión", status, answer)

    def cancel(self, meeting: Meeting) -> None:
        if not meeting.external_id:
            return
        status, answer = self._call(
            "cancelar la reunión", "DELETE", f"/meetings/{self._meeting_id(meeting)}"
        )
        if status in (200, 204):
            return
        if status == 404 and answer.get("code") == CODE_MEETING_NOT_FOUND:
            return  # already gone: the goal of a cancellation
        raise self._refused("cancelar la reunión", status, answer)

    def fresh_host_url(self, meeting: Meeting) -> str:
        """A start link valid now (Zoom's expire after 2 hours): for the advisor only."""
        status, answer = self._call(
            "obtener el enlace de anfitriona", "GET", f"/meetings/{self._meeting_id(meeting)}"
        )
        if status == 200 and answer.get("start_url"):
            return str(answer["start_url"])
        if status == 404 and answer.get("code") == CODE_MEETING_NOT_FOUND:
            raise MeetingError("La reunión ya no existe en Zoom; reprograme la cita para crearla.")
        raise self._refused("obtener el enlace de anfitriona", status, answer)

    # Helpers.

    @staticmethod
    def _schedule(request: MeetingRequest) -> dict[str, Any]:
        if request.starts_at.tzinfo is None:
            raise ValueError("MeetingRequest.starts_at must be aware")
        starts = request.starts_at.astimezone(UTC)
        return {
            "start_time": starts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": request.duration_minutes,
            "timezone": request.timezone,
        }

    @staticmethod
    def _meeting_id(meeting: Meeting) -> str:
        # The id goes into a URL path: digits only.
        if not MEETING_ID.fullmatch(meeting.external_id):
            raise MeetingError("La cita no tiene un identificador de reunión de Zoom válido.")
        return meeting.external_id

    @staticmethod
    def _refused(action: str, status: int, answer: dict[str, Any]) -> MeetingError:
        code = answer.get("code", "")
        message = answer.get("message", "")
        return MeetingError(f"Zoom no permitió {action}: HTTP {status}, código {code}: {message}")

    def _access_token(self) -> str:
        # One lock around check-and-fetch: concurrent bookings share one token request.
        with self._token_lock:
            if self._token and self.clock() < self._token_expires_at:
                return self._token
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            form = urlencode({"grant_type": "account_credentials", "account_id": self.account_id})
            status, answer = self._send(
                "obtener el token de acceso",
                "POST",
                self.oauth_url,
                headers={
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                data=form.encode(),
            )
            token = answer.get("access_token")
            if status != 200 or not isinstance(token, str) or not token:
                reason = answer.get("reason") or answer.get("error") or answer.get("message", "")
                raise MeetingError(
                    f"Zoom rechazó las credenciales de la cuenta (HTTP {status}): {reason}"
                )
            try:
                expires_in = float(answer.get("expires_in", 3600))
            except (TypeError, ValueError):
                expires_in = 3600.0
            margin = min(TOKEN_MARGIN_SECONDS, expires_in / 2)
            self._token = token
            self._token_expires_at = self.clock() + expires_in - margin
            return token

    def _forget_token(self, token: str) -> None:
        with self._token_lock:
            # Only the token that failed: another thread may already hold a fresh one.
            if self._token == token:
                self._token = ""
                self._token_expires_at = 0.0

    def _call(
        self, action: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """One API call; on 401 code 124 forget the token and try once more."""
        data = json.dumps(body).encode() if body is not None else None
        first_try = True
        while True:
            token = self._access_token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            status, answer = self._send(
                action, method, self.api_base + path, headers=headers, data=data
            )
            if first_try and status == 401 and answer.get("code") == CODE_INVALID_TOKEN:
                self._forget_token(token)
                first_try = False
                continue
            return status, answer

    def _send(
        self, action: str, method: str, url: str, *, headers: dict[str, str], data: bytes | None
    ) -> tuple[int, dict[str, Any]]:
        """Send with retries on 429 and 5xx (Zoom gives no Retry-After: back off)."""
        for attempt in range(self.max_retries + 1):
            status, answer = self._send_once(action, method, url, headers, data)
            if status != 429 and status < 500:
                return status, answer
            if attempt < self.max_retries:
                delay = self.backoff * 2**attempt
                logger.warning("Zoom answered %s to %s; retrying in %.1f s", status, action, delay)
                self.sleep(delay)
        raise MeetingError(
            f"Zoom no pudo {action} (HTTP {status} tras {self.max_retries + 1} intentos). "
            "Reintente más tarde."
        )

    def _send_once(
        self, action: str, method: str, url: str, headers: dict[str, str], data: bytes | None
    ) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (scheme checked in __init__)
        try:
            with OPENER.open(request, timeout=self.timeout) as response:
                return response.status, parse_json(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, parse_json(error.read())
        except (OSError, HTTPException) as error:  # refused, timeout, TLS, broken answer
            reason = getattr(error, "reason", error)
            raise MeetingError(f"No se pudo contactar a Zoom para {action}: {reason}") from error


def parse_json(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}  # 204 No Content
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
