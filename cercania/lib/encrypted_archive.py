"""Encrypted backup archives: a small header, then the dump in AES-256-GCM chunks.

Layout::

    magic (16 bytes) | version (1) | header length (4, big-endian) | header (JSON, UTF-8)
    chunk*: final flag (1) | ciphertext length (4) | ciphertext + GCM tag

The header says what the archive holds (database kind, creation time in UTC, the id of
the backup key, a random salt); it is readable without the key, so an operator can tell
which key an archive needs. Each archive gets its own AES-256 key, derived with HKDF
from the backup key and the salt, so a counter is a safe nonce. Every chunk
authenticates, as associated data, the SHA-256 of the header bytes, its own index and
whether it is the last one: an altered header, a swapped, dropped, repeated or altered
chunk, a cut after any chunk and bytes appended after the last chunk all fail. Chunks
are at most ``CHUNK_BYTES``: a dump of any size streams through with that much memory.

Decryption releases a chunk's plaintext only after its tag checks; the last chunk's
flag is the only proof the archive is complete, so callers that must not act on a
partial archive run `verify` over the whole file before `decrypt_chunks`.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cercania.lib.crypto import KEY_ID_RE, KeyRing

MAGIC = b"CERCANIA-BACKUP\n"
FORMAT_VERSION = 1
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
SALT_BYTES = 32
MAX_HEADER_BYTES = 64 * 1024
DATABASE_KINDS = frozenset({"postgresql", "sqlite"})
_HKDF_INFO = b"cercania.backup.v1"
_FRAME = struct.Struct(">BI")  # final flag, ciphertext length
_VERSIONED_LENGTH = struct.Struct(">BI")  # format version, header length


class ArchiveError(Exception):
    """The archive cannot be read: not an archive, unknown key, wrong key, altered or cut.

    Messages are Spanish first with an English gloss, for the operator's terminal; they
    never contain archive content.
    """


@dataclass(frozen=True)
class ArchiveHeader:
    database: str
    created_at: datetime
    key_id: str
    salt: bytes
    raw: bytes  # the exact header bytes, authenticated by every chunk

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.raw).digest()


def _archive_key(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO).derive(key)
    return AESGCM(derived)


def _nonce(index: int, final: bool) -> bytes:
    return struct.pack(">QI", index, int(final))


def _associated_data(header: ArchiveHeader, index: int, final: bool) -> bytes:
    return header.digest + struct.pack(">QB", index, int(final))


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes; fewer only at the end of the stream (pipes return less)."""
    parts: list[bytes] = []
    wanted = size
    while wanted:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def new_header(*, database: str, key_id: str, created_at: datetime | None = None) -> ArchiveHeader:
    if database not in DATABASE_KINDS:
        raise ValueError(f"unknown database kind {database!r}")
    when = (created_at or datetime.now(tz=UTC)).astimezone(UTC).replace(microsecond=0)
    salt = os.urandom(SALT_BYTES)
    fields = {
        "database": database,
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key_id": key_id,
        "salt": salt.hex(),
    }
    raw = json.dumps(fields, sort_keys=True).encode("utf-8")
    return ArchiveHeader(database=database, created_at=when, key_id=key_id, salt=salt, raw=raw)


def encrypt_stream(
    source: IO[bytes], target: IO[bytes], *, ring: KeyRing, database: str, chunk_bytes: int = 0
) -> ArchiveHeader:
    """Write ``source`` to ``target`` as an archive under the newest key of ``ring``."""
    if not 0 <= chunk_bytes <= CHUNK_BYTES:
        raise ValueError(f"chunk_bytes must be at most {CHUNK_BYTES}")
    header = new_header(database=database, key_id=ring.newest_id)
    return encrypt_chunks(
        _chunks_of(source, chunk_bytes or CHUNK_BYTES), target, ring=ring, header=header
    )


def _chunks_of(source: IO[bytes], size: int) -> Iterator[bytes]:
    while chunk := _read_exactly(source, size):
        yield chunk


def encrypt_chunks(
    chunks: Iterable[bytes], target: IO[bytes], *, ring: KeyRing, header: ArchiveHeader
) -> ArchiveHeader:
    aead = _archive_key(ring.keys[header.key_id], header.salt)
    target.write(MAGIC + _VERSIONED_LENGTH.pack(FORMAT_VERSION, len(header.raw)) + header.raw)
    index = 0
    pending: bytes | None = None
    # One chunk of look-ahead: the last chunk is only known when the source ends.
    for chunk in chunks:
        if pending is not None:
            _write_chunk(target, aead, header, index, pending, final=False)
            index += 1
        pending = chunk
    _write_chunk(target, aead, header, index, pending or b"", final=True)
    return header


