"""`cercania backup` and `cercania restore`, on whichever database the suite runs on.

The restore goes into a second, empty database (SQLite: another file; PostgreSQL:
another database this module creates and drops) reached through a second alias, and
the test reads it back through Django like the application would.
"""

from __future__ import annotations

import io
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import TransactionTestCase, override_settings

from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.cases.models import Area, Contact, FollowUp, Person, Referral
from cercania.cases.services import ContactChoices, case_open, person_register
from cercania.lib.crypto import generate_key_entry, parse_key_ring
from cercania.lib.encrypted_archive import decrypt_chunks, encrypt_stream
from cercania.privacy.tests.records import PLAIN_TEXTS, build_her_records

RESTORED = "restored"
# Staff names are stored in clear text: in the dump unless the archive is encrypted.
SENTINEL = "Zoraida Centinela Ibarrola"
OTHER_WOMEN = {"Marisela Trujillo": "614 111 2233", "Perla Anchondo": "614 222 3344"}


@pytest.fixture
def restored_alias(db, tmp_path) -> Iterator[str]:
    """A second alias pointing at a new, empty database of the same kind."""
    default = connections["default"].settings_dict
    vendor = connections["default"].vendor
    name = _restored_name()
    if vendor == "postgresql":
        _drop_and_create(default, name)
        connections.settings[RESTORED] = {**default, "NAME": name}
    else:
        connections.settings[RESTORED] = {**default, "NAME": str(tmp_path / "restored.sqlite3")}
    test_class = _running_test_class()
    allowed = test_class.databases
    test_class.databases = {*allowed, RESTORED}
    yield RESTORED
    connections[RESTORED].close()
    del connections[RESTORED]
    del connections.settings[RESTORED]
    test_class.databases = allowed
    if vendor == "postgresql":
        _drop_and_create(default, name, create=False)


def _restored_name() -> str:
    return f"{connections['default'].settings_dict['NAME']}_restored"


def _running_test_class() -> type[TransactionTestCase]:
    """The test case class pytest-django made for this test.

    Django refuses connections to aliases a test case did not declare; this alias only
    exists once the test runs (pytest-django would otherwise create and migrate a test
    database for it, and the restore needs an empty one). Django's guard reads the
    class from its patched ensure_connection: that is where it is found.
    """
    patched = BaseDatabaseWrapper.ensure_connection
    cells = dict(zip(patched.__code__.co_freevars, patched.__closure__ or (), strict=True))
    return cells["cls"].cell_contents


