"""Public codes and secret tokens.

Codes people read aloud or type (a booking reference, a jornada code on a poster) use
an alphabet without look-alikes (no 0/O, 1/I/L). Manage tokens are secrets: derived by
HMAC from the object's public id, so only their hash needs storing, yet the same token
can be shown again (an idempotent API replay) by whoever holds the server key.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

UNAMBIGUOUS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def random_code(length: int) -> str:
    return "".join(secrets.choice(UNAMBIGUOUS) for _ in range(length))


def manage_token(public_id: str) -> str:
    """256-bit URL-safe token for her manage link."""
    digest = salted_hmac("cercania.manage-token.v1", public_id, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    # 32 bytes in unpadded base64url; anything else is refused before any query.
    return len(token) == 43 and all(c.isalnum() or c in "-_" for c in token)
