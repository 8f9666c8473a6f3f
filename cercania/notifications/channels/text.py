"""SMS and WhatsApp through a provider interface (settings.SMS_BACKEND).

- ``twilio``: Twilio's Messages API (credentials from the environment).
- ``console``: prints the message (development; the number is masked).
- ``file``: writes one file per message under ``var/messages/`` (development).
- ``memory``: keeps messages in ``text.outbox`` (tests), like Django's locmem email.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..gate import Permit, redeem
from ..models import Channel
from . import DeliveryError, mask_address, scrub

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class TextBackend(Protocol):
    def send(self, *, channel: str, to: str, body: str) -> str:
        """Send `body` to the E.164 number `to`; return the provider's message id."""
        ...


@dataclass(frozen=True)
class SentText:
    channel: str
    to: str
    body: str


outbox: list[SentText] = []


class MemoryBackend:
    def send(self, *, channel: str, to: str, body: str) -> str:
        outbox.append(SentText(channel=channel, to=to, body=body))
        return f"memory-{len(outbox)}"


class ConsoleBackend:
    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, channel: str, to: str, body: str) -> str:
        ident = f"console-{secrets.token_hex(6)}"
        self.stream.write(
            f"----- {channel.upper()} para {mask_address(to)} ({ident}) -----\n{body}\n{'-' * 40}\n"
        )
        self.stream.flush()
        return ident


class FileBackend:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(settings.VAR_DIR) / "messages"

    def send(self, *, channel: str, to: str, body: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
        ident = f"file-{stamp}-{secrets.token_hex(4)}"
        (self.directory / f"{ident}-{channel}.txt").write_text(
            f"Medio: {channel}\nPara: {mask_address(to)}\n\n{body}\n", encoding="utf-8"
        )
        return ident


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would resend the Basic credentials wherever a redirect points.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_RefuseRedirects)


class TwilioBackend:
    """POST /2010-04-01/Accounts/{sid}/Messages.json with To, From, Body (Basic auth).

    WhatsApp goes through the same endpoint with ``whatsapp:`` before both numbers.
    Outside WhatsApp's 24-hour window Twilio accepts only approved templates; see
    docs/notifications.md.
    """

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sms_from: str,
        whatsapp_from: str,
        api_base: str = "https://api.twilio.com",
        timeout: float = 15,
    ) -> None:
        if not account_sid or not auth_token:
            raise ImproperlyConfigured(
                "CERCANIA_TWILIO_ACCOUNT_SID and CERCANIA_TWILIO_AUTH_TOKEN are required "
                "with CERCANIA_SMS_BACKEND=twilio."
            )
        parts = urlsplit(api_base)
        # The credentials travel in every request: plain http only to this machine
        # (the fake Twilio server of the tests).
        if not (
            parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
        ):
            raise ImproperlyConfigured(f"TWILIO_API_BASE must be https://, got {api_base!r}")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sms_from = sms_from
        self.whatsapp_from = whatsapp_from
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout

    def send(self, *, channel: str, to: str, body: str) -> str:
        if channel == Channel.WHATSAPP:
            if not self.whatsapp_from:
                raise DeliveryError("falta CERCANIA_TWILIO_WHATSAPP_FROM", transient=False)
            sender = _whatsapp(self.whatsapp_from)
            to = _whatsapp(to)
        else:
            if not self.sms_from:
                raise DeliveryError("falta CERCANIA_TWILIO_FROM_NUMBER", transient=False)
            sender = self.sms_from
        url = f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            url,
            data=urlencode({"To": to, "From": sender, "Body": body}).encode(),
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with OPENER.open(request, timeout=self.timeout) as response:
                status, answer = response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            with error:
                status, answer = error.code, _json(error.read())
        except (OSError, HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise DeliveryError(f"no se pudo contactar a Twilio: {reason}") from error
        if 200 <= status < 300 and answer.get("sid"):
            return str(answer["sid"])
        detail = scrub(
            f"HTTP {status}, código {answer.get('code', '?')}: {answer.get('message', '')}"
        )
        # 429 and 5xx may pass on a later try; any other answer is about this message.
        raise DeliveryError(
            f"Twilio no aceptó el mensaje ({detail})", transient=status == 429 or status >= 500
        )


def _whatsapp(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def get_backend(name: str | None = None) -> TextBackend:
    name = name or settings.SMS_BACKEND
    if name == "twilio":
        return TwilioBackend(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            sms_from=settings.TWILIO_FROM_NUMBER,
            whatsapp_from=settings.TWILIO_WHATSAPP_FROM,
            api_base=settings.TWILIO_API_BASE,
        )
    if name == "console":
        return ConsoleBackend()
    if name == "file":
        return FileBackend()
    if name == "memory":
        return MemoryBackend()
    raise ImproperlyConfigured(
        f"CERCANIA_SMS_BACKEND must be console, file, twilio or memory, got {name!r}"
    )


def send_text(*, permit: Permit, body: str) -> str:
    """Send one SMS or WhatsApp message allowed by `permit`; return the provider id."""
    address = redeem(permit, channels=(Channel.SMS, Channel.WHATSAPP))
    try:
        backend = get_backend()
    except ImproperlyConfigured as error:
        raise DeliveryError(str(error), transient=False) from error
    return backend.send(channel=permit.channel, to=address, body=body)
