"""Field encryption: AES-256-GCM under a key ring, and keyed hashes for equality search.

Stored text is ``v1:<key_id>:<base64url(nonce + ciphertext + tag)>``. The key id travels
with every value, so adding a key to the front of ``FIELD_ENCRYPTION_KEYS`` never makes
old values unreadable; ``rotate_all`` in ``cercania.lib.fields`` then rewrites them.

The ring is deliberately separate from ``SECRET_KEY``: rotating the secret key (sessions,
signed links) must not destroy case files, and a leaked secret key must not open them.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT_VERSION = "v1"
NONCE_BYTES = 12  # 96 bits: the size GCM is specified for
KEY_BYTES = 32  # AES-256
# Letters, digits, "_" and "-" only: the id sits between colons in the stored text.
KEY_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
PURPOSE_RE = re.compile(r"[a-z0-9_.-]{1,64}")


class FieldDecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key, wrong key, tampered or malformed.

    Messages name the field label and key id only, never the value, so they are safe
    to log.
    """


@dataclass(frozen=True)
class KeyRing:
    newest_id: str
    keys: dict[str, bytes]


def _b64decode(text: str) -> bytes:
    # Stored values drop the "=" padding; key entries may carry it. Accept both, but
    # nothing outside the alphabet (urlsafe_b64decode would silently skip it).
    padded = (text + "=" * (-len(text) % 4)).encode("ascii", errors="replace")
    return base64.b64decode(padded, altchars=b"-_", validate=True)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def generate_key_entry(key_id: str) -> str:
    """A new ``key_id:base64url_32_bytes`` entry for ``FIELD_ENCRYPTION_KEYS``."""
    if not KEY_ID_RE.fullmatch(key_id):
        raise ValueError("a key id is 1-32 letters, digits, '_' or '-'")
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode('ascii')}"


def generate_hash_key() -> str:
    """A new base64url value for ``FIELD_HASH_KEY``."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


@functools.lru_cache(maxsize=8)
def parse_key_ring(entries: tuple[str, ...], *, setting: str) -> KeyRing:
    """A ring from ``id:base64url`` entries, newest first. ``setting`` names the variable
    in error messages (the field ring, the backup key)."""
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(entries):
        # Errors say which position is bad but never echo the entry: it is a secret.
        key_id, sep, encoded = entry.strip().partition(":")
        if not sep or not KEY_ID_RE.fullmatch(key_id):
            raise ImproperlyConfigured(
                f"{setting}[{position}] must look like 'key_id:base64url_key'"
            )
        try:
            key = _b64decode(encoded.strip())
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{setting}[{position}] is not valid base64url") from None
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(f"{setting}[{position}] must decode to {KEY_BYTES} bytes")
        if key_id in keys:
            raise ImproperlyConfigured(f"{setting} repeats the key id {key_id!r}")
        keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured(f"{setting} is empty")
    return KeyRing(newest_id=next(iter(keys)), keys=keys)


def _parse_ring(entries: tuple[str, ...]) -> KeyRing:
    if not entries:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: sensitive fields cannot be encrypted or read"
        )
    return parse_key_ring(entries, setting="FIELD_ENCRYPTION_KEYS")


def key_ring() -> KeyRing:
    """The ring from settings, newest key first. Read on every call so override_settings
    works; parsing is cached on the entries themselves."""
    entries = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or ()
    # A bare string would be iterated character by character: refuse it outright.
    if isinstance(entries, str) or not isinstance(entries, Sequence):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be a list of strings")
    return _parse_ring(tuple(entries))


def _associated_data(label: str) -> bytes:
    # Binds a ciphertext to its column: a value copied into another field or model
    # fails authentication instead of showing up there.
    return f"cercania.field.{FORMAT_VERSION}:{label}".encode()


def encrypt(plaintext: str, *, label: str) -> str:
    """Encrypt under the newest key; ``label`` is ``app_label.model_name.field_name``."""
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.newest_id]).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(label)
    )
    return f"{FORMAT_VERSION}:{ring.newest_id}:{_b64encode(nonce + sealed)}"


def _split(stored: str, label: str) -> tuple[str, bytes]:
    version, _, rest = stored.partition(":")
    key_id, _, payload = rest.partition(":")
    if version != FORMAT_VERSION or not KEY_ID_RE.fullmatch(key_id) or not payload:
        raise FieldDecryptionError(f"{label}: stored value is not in the {FORMAT_VERSION} format")
    try:
        blob = _b64decode(payload)
    except (binascii.Error, ValueError):
        raise FieldDecryptionError(f"{label}: stored value is not valid base64url") from None
    if len(blob) < NONCE_BYTES + 16:  # nonce + GCM tag at least
        raise FieldDecryptionError(f"{label}: stored value is truncated")
    return key_id, blob


def stored_key_id(stored: str, *, label: str = "value") -> str:
    """The key id a stored value was encrypted under (no decryption)."""
    return _split(stored, label)[0]


def decrypt(stored: str, *, label: str) -> str:
    key_id, blob = _split(stored, label)
    key = key_ring().keys.get(key_id)
    if key is None:
        raise FieldDecryptionError(
            f"{label}: key {key_id!r} is not in FIELD_ENCRYPTION_KEYS (removed too early?)"
        )
    try:
        plaintext = AESGCM(key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(label)
        )
    except InvalidTag:
        raise FieldDecryptionError(
            f"{label}: authentication failed under key {key_id!r} "
            "(wrong key, altered value or value moved from another field)"
        ) from None
    return plaintext.decode("utf-8")


def reencrypt_value(stored: str, *, label: str) -> str:
    """Decrypt under whatever key wrote ``stored`` and encrypt again under the newest.

    ``label`` is needed because it is authenticated data, not a secret.
    """
    return encrypt(decrypt(stored, label=label), label=label)


def _hash_key() -> bytes:
    raw = getattr(settings, "FIELD_HASH_KEY", None)
    if isinstance(raw, str):
        try:
            raw = _b64decode(raw.strip())
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured("FIELD_HASH_KEY is not valid base64url") from None
    if not isinstance(raw, bytes) or len(raw) < KEY_BYTES:
        raise ImproperlyConfigured(f"FIELD_HASH_KEY must be at least {KEY_BYTES} bytes")
    return raw


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` (hex) for equality search on an encrypted field.

    The caller normalises first (E.164 phone, lower-cased email): the hash matches only
    identical text. Each purpose gets its own subkey, so a phone hash can never be
    compared with an email hash. Changing FIELD_HASH_KEY means recomputing every hash
    from the decrypted values; it is not part of the key ring.
    """
    if not PURPOSE_RE.fullmatch(purpose):
        raise ValueError("purpose is 1-64 of a-z, 0-9, '_', '.', '-'")
    subkey = hmac.digest(_hash_key(), f"cercania.keyed_hash.v1:{purpose}".encode(), "sha256")
    return hmac.new(subkey, value.encode("utf-8"), hashlib.sha256).hexdigest()
