"""Email through Django's configured backend (SMTP in production): text, HTML and,
for invites, an iCalendar part with `Content-Type: text/calendar; method=…`."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEText

from ..gate import Permit, redeem
from ..models import Channel
from ..rendering import Rendered
from . import DeliveryError

SMTP_TIMEOUT_SECONDS = 30
# Refusals a retry will not change: the address or the content is refused.
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def sender_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def build_email(*, address: str, rendered: Rendered) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        # The Message-ID names the sender's domain, never this machine's host name.
        headers={
            "Message-ID": make_msgid(domain=sender_domain()),
            "Auto-Submitted": "auto-generated",
        },
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    if rendered.ics is not None and rendered.ics_method:
        part = SafeMIMEText(rendered.ics, "calendar", "utf-8")
        part.set_param("method", rendered.ics_method)
        part.add_header("Content-Disposition", "attachment", filename="cita.ics")
        message.attach(part)
    return message


def send_email(*, permit: Permit, rendered: Rendered) -> str:
    """Send one email allowed by `permit`; return its Message-ID."""
    address = redeem(permit, channels=(Channel.EMAIL,))
    message = build_email(address=address, rendered=rendered)
    try:
        connection = get_connection(timeout=SMTP_TIMEOUT_SECONDS)
        message.connection = connection
        message.send(fail_silently=False)
    except PERMANENT_SMTP_ERRORS as error:
        raise DeliveryError(
            f"el servidor de correo rechazó el mensaje: {error}", transient=False
        ) from error
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"no se pudo entregar al servidor de correo: {error}") from error
    return str(message.extra_headers["Message-ID"])
