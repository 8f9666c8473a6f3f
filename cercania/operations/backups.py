"""Backups that restore: an encrypted archive of the whole database, and its restore.

PostgreSQL goes through `pg_dump --format=custom` and `pg_restore`, SQLite through its
online backup API; either way the dump streams through `cercania.lib.encrypted_archive`
under the backup key (`CERCANIA_BACKUP_KEY`), which is neither the field-key ring nor
SECRET_KEY. See docs/backup.md.

The field-encryption keys are not in the archive: the restored database's encrypted
fields open only with the same CERCANIA_FIELD_KEYS / CERCANIA_FIELD_HASH_KEY.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, models
from django.db.models.functions import Cast
from django.utils import timezone

from cercania.lib.crypto import FieldDecryptionError, KeyRing, decrypt, parse_key_ring
from cercania.lib.encrypted_archive import (
    ArchiveError,
    ArchiveHeader,
    decrypt_chunks,
    encrypt_stream,
    read_header,
    verify,
)
from cercania.lib.fields import encrypted_fields_by_model

logger = logging.getLogger(__name__)

ARCHIVE_SUFFIX = ".cercania-backup"
# libpq reads these from the environment: connection data never goes on a command line,
# where any local user could read it in the process list.
_PG_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


@dataclass(frozen=True)
class BackupWritten:
    path: Path
    header: ArchiveHeader
    archive_bytes: int


@dataclass(frozen=True)
class RestoreDone:
    header: ArchiveHeader
    plaintext_bytes: int
    unreadable_fields: list[str]


def backup_key_ring() -> KeyRing:
    entries = getattr(settings, "BACKUP_KEYS", None) or []
    if not entries:
        raise BackupError(
            "CERCANIA_BACKUP_KEY no está configurada; genérela con `cercania generate_keys` "
            "y guárdela aparte de los respaldos (CERCANIA_BACKUP_KEY is not set)."
        )
    try:
        return parse_key_ring(tuple(entries), setting="CERCANIA_BACKUP_KEY")
    except ImproperlyConfigured as error:
        raise BackupError(str(error)) from None


# ---------------------------------------------------------------- backup


def backup_write(*, using: str = "default", output: Path | None = None) -> BackupWritten:
    """Write an encrypted archive of database ``using``; returns where and how big.

    ``output`` is a file to create or an existing folder (a dated name is made inside);
    by default the folder `var/backups/`. The archive is written beside its final name
    and renamed only when complete, so a failed run never leaves a file that looks good.
    """
    ring = backup_key_ring()
    connection = connections[using]
    path = _archive_path(output)
    partial = path.with_name(path.name + ".partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(
            f"{partial} ya existe: ¿otro respaldo en curso? (already exists)"
        ) from None
    except OSError as error:
        raise BackupError(
            f"No se puede escribir {partial} (cannot write): {error.strerror}"
        ) from None
    try:
        with os.fdopen(fd, "wb") as target:
            if connection.vendor == "postgresql":
                header = _dump_postgresql(connection.settings_dict, target, ring)
            elif connection.vendor == "sqlite":
                header = _dump_sqlite(connection.settings_dict, target, ring)
            else:
                raise BackupError(f"Base de datos no soportada (unsupported): {connection.vendor}")
            target.flush()
            os.fsync(target.fileno())
        if path.exists():
            raise BackupError(f"{path} ya existe; no se sobrescribe (already exists).")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    size = path.stat().st_size
    logger.info("backup written: %s (%s, %d bytes)", path, header.database, size)
    return BackupWritten(path=path, header=header, archive_bytes=size)


def _archive_path(output: Path | None) -> Path:
    if output is None:
        output = Path(settings.VAR_DIR) / "backups"
        output.mkdir(mode=0o700, parents=True, exist_ok=True)
    if output.is_dir():
        stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return output / f"cercania-{stamp}{ARCHIVE_SUFFIX}"
    if output.exists():
        raise BackupError(f"{output} ya existe; no se sobrescribe (already exists).")
    if not output.parent.is_dir():
        raise BackupError(f"La carpeta {output.parent} no existe (folder does not exist).")
    return output


def _pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, variable in (
        ("NAME", "PGDATABASE"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option, variable in _PG_OPTION_VARIABLES.items():
        if settings_dict.get("OPTIONS", {}).get(option):
            env[variable] = str(settings_dict["OPTIONS"][option])
    env["PGAPPNAME"] = "cercania-backup"
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"No se encontró {name}: instale el cliente de PostgreSQL (paquete "
            f"postgresql-client) de la versión del servidor o más nueva ({name} not found)."
        )
    return found


def _tool_failed(name: str, errors: IO[bytes]) -> BackupError:
    errors.seek(0)
    detail = errors.read().decode("utf-8", errors="replace").strip()
    return BackupError(f"{name} falló (failed): {detail}")


def _dump_postgresql(
    settings_dict: dict[str, Any], target: IO[bytes], ring: KeyRing
) -> ArchiveHeader:
    # The custom format is compressed and is what pg_restore reads from a pipe, so the
    # plaintext dump never touches the disk.
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-password"]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=_pg_environment(settings_dict),
        )
        assert process.stdout is not None
        try:
            header = encrypt_stream(process.stdout, target, ring=ring, database="postgresql")
        except BaseException:
            process.kill()
            process.wait()
            raise
        process.stdout.close()
        if process.wait() != 0:
            raise _tool_failed("pg_dump", errors)
    return header


@contextmanager
def _private_scratch_file(beside: Path, prefix: str) -> Iterator[Path]:
    """A 0600 scratch file for a SQLite snapshot, removed on exit with its -wal/-shm.

    It lives beside the database, whose own file holds the same data unencrypted:
    the snapshot exposes nothing new (a shared /tmp could be another disk).
    """
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".sqlite3", dir=beside)
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)


def _sqlite_path(settings_dict: dict[str, Any]) -> Path:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("Una base SQLite en memoria no se respalda (in-memory database).")
    return Path(name)


def _dump_sqlite(settings_dict: dict[str, Any], target: IO[bytes], ring: KeyRing) -> ArchiveHeader:
    database = _sqlite_path(settings_dict)
    if not database.is_file():
        raise BackupError(f"No existe la base {database} (database file not found).")
    with _private_scratch_file(database.parent, ".cercania-backup-") as snapshot:
        # The online backup API copies a consistent snapshot while the app keeps
        # running (WAL readers and the writer do not block each other).
        with (
            closing(sqlite3.connect(database, timeout=20)) as source,
            closing(sqlite3.connect(snapshot)) as copy,
        ):
            source.backup(copy)
        with snapshot.open("rb") as plain:
            return encrypt_stream(plain, target, ring=ring, database="sqlite")


# ---------------------------------------------------------------- restore


def archive_describe(*, path: Path) -> tuple[ArchiveHeader, int]:
    """Authenticate a whole archive without restoring it: its header and dump size."""
    ring = backup_key_ring()
    with _open_archive(path) as source:
        try:
            return verify(source, ring=ring)
        except ArchiveError as error:
            raise BackupError(str(error)) from None


@contextmanager
def _open_archive(path: Path) -> Iterator[IO[bytes]]:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise BackupError(f"No se puede abrir {path} (cannot open): {error.strerror}") from None
    with handle:
        yield handle


def restore_archive(*, path: Path, using: str = "default", force: bool = False) -> RestoreDone:
    """Restore an archive into database ``using``, which must be empty unless ``force``.

    The whole archive is authenticated before the database is touched: a wrong key, an
    altered or a cut archive restores nothing.
    """
    ring = backup_key_ring()
    connection = connections[using]
    with _open_archive(path) as source:
        try:
            header = read_header(source)
        except ArchiveError as error:
            raise BackupError(str(error)) from None
        if header.database != connection.vendor:
            raise BackupError(
                f"El respaldo es de {header.database} y el destino es {connection.vendor} "
                f"(archive of {header.database}, target is {connection.vendor})."
            )
        if not force:
            try:
                tables = connection.introspection.table_names()
            except DatabaseError as error:
                raise BackupError(
                    f"No se puede abrir la base de destino (cannot open the target): {error}"
                ) from None
            if tables:
                raise BackupError(
                    f"La base de destino no está vacía ({len(tables)} tablas): restaure en una "
                    "base nueva, o use --force para reemplazar su contenido (target database "
                    "is not empty; use --force to overwrite)."
                )
        connection.close()  # the restore writes through its own connection
        source.seek(0)
        try:
            _, size = verify(source, ring=ring)
            if header.database == "postgresql":
                _restore_postgresql(source, ring, connection.settings_dict, force=force)
            else:
                _restore_sqlite(source, ring, connection.settings_dict)
        except ArchiveError as error:
            raise BackupError(str(error)) from None
    connection.close()
    logger.info("backup restored: %s (%s, created %s)", path, header.database, header.created_at)
    return RestoreDone(
        header=header, plaintext_bytes=size, unreadable_fields=encrypted_fields_unreadable(using)
    )


def _restore_postgresql(
    source: IO[bytes], ring: KeyRing, settings_dict: dict[str, Any], *, force: bool
) -> None:
    if not settings_dict.get("NAME"):
        raise BackupError("DATABASE_URL no nombra la base de destino (no target database name).")
    command = [
        _pg_tool("pg_restore"),
        "--no-password",
        # One transaction: any error, or this process stopping it, leaves the target as
        # it was.
        "--single-transaction",
        "--exit-on-error",
        # Objects belong to the role that restores, as after `migrate`; the source's
        # grants are not copied (see docs/backup.md).
        "--no-owner",
        "--no-privileges",
        *(["--clean", "--if-exists"] if force else []),
        f"--dbname={settings_dict['NAME']}",
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            command,
            stdin=subprocess.PIPE,
            stdout=errors,
            stderr=errors,
            env=_pg_environment(settings_dict),
        )
        assert process.stdin is not None
        try:
            for chunk in decrypt_chunks(source, ring=ring):
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped early: its exit status and message say why
        except BaseException:
            process.kill()  # before its transaction commits
            process.wait()
            raise
        if process.wait() != 0:
            raise _tool_failed("pg_restore", errors)


def _restore_sqlite(source: IO[bytes], ring: KeyRing, settings_dict: dict[str, Any]) -> None:
    target = _sqlite_path(settings_dict)
    if not target.parent.is_dir():
        raise BackupError(f"La carpeta {target.parent} no existe (folder does not exist).")
    with _private_scratch_file(target.parent, ".cercania-restore-") as snapshot:
        with snapshot.open("wb") as plain:
            for chunk in decrypt_chunks(source, ring=ring):
                plain.write(chunk)
        with (
            closing(sqlite3.connect(snapshot)) as copy,
            closing(sqlite3.connect(target, timeout=20)) as destination,
        ):
            if copy.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError("La copia SQLite del respaldo está dañada (damaged snapshot).")
            # One step: the target goes from its old content to the archive's at once.
            copy.backup(destination)


def encrypted_fields_unreadable(using: str = "default") -> list[str]:
    """Encrypted fields whose first stored value the configured keys cannot open.

    After a restore this tells at once whether CERCANIA_FIELD_KEYS is the ring the data
    was written with; it reads one value per field, never prints any.
    """
    unreadable = []
    for model, fields in encrypted_fields_by_model().items():
        for field in fields:
            # Cast to plain text so the ORM hands back the ciphertext, as rotate_all does.
            try:
                stored = (
                    model._base_manager.using(using)
                    .annotate(_stored=Cast(field.attname, models.TextField()))
                    .filter(_stored__gt="")
                    .order_by("pk")
                    .values_list("_stored", flat=True)
                    .first()
                )
            except DatabaseError:
                continue  # an archive older than this code: checked after `migrate`
            if not stored:
                continue
            try:
                decrypt(stored, label=field._label())
            except FieldDecryptionError:
                unreadable.append(f"{model._meta.label_lower}.{field.name}")
    return unreadable
