"""Jitsi Meet on the institute's own server: a random room, optionally a signed JWT.

No API call: a room exists once somebody joins it, so the unguessable name is the
lock. With token authentication (Prosody's `token` auth, app id + secret), each link
carries an HS256 JWT bound to that room and valid until an hour after the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from cercania.scheduling.meetings import Meeting, MeetingRequest

ROOM_PREFIX = "cita"
# Prosody lowercases room names (and older token plugins match only [A-Za-z0-9]+), so a
# mixed-case base64 name would lose entropy and could fail the room check: 16 random
# bytes in lowercase base32 keep all 128 bits in letters and digits.
ROOM_BYTES = 16
ROOM = re.compile(r"[a-z0-9]+")
TOKEN_MARGIN = timedelta(hours=1)  # the link keeps working this long after the session
CLOCK_SKEW_SECONDS = 60  # nbf a minute back: the server's clock may run ahead of ours
PARTICIPANT_NAME = "Participante"  # never her name: Jitsi shows it to everyone in the room
HOST_NAME = "Asesora"


def room_new() -> str:
    random = base64.b32encode(secrets.token_bytes(ROOM_BYTES)).decode().rstrip("=").lower()
    return ROOM_PREFIX + random


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt_hs256(claims: dict[str, Any], secret: str) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


class JitsiProvider:
    name = "jitsi"

    def __init__(
        self,
        base_url: str,
        app_id: str | None = None,
        secret: str | None = None,
        audience: str = "jitsi",
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(base_url)
        # Browsers give camera and microphone only to secure pages: https or nothing.
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"JITSI_BASE_URL must be an https:// URL, got {base_url!r}")
        if bool(app_id) != bool(secret):
            raise ValueError("JITSI_APP_ID and JITSI_SECRET go together: set both or neither")
        self.base_url = base_url.rstrip("/")
        self.domain = parts.hostname.lower()
        self.app_id = app_id or ""
        self.secret = secret or ""
        self.audience = audience
        self.clock = clock

    def create(self, request: MeetingRequest) -> Meeting:
        return self._meeting(room_new(), request)

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting:
        # Keep the room: the link she already has must still lead to her session
        # (a lost video link after a reschedule is a known bug elsewhere). Only the
        # tokens are signed again, with the new expiry.
        room = meeting.external_id
        if not ROOM.fullmatch(room):
            return self.create(request)
        return self._meeting(room, request)

    def cancel(self, meeting: Meeting) -> None:
        # Nothing to delete on the server; the token expires on its own.
        return None

    def _meeting(self, room: str, request: MeetingRequest) -> Meeting:
        url = f"{self.base_url}/{room}"
        if not self.secret:
            return Meeting(join_url=url, host_url=url, external_id=room, passcode="")
        return Meeting(
            join_url=f"{url}?{urlencode({'jwt': self._token(room, request, moderator=False)})}",
            host_url=f"{url}?{urlencode({'jwt': self._token(room, request, moderator=True)})}",
            external_id=room,
            passcode="",
        )

    def _token(self, room: str, request: MeetingRequest, *, moderator: bool) -> str:
        if request.starts_at.tzinfo is None:
            raise ValueError("MeetingRequest.starts_at must be aware")
        now = int(self.clock())
        ends_at = request.starts_at + timedelta(minutes=request.duration_minutes)
        claims = {
            "iss": self.app_id,
            "aud": self.audience,
            "sub": self.domain,
            "room": room,
            "iat": now,
            "nbf": now - CLOCK_SKEW_SECONDS,
            "exp": int((ends_at + TOKEN_MARGIN).timestamp()),
            # Prosody's plugins read the role from different places: the top-level
            # `moderator` claim, or context.user as strings (context.user must hold
            # strings only). Both say the same thing.
            "moderator": moderator,
            "context": {
                "user": {
                    "name": HOST_NAME if moderator else PARTICIPANT_NAME,
                    "moderator": "true" if moderator else "false",
                    "affiliation": "owner" if moderator else "member",
                }
            },
        }
        return jwt_hs256(claims, self.secret)
