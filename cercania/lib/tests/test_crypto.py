from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from cercania.lib.crypto import (
    FieldDecryptionError,
    decrypt,
    encrypt,
    generate_hash_key,
    generate_key_entry,
    keyed_hash,
    reencrypt_value,
    stored_key_id,
)

KEY_A = generate_key_entry("a")
KEY_B = generate_key_entry("b")
LABEL = "cases.person.name"
SENTINEL = "María José Núñez 🙂 614 490 0789"


@pytest.fixture(autouse=True)
def ring_a():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A], FIELD_HASH_KEY=generate_hash_key()):
        yield


def flip_last_byte(stored: str) -> str:
    prefix, payload = stored.rsplit(":", 1)
    blob = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    blob[-1] ^= 1
    return f"{prefix}:{base64.urlsafe_b64encode(bytes(blob)).rstrip(b'=').decode()}"


def test_it_round_trips_text():
    assert decrypt(encrypt(SENTINEL, label=LABEL), label=LABEL) == SENTINEL
    assert decrypt(encrypt("", label=LABEL), label=LABEL) == ""


def test_it_stores_the_version_and_key_id_but_not_the_plaintext():
    stored = encrypt(SENTINEL, label=LABEL)
    assert stored.startswith("v1:a:")
    assert stored_key_id(stored) == "a"
    assert "María" not in stored and "614" not in stored


def test_it_uses_a_fresh_nonce_for_every_value():
    stored = [encrypt("same", label=LABEL) for _ in range(200)]
    nonces = {base64.urlsafe_b64decode(s.split(":")[2] + "==")[:12] for s in stored}
    assert len(set(stored)) == 200
    assert len(nonces) == 200


def test_it_detects_a_tampered_ciphertext():
    with pytest.raises(FieldDecryptionError, match="authentication failed"):
        decrypt(flip_last_byte(encrypt(SENTINEL, label=LABEL)), label=LABEL)


def test_it_refuses_a_ciphertext_moved_to_another_field():
    stored = encrypt(SENTINEL, label="cases.person.name")
    with pytest.raises(FieldDecryptionError, match=r"cases\.contact\.summary"):
        decrypt(stored, label="cases.contact.summary")


def test_it_refuses_an_unknown_key_id():
    stored = encrypt(SENTINEL, label=LABEL)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]),
        pytest.raises(FieldDecryptionError, match="'a' is not in FIELD_ENCRYPTION_KEYS"),
    ):
        decrypt(stored, label=LABEL)


def test_it_refuses_a_wrong_key_under_the_same_id():
    stored = encrypt(SENTINEL, label=LABEL)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[generate_key_entry("a")]),
        pytest.raises(FieldDecryptionError, match="authentication failed"),
    ):
        decrypt(stored, label=LABEL)


@pytest.mark.parametrize(
    "stored",
    ["", "María", "v2:a:AAAA", "v1::AAAA", "v1:a:", "v1:a:***", "v1:a:AAAA", "v1:a b:AAAA"],
)
def test_it_refuses_malformed_stored_text(stored):
    with pytest.raises(FieldDecryptionError):
        decrypt(stored, label=LABEL)


def test_it_never_puts_the_value_in_an_error_message():
    stored = encrypt(SENTINEL, label=LABEL)
    with pytest.raises(FieldDecryptionError) as error:
        decrypt(stored, label="cases.contact.summary")
    assert stored not in str(error.value)
    assert SENTINEL not in str(error.value)


def test_it_reads_old_values_after_a_new_key_is_added():
    stored = encrypt(SENTINEL, label=LABEL)
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert decrypt(stored, label=LABEL) == SENTINEL
        assert stored_key_id(encrypt(SENTINEL, label=LABEL)) == "b"


def test_it_reencrypts_under_the_newest_key():
    stored = encrypt(SENTINEL, label=LABEL)
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        rotated = reencrypt_value(stored, label=LABEL)
    assert stored_key_id(rotated) == "b"
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert decrypt(rotated, label=LABEL) == SENTINEL


def test_it_generates_distinct_usable_key_entries():
    first, second = generate_key_entry("k2026"), generate_key_entry("k2026")
    assert first.startswith("k2026:")
    assert first != second
    assert len(base64.urlsafe_b64decode(first.split(":")[1])) == 32


@pytest.mark.parametrize("key_id", ["", "a:b", "a b", "x" * 33, "ñ"])
def test_it_refuses_a_key_id_that_cannot_sit_between_colons(key_id):
    with pytest.raises(ValueError, match="key id"):
        generate_key_entry(key_id)


@pytest.mark.parametrize(
    "ring",
    [
        [],
        None,
        KEY_A,  # a bare string instead of a list
        ["no-colon"],
        ["a:***"],
        ["a:" + base64.urlsafe_b64encode(b"short").decode()],
        [KEY_A, generate_key_entry("a")],
    ],
)
def test_it_refuses_a_malformed_key_ring(ring):
    with override_settings(FIELD_ENCRYPTION_KEYS=ring), pytest.raises(ImproperlyConfigured):
        encrypt(SENTINEL, label=LABEL)


def test_it_never_echoes_a_key_in_a_configuration_error():
    bad = "a:" + base64.urlsafe_b64encode(b"x" * 31).decode()
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, bad]),
        pytest.raises(ImproperlyConfigured) as error,
    ):
        encrypt(SENTINEL, label=LABEL)
    assert "[1]" in str(error.value)
    assert bad.split(":")[1] not in str(error.value)
    assert KEY_B.split(":")[1] not in str(error.value)


def test_it_hashes_the_same_value_to_the_same_hex():
    first = keyed_hash("+526144900789", purpose="person.phone")
    assert first == keyed_hash("+526144900789", purpose="person.phone")
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != keyed_hash("+526144900788", purpose="person.phone")


def test_it_separates_hashes_by_purpose():
    assert keyed_hash("ana@example.org", purpose="person.email") != keyed_hash(
        "ana@example.org", purpose="person.phone"
    )


def test_it_hashes_under_the_hash_key_not_the_encryption_keys():
    before = keyed_hash("+526144900789", purpose="person.phone")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert keyed_hash("+526144900789", purpose="person.phone") == before
    with override_settings(FIELD_HASH_KEY=generate_hash_key()):
        assert keyed_hash("+526144900789", purpose="person.phone") != before


def test_it_accepts_the_hash_key_as_bytes():
    with override_settings(FIELD_HASH_KEY=b"k" * 32):
        assert keyed_hash("x", purpose="p") == keyed_hash("x", purpose="p")


@pytest.mark.parametrize("key", [None, "", "***", b"short", generate_hash_key()[:20]])
def test_it_refuses_a_missing_or_short_hash_key(key):
    with override_settings(FIELD_HASH_KEY=key), pytest.raises(ImproperlyConfigured):
        keyed_hash("x", purpose="person.phone")


@pytest.mark.parametrize("purpose", ["", "Person Phone", "a:b", "x" * 65])
def test_it_refuses_a_purpose_outside_the_allowed_names(purpose):
    with pytest.raises(ValueError, match="purpose"):
        keyed_hash("x", purpose=purpose)
