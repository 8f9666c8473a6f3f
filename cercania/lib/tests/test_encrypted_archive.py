from __future__ import annotations

import io
import os
import struct

import pytest

from cercania.lib.crypto import generate_key_entry, parse_key_ring
from cercania.lib.encrypted_archive import (
    MAGIC,
    ArchiveError,
    decrypt_chunks,
    encrypt_stream,
    read_header,
    verify,
)

RING = parse_key_ring((generate_key_entry("b1"),), setting="TEST")
SENTINEL = "Zoraida Centinela Quiñónez".encode()
CHUNK = 1000
# 10.5 chunks: ten full ones and a short last one.
DUMP = os.urandom(5000) + SENTINEL + os.urandom(10_500 - 5000 - len(SENTINEL))


def archive_of(data: bytes = DUMP, *, ring=RING, database: str = "postgresql") -> bytes:
    target = io.BytesIO()
    encrypt_stream(io.BytesIO(data), target, ring=ring, database=database, chunk_bytes=CHUNK)
    return target.getvalue()


def opened(archive: bytes, *, ring=RING) -> bytes:
    return b"".join(decrypt_chunks(io.BytesIO(archive), ring=ring))


def split(archive: bytes) -> tuple[bytes, list[bytes]]:
    """The header bytes and each chunk's frame, as stored."""
    (length,) = struct.unpack(">I", archive[len(MAGIC) + 1 : len(MAGIC) + 5])
    position = len(MAGIC) + 5 + length
    head, frames = archive[:position], []
    while position < len(archive):
        (size,) = struct.unpack(">I", archive[position + 1 : position + 5])
        frames.append(archive[position : position + 5 + size])
        position += 5 + size
    return head, frames


def test_it_round_trips_a_dump_of_many_chunks():
    archive = archive_of()
    assert len(split(archive)[1]) == 11
    assert opened(archive) == DUMP


def test_it_round_trips_an_empty_dump_and_one_of_exact_chunks():
    assert opened(archive_of(b"")) == b""
    assert opened(archive_of(DUMP[: 3 * CHUNK])) == DUMP[: 3 * CHUNK]


def test_the_archive_holds_no_plaintext():
    archive = archive_of()
    assert SENTINEL in DUMP
    assert SENTINEL not in archive


def test_the_header_says_kind_time_and_key_without_the_key():
    header = read_header(io.BytesIO(archive_of(database="sqlite")))
    assert header.database == "sqlite"
    assert header.key_id == "b1"
    assert header.created_at.tzinfo is not None


def test_two_archives_of_the_same_dump_differ():
    # A per-archive salt: equal dumps do not give equal ciphertext.
    assert split(archive_of())[1] != split(archive_of())[1]


def test_a_wrong_key_with_the_same_id_fails():
    other = parse_key_ring((generate_key_entry("b1"),), setting="TEST")
    with pytest.raises(ArchiveError, match="llave equivocada"):
        opened(archive_of(), ring=other)


def test_an_unknown_key_id_is_named():
    other = parse_key_ring((generate_key_entry("b2"),), setting="TEST")
    with pytest.raises(ArchiveError, match="'b1', que no está en CERCANIA_BACKUP_KEY"):
        opened(archive_of(), ring=other)


def test_an_older_key_of_the_ring_still_opens_its_archives():
    old_entry = generate_key_entry("b1")
    old_ring = parse_key_ring((old_entry,), setting="TEST")
    rotated = parse_key_ring((generate_key_entry("b2"), old_entry), setting="TEST")
    assert opened(archive_of(ring=old_ring), ring=rotated) == DUMP
    assert read_header(io.BytesIO(archive_of(ring=rotated))).key_id == "b2"


@pytest.mark.parametrize("offset", [0, len(MAGIC) + 10, 40])
def test_an_altered_header_fails(offset):
    archive = bytearray(archive_of())
    archive[offset] ^= 0x01
    with pytest.raises(ArchiveError):
        opened(bytes(archive))


def test_a_changed_creation_time_fails_authentication():
    archive = archive_of()
    head, frames = split(archive)
    header = read_header(io.BytesIO(archive))
    stamp = header.created_at.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    forged = head.replace(stamp, b"2001-01-01T00:00:00Z")
    assert forged != head
    with pytest.raises(ArchiveError, match="no se pudo autenticar"):
        opened(forged + b"".join(frames))


@pytest.mark.parametrize("chunk", [0, 5, 10])
def test_one_altered_byte_in_any_chunk_fails(chunk):
    head, frames = split(archive_of())
    frame = bytearray(frames[chunk])
    frame[len(frame) // 2] ^= 0x80
    frames[chunk] = bytes(frame)
    with pytest.raises(ArchiveError, match="no se pudo autenticar"):
        opened(head + b"".join(frames))


def test_swapped_chunks_fail():
    head, frames = split(archive_of())
    frames[2], frames[3] = frames[3], frames[2]
    with pytest.raises(ArchiveError, match="no se pudo autenticar"):
        opened(head + b"".join(frames))


def test_a_repeated_chunk_fails():
    head, frames = split(archive_of())
    with pytest.raises(ArchiveError):
        opened(head + b"".join([*frames[:3], frames[2], *frames[3:]]))


def test_an_archive_cut_at_a_chunk_boundary_fails_at_its_end():
    head, frames = split(archive_of())
    with pytest.raises(ArchiveError, match="incompleto"):
        opened(head + b"".join(frames[:-1]))


def test_a_last_chunk_marked_final_by_hand_fails():
    # Cutting after chunk 4 and setting its final flag must not pass for a whole archive.
    head, frames = split(archive_of())
    forged = b"\x01" + frames[4][1:]
    with pytest.raises(ArchiveError, match="no se pudo autenticar"):
        opened(head + b"".join(frames[:4]) + forged)


def test_an_archive_cut_inside_a_chunk_fails():
    archive = archive_of()
    with pytest.raises(ArchiveError, match="cortado"):
        opened(archive[:-7])


def test_bytes_after_the_last_chunk_fail():
    with pytest.raises(ArchiveError, match="después del final"):
        opened(archive_of() + b"x")


def test_a_file_that_is_not_an_archive_is_named_so():
    with pytest.raises(ArchiveError, match="no es un respaldo de Cercanía"):
        opened(b"PGDMP" + os.urandom(100))


def test_verify_reads_the_whole_archive_and_rewinds():
    source = io.BytesIO(archive_of())
    header, size = verify(source, ring=RING)
    assert size == len(DUMP) and header.database == "postgresql"
    assert source.tell() == 0