def _write_chunk(
    target: IO[bytes], aead: AESGCM, header: ArchiveHeader, index: int, data: bytes, *, final: bool
) -> None:
    sealed = aead.encrypt(_nonce(index, final), data, _associated_data(header, index, final))
    target.write(_FRAME.pack(int(final), len(sealed)) + sealed)


def read_header(source: IO[bytes]) -> ArchiveHeader:
    """Read and check the header; leaves ``source`` at the first chunk."""
    if _read_exactly(source, len(MAGIC)) != MAGIC:
        raise ArchiveError(
            "El archivo no es un respaldo de Cercanía (not a Cercanía backup archive)."
        )
    prefix = _read_exactly(source, _VERSIONED_LENGTH.size)
    if len(prefix) != _VERSIONED_LENGTH.size:
        raise ArchiveError("El respaldo está cortado (the archive is truncated).")
    version, length = _VERSIONED_LENGTH.unpack(prefix)
    if version != FORMAT_VERSION:
        raise ArchiveError(
            f"Versión de respaldo {version} no soportada (unsupported archive format version)."
        )
    if length > MAX_HEADER_BYTES:
        raise ArchiveError("El encabezado del respaldo está dañado (damaged archive header).")
    raw = _read_exactly(source, length)
    try:
        fields = json.loads(raw.decode("utf-8"))
        database = fields["database"]
        key_id = fields["key_id"]
        created_at = datetime.strptime(fields["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=UTC
        )
        salt = bytes.fromhex(fields["salt"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise ArchiveError(
            "El encabezado del respaldo está dañado (damaged archive header)."
        ) from None
    if (
        database not in DATABASE_KINDS
        or not isinstance(key_id, str)
        or not KEY_ID_RE.fullmatch(key_id)
        or len(salt) != SALT_BYTES
    ):
        raise ArchiveError("El encabezado del respaldo está dañado (damaged archive header).")
    return ArchiveHeader(
        database=database, created_at=created_at, key_id=key_id, salt=salt, raw=raw
    )


def decrypt_chunks(source: IO[bytes], *, ring: KeyRing) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk, each only after its tag checks.

    Raises ArchiveError at the first problem, which may come after earlier chunks were
    yielded (a cut archive is only known at its end): see `verify`.
    """
    header = read_header(source)
    key = ring.keys.get(header.key_id)
    if key is None:
        raise ArchiveError(
            f"El respaldo se cifró con la llave {header.key_id!r}, que no está en "
            f"CERCANIA_BACKUP_KEY (archive encrypted with key {header.key_id!r}, "
            "not in CERCANIA_BACKUP_KEY)."
        )
    aead = _archive_key(key, header.salt)
    index = 0
    while True:
        frame = _read_exactly(source, _FRAME.size)
        if len(frame) != _FRAME.size:
            raise ArchiveError(
                "El respaldo está incompleto: falta su final (the archive is truncated)."
            )
        flag, length = _FRAME.unpack(frame)
        if flag not in (0, 1) or not TAG_BYTES <= length <= CHUNK_BYTES + TAG_BYTES:
            raise ArchiveError("El respaldo está dañado o alterado (damaged or altered archive).")
        sealed = _read_exactly(source, length)
        if len(sealed) != length:
            raise ArchiveError("El respaldo está cortado (the archive is truncated).")
        final = flag == 1
        try:
            plaintext = aead.decrypt(
                _nonce(index, final), sealed, _associated_data(header, index, final)
            )
        except InvalidTag:
            raise ArchiveError(
                "El respaldo no se pudo autenticar: llave equivocada, o archivo alterado "
                "o cortado (authentication failed: wrong key, or altered or truncated "
                "archive)."
            ) from None
        yield plaintext
        if final:
            if source.read(1):
                raise ArchiveError(
                    "Hay datos después del final del respaldo: fue alterado "
                    "(data after the end of the archive: altered)."
                )
            return
        index += 1


def verify(source: IO[bytes], *, ring: KeyRing) -> tuple[ArchiveHeader, int]:
    """Authenticate the whole archive from the start of the seekable ``source``; its
    header and plaintext size. Leaves ``source`` at the start again."""
    header = read_header(source)
    source.seek(0)
    size = 0
    for chunk in decrypt_chunks(source, ring=ring):
        size += len(chunk)
    source.seek(0)
    return header, size
