"""Channel senders. Each one sends only with a permit from the contact gate."""

from __future__ import annotations

import re


class DeliveryError(Exception):
    """A provider did not take the message. `transient` errors are retried."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


EMAIL_LIKE = re.compile(r"[^\s<>@]+@[^\s<>@]+")
DIGITS_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def mask_address(address: str) -> str:
    """What the log shows of an address: "•••• 4567", "a•••@•••.com"."""
    if "@" in address:
        local, _, domain = address.partition("@")
        tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
        return f"{local[:1]}•••@•••.{tld}" if tld else f"{local[:1]}•••@•••"
    digits = "".join(ch for ch in address if ch.isdigit())
    return f"•••• {digits[-4:]}" if digits else "••••"


def scrub(text: str) -> str:
    """An error message without addresses or numbers: providers quote the recipient."""
    text = EMAIL_LIKE.sub("[correo]", text)
    return DIGITS_LIKE.sub("[número]", text)