def _drop_and_create(default: dict, name: str, *, create: bool = True) -> None:
    with psycopg.connect(
        host=default["HOST"] or None,
        port=default["PORT"] or None,
        user=default["USER"] or None,
        password=default["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            admin.execute(f'CREATE DATABASE "{name}"')


def row_counts(alias: str) -> dict[str, int]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def backup_to(path: Path) -> Path:
    call_command("backup", output=path, stdout=io.StringIO())
    return path


def restore(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *args, database=RESTORED, stdout=out, stderr=out)
    return out.getvalue()


def plaintext_dump(archive: Path, settings) -> bytes:
    """What the archive hides, as text a person could grep: SQLite's file itself, or
    pg_restore's SQL script of the custom-format dump (which is compressed)."""
    ring = parse_key_ring(tuple(settings.BACKUP_KEYS), setting="CERCANIA_BACKUP_KEY")
    with archive.open("rb") as source:
        dump = b"".join(decrypt_chunks(source, ring=ring))
    if connections["default"].vendor == "sqlite":
        return dump
    return subprocess.run(
        [shutil.which("pg_restore") or "pg_restore", "--file=-"],
        input=dump,
        capture_output=True,
        check=True,
    ).stdout


# ---------------------------------------------------------------- a full round trip


@pytest.fixture
def her_file(transactional_db, migration_data, time_machine, book, legal_service, make_advisor):
    coordinator = staff_user_create(
        email="centinela@example.org", display_name=SENTINEL, roles=[Role.COORDINACION]
    )
    records = build_her_records(
        time_machine=time_machine,
        book=book,
        service=legal_service,
        advisor=make_advisor(),
        coordinator=coordinator,
        texts=PLAIN_TEXTS,
    )
    for name, phone in OTHER_WOMEN.items():
        person = person_register(
            name=name, phone=phone, contact=ContactChoices(call=True), actor=coordinator
        )
        case_open(person=person, area=Area.VIOLENCE, actor=coordinator)
    return records


# pg_dump reads committed rows only: this test commits (and flushes every table at its
# end, like the other transactional tests, which pytest-django runs last).
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_row_and_the_encrypted_fields_read_back(
    her_file, restored_alias, tmp_path, settings
):
    archive = backup_to(tmp_path / "her.cercania-backup")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    # Nothing readable in the archive, though the dump itself holds the clear-text name.
    assert SENTINEL.encode() in plaintext_dump(archive, settings)
    assert SENTINEL.encode() not in archive.read_bytes()

    assert row_counts(restored_alias) == {}
    output = restore(archive)
    assert "Respaldo restaurado" in output and "ATENCIÓN" not in output

    source, restored = row_counts("default"), row_counts(restored_alias)
    assert restored == source
    for table in (
        "cases_person",
        "cases_case",
        "cases_contact",
        "cases_referral",
        "scheduling_appointment",
        "privacy_consent",
        "privacy_auditevent",
        "accounts_user",
    ):
        assert restored[table] > 0, table

    person = Person.objects.using(restored_alias).get(folio=her_file.person.folio)
    assert (person.name, person.email, person.code_name) == (
        PLAIN_TEXTS["name"],
        PLAIN_TEXTS["email"],
        PLAIN_TEXTS["code_name"],
    )
    assert person.phone == her_file.person.phone and person.phone_hash == her_file.person.phone_hash
    restored_names = {p.name: p.phone for p in Person.objects.using(restored_alias)}
    assert restored_names["Perla Anchondo"] == "+526142223344"
    assert set(OTHER_WOMEN) < set(restored_names)
    assert (
        Contact.objects.using(restored_alias).get(pk=her_file.contact.pk).summary
        == PLAIN_TEXTS["summary"]
    )
    assert (
        Referral.objects.using(restored_alias).get(pk=her_file.referral.pk).reason
        == PLAIN_TEXTS["referral_reason"]
    )
    assert (
        FollowUp.objects.using(restored_alias).get(pk=her_file.follow_up.pk).task
        == (PLAIN_TEXTS["task"])
    )

    # A second restore meets a database that is no longer empty.
    with pytest.raises(CommandError, match="no está vacía"):
        restore(archive)
    # --force replaces it. Under another field-key ring the data is there but cannot be
    # read: the command says so at once, not at the first page a coordinator opens.
    with override_settings(FIELD_ENCRYPTION_KEYS=[generate_key_entry("k9")]):
        warned = restore(archive, "--force")
    assert "Respaldo restaurado" in warned
    assert "ATENCIÓN" in warned and "cases.person.name" in warned
    assert PLAIN_TEXTS["name"] not in warned
    assert row_counts(restored_alias) == source


# ---------------------------------------------------------------- refusals


@pytest.fixture
def archive(db, tmp_path) -> Path:
    # The schema and the data migrations' rows are committed: enough to restore.
    return backup_to(tmp_path / "schema.cercania-backup")


def test_a_wrong_backup_key_restores_nothing(archive, restored_alias):
    with (
        override_settings(BACKUP_KEYS=[generate_key_entry("devbackup1")]),
        pytest.raises(CommandError, match="llave equivocada"),
    ):
        restore(archive)
    assert row_counts(restored_alias) == {}


def test_an_archive_under_a_key_not_configured_is_refused_by_its_id(archive, restored_alias):
    with (
        override_settings(BACKUP_KEYS=[generate_key_entry("b9")]),
        pytest.raises(CommandError, match="'devbackup1', que no está en CERCANIA_BACKUP_KEY"),
    ):
        restore(archive)
    assert row_counts(restored_alias) == {}


def test_an_altered_last_chunk_restores_nothing(archive, restored_alias):
    # The end of the file: a restore that streamed as it decrypted would be nearly done.
    data = bytearray(archive.read_bytes())
    data[-5] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="no se pudo autenticar"):
        restore(archive)
    assert row_counts(restored_alias) == {}


def test_a_cut_archive_restores_nothing(archive, restored_alias):
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(CommandError, match=r"cortado|incompleto"):
        restore(archive)
    assert row_counts(restored_alias) == {}


def test_a_non_empty_target_is_refused_and_left_alone(archive, restored_alias):
    with connections[restored_alias].cursor() as cursor:
        cursor.execute("CREATE TABLE something_else (id integer)")
        cursor.execute("INSERT INTO something_else VALUES (7)")
    with pytest.raises(CommandError, match=r"La base de destino no está vacía.*--force"):
        restore(archive)
    assert row_counts(restored_alias) == {"something_else": 1}


def test_an_archive_of_the_other_database_kind_is_refused(tmp_path, restored_alias, settings):
    other = "sqlite" if connections["default"].vendor == "postgresql" else "postgresql"
    ring = parse_key_ring(tuple(settings.BACKUP_KEYS), setting="CERCANIA_BACKUP_KEY")
    path = tmp_path / "other.cercania-backup"
    with path.open("wb") as target:
        encrypt_stream(io.BytesIO(b"dump"), target, ring=ring, database=other)
    with pytest.raises(CommandError, match=f"El respaldo es de {other}"):
        restore(path)
    assert row_counts(restored_alias) == {}


def test_check_authenticates_and_restores_nothing(archive, restored_alias):
    out = restore(archive, "--check")
    assert "Respaldo íntegro" in out and "No se restauró nada" in out
    assert row_counts(restored_alias) == {}


def test_without_a_backup_key_the_commands_say_how_to_make_one(tmp_path, db):
    with (
        override_settings(BACKUP_KEYS=[]),
        pytest.raises(CommandError, match="CERCANIA_BACKUP_KEY no está configurada"),
    ):
        backup_to(tmp_path / "x.cercania-backup")
    assert list(tmp_path.iterdir()) == []


def test_it_never_overwrites_an_archive(archive):
    before = archive.read_bytes()
    with pytest.raises(CommandError, match="ya existe"):
        backup_to(archive)
    assert archive.read_bytes() == before


def test_a_folder_as_output_gets_a_dated_archive(db, tmp_path):
    out = io.StringIO()
    call_command("backup", output=tmp_path, stdout=out)
    (made,) = tmp_path.iterdir()
    assert made.name.startswith("cercania-") and made.name.endswith(".cercania-backup")
    assert str(made) in out.getvalue()
    assert stat.S_IMODE(made.stat().st_mode) == 0o600


def test_a_failed_dump_leaves_no_archive(restored_alias, tmp_path):
    # The second alias names a database that does not exist (dropped, or never created).
    if connections[restored_alias].vendor == "postgresql":
        _drop_and_create(connections["default"].settings_dict, _restored_name(), create=False)
        expected = "pg_dump falló"
    else:
        expected = "No existe la base"
    with pytest.raises(CommandError, match=expected):
        call_command("backup", output=tmp_path, database=restored_alias, stdout=io.StringIO())
    assert [p.name for p in tmp_path.iterdir()] == []


def test_a_target_that_cannot_be_opened_is_named(archive, restored_alias, tmp_path):
    if connections[restored_alias].vendor == "postgresql":
        _drop_and_create(connections["default"].settings_dict, _restored_name(), create=False)
    else:
        connections[restored_alias].settings_dict["NAME"] = str(tmp_path / "no" / "such.db")
    with pytest.raises(CommandError, match="No se puede abrir la base de destino"):
        restore(archive)
