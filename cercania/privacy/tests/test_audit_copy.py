"""The audit trail's copy on a separate system (CERCANIA_AUDIT_COPY) and `audit_verify`."""

from __future__ import annotations

import importlib
import json
import logging
import logging.config
import shutil
import socket
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import User
from cercania.lib.logformat import console_logging
from cercania.privacy.append_only import append_only_suspended
from cercania.privacy.audit_copy import LOGGER_NAME, seal
from cercania.privacy.models import AuditEvent
from cercania.privacy.services import audit_record

pytestmark = pytest.mark.django_db

SQLITE_CREATE = importlib.import_module(
    "cercania.privacy.migrations.0002_append_only_triggers"
).SQLITE_CREATE
CASE_ID = "4b0f5e3c-1d7a-4a43-9a55-2f0f4d7c2a10"


@pytest.fixture
def copy_file(tmp_path: Path, audit_copy_to) -> Path:
    """The site's logging configured as with CERCANIA_AUDIT_COPY=file:<path>."""
    path = tmp_path / "audit.jsonl"
    audit_copy_to(f"file:{path}")
    return path


def copied(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def record(actor: User, object_public_id: str = CASE_ID, **detail) -> AuditEvent:
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        object_type="cases.case",
        object_public_id=object_public_id,
        detail={"fields": ["status"], **detail},
    )


def verify(path: Path | str, *args: str) -> str:
    out = StringIO()
    call_command("audit_verify", str(path), *args, stdout=out)
    return out.getvalue()


def tamper(sql: str, params: list) -> None:
    """What the owner of the database can do: write past the append-only triggers."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Triggers do not fire for a replica session: the superuser's way around them.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql.format(table=table), params)
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER privacy_auditevent_no_update")
            cursor.execute(sql.format(table=table), params)
            cursor.execute(SQLITE_CREATE[0])


class TestTheCopy:
    def test_a_staff_read_through_the_site_is_copied_once_it_commits(
        self,
        copy_file: Path,
        verified_client,
        coordinator: User,
        make_person,
        django_capture_on_commit_callbacks,
    ) -> None:
        person = make_person(name="Rosa Imelda Quiñones", phone="614 987 6543")
        client: Client = verified_client(coordinator)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(reverse("cases:person", args=[person.public_id]))
        assert response.status_code == 200
        view = AuditEvent.objects.get(action="view", object_public_id=str(person.public_id))
        [line] = [entry for entry in copied(copy_file) if entry["id"] == str(view.public_id)]
        assert line["action"] == "view"
        assert line["object_type"] == "cases.person"
        assert line["actor"] == str(coordinator.public_id)
        assert line["role"] == "coordinacion"
        assert line["ip"] == "203.0.113.7"
        assert line["seal"] == seal({k: v for k, v in line.items() if k != "seal"})
        text = copy_file.read_text()
        # Whole values only: short digit runs turn up in ids, seals and times by chance.
        for personal in ("Rosa", "Quiñones", "6149876543", "614 987 6543", coordinator.email):
            assert personal not in text

    def test_a_row_is_copied_only_when_its_transaction_commits(
        self, copy_file: Path, adviser: User, django_capture_on_commit_callbacks
    ) -> None:
        def failed_change() -> None:
            with transaction.atomic():
                record(adviser, object_public_id="rolled-back")
                raise RuntimeError("the change failed")

        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError):
                failed_change()
            kept = record(adviser)
        assert [entry["id"] for entry in copied(copy_file)] == [str(kept.public_id)]

    def test_without_a_destination_nothing_is_queued(
        self, adviser: User, django_capture_on_commit_callbacks
    ) -> None:
        assert not logging.getLogger(LOGGER_NAME).handlers
        with django_capture_on_commit_callbacks() as callbacks:
            record(adviser)
        assert callbacks == []

    def test_an_unknown_destination_is_refused(self) -> None:
        with pytest.raises(ValueError, match="syslog"):
            console_logging(log_format="text", audit_copy="ftp://logs")
        with pytest.raises(ValueError, match="absolute"):
            console_logging(log_format="text", audit_copy="file:relative.log")

    def test_syslog_lines_carry_the_program_name_rsyslog_routes_on(self) -> None:
        config = console_logging(log_format="json", audit_copy="syslog")
        handler = config["handlers"]["audit_copy"]
        assert handler["class"] == "cercania.lib.logformat.AuditCopySysLogHandler"
        assert handler["address"] == "/dev/log"
        assert config["formatters"][handler["formatter"]]["format"].startswith("cercania-audit: ")
        rsyslog = (Path(settings.BASE_DIR) / "deploy/rsyslog/60-cercania-audit.conf").read_text()
        assert "$programname == 'cercania-audit'" in rsyslog


class TestAnUnreachableDestination:
    def test_a_missing_copy_folder_fails_no_page_and_is_said_once(
        self,
        tmp_path: Path,
        audit_copy_to,
        verified_client,
        coordinator: User,
        make_person,
        django_capture_on_commit_callbacks,
        capfd,
    ) -> None:
        folder = tmp_path / "copia"
        folder.mkdir()
        path = folder / "audit.jsonl"
        audit_copy_to(f"file:{path}")
        person = make_person(name="Rosa Imelda Quiñones", phone="614 987 6543")
        client: Client = verified_client(coordinator)
        page = reverse("cases:person", args=[person.public_id])
        shutil.rmtree(folder)  # the copy's disk is gone
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                assert client.get(page).status_code == 200
        said = capfd.readouterr().err
        assert said.count("The audit copy cannot be written (FileNotFoundError)") == 1
        assert "Logging error" not in said and "Traceback" not in said
        assert AuditEvent.objects.filter(action="view").count() == 3  # all in the database

        folder.mkdir()  # back: the next row is copied again
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(page).status_code == 200
        newest = AuditEvent.objects.filter(action="view").latest("occurred_at")
        assert str(newest.public_id) in [entry["id"] for entry in copied(path)]
        assert capfd.readouterr().err.count("The audit copy is written again.") == 1

    def test_a_syslog_nobody_listens_on_is_said_once_and_the_copy_resumes(
        self,
        tmp_path: Path,
        audit_copy_to,
        adviser: User,
        django_capture_on_commit_callbacks,
        capfd,
    ) -> None:
        address = str(tmp_path / "log.sock")
        audit_copy_to(f"syslog:{address}")
        with django_capture_on_commit_callbacks(execute=True):
            record(adviser, object_public_id="case-1")
            record(adviser, object_public_id="case-2")
        said = capfd.readouterr().err
        assert said.count("The audit copy cannot be written") == 1
        assert "Logging error" not in said and "Traceback" not in said

        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as syslog:
            syslog.bind(address)  # rsyslog is back
            with django_capture_on_commit_callbacks(execute=True):
                kept = record(adviser, object_public_id="case-3")
            line = syslog.recv(65536).decode()
        assert str(kept.public_id) in line
        assert capfd.readouterr().err.count("The audit copy is written again.") == 1


class TestVerify:
    @pytest.fixture
    def shipped(
        self, copy_file: Path, adviser: User, django_capture_on_commit_callbacks
    ) -> list[AuditEvent]:
        with django_capture_on_commit_callbacks(execute=True):
            return [record(adviser, object_public_id=f"case-{n}") for n in range(3)]

    def test_a_copy_that_agrees_is_reported_so(self, copy_file: Path, shipped) -> None:
        out = verify(copy_file)
        assert "3 registros coinciden con la copia." in out
        assert "eliminados" not in out and "modificados" not in out

    def test_a_row_deleted_from_the_database_is_found(self, copy_file: Path, shipped) -> None:
        with append_only_suspended():
            AuditEvent.objects.filter(pk=shipped[1].pk)._purge()
        out = StringIO()
        with pytest.raises(CommandError, match="no coincide"):
            call_command("audit_verify", str(copy_file), stdout=out)
        assert "1 registros están en la copia y ya no en la base de datos" in out.getvalue()
        assert str(shipped[1].public_id) in out.getvalue()
        assert "2 registros coinciden" in out.getvalue()

    def test_a_row_altered_in_the_database_is_found(self, copy_file: Path, shipped) -> None:
        tamper("UPDATE {table} SET action = 'view' WHERE id = %s", [shipped[0].pk])
        out = StringIO()
        with pytest.raises(CommandError):
            call_command("audit_verify", str(copy_file), stdout=out)
        assert "1 registros son distintos en la base de datos y en la copia" in out.getvalue()
        assert str(shipped[0].public_id) in out.getvalue()

    def test_a_forged_line_is_reported_and_not_trusted(self, copy_file: Path, shipped) -> None:
        forged = copied(copy_file)[0] | {"id": "9d0c7b8e-0000-4000-8000-000000000000"}
        with copy_file.open("a") as handle:
            handle.write(f"Dec  2 18:00:00 host cercania-audit: {json.dumps(forged)}\n")
        out = StringIO()
        with pytest.raises(CommandError):
            call_command("audit_verify", str(copy_file), stdout=out)
        assert "1 líneas de la copia no tienen un sello válido" in out.getvalue()
        assert "3 registros coinciden" in out.getvalue()
        assert "ya no en la base de datos" not in out.getvalue()

    def test_syslog_prefixes_and_other_lines_are_read_through(
        self, copy_file: Path, shipped, tmp_path: Path
    ) -> None:
        relayed = tmp_path / "relayed.log"
        relayed.write_text(
            "Dec  2 17:59:59 host systemd[1]: Started cercania-web.service.\n"
            + "".join(
                f"Dec  2 18:00:00 host cercania-audit: {line}\n"
                for line in copy_file.read_text().splitlines()
            )
        )
        assert "3 registros coinciden con la copia." in verify(relayed)

    def test_a_row_the_copy_missed_is_listed_without_failing(
        self, copy_file: Path, shipped, adviser: User
    ) -> None:
        missed = record(adviser, object_public_id="never-shipped")  # its commit never ran
        later = datetime.now(UTC) + timedelta(days=1)
        out = verify(copy_file, "--until", later.date().isoformat())
        assert "1 registros están en la base de datos y no en la copia (sin enviar)" in out
        assert str(missed.public_id) in out

    def test_rows_past_retention_purged_on_purpose_are_not_called_deleted(
        self, copy_file: Path, adviser: User, django_capture_on_commit_callbacks
    ) -> None:
        long_ago = datetime.now(UTC) - timedelta(days=settings.AUDIT_RETENTION_DAYS + 30)
        with django_capture_on_commit_callbacks(execute=True):
            with time_machine.travel(long_ago, tick=False):
                record(adviser, object_public_id="old")
            record(adviser, object_public_id="recent")
        call_command("purge_audit", stdout=StringIO())
        out = verify(copy_file)
        assert "1 registros coinciden" in out
        assert "1 registros de la copia ya pasaron el plazo de conservación" in out

    def test_a_copy_of_forged_lines_only_is_tampering_not_an_empty_copy(
        self, copy_file: Path, shipped, tmp_path: Path
    ) -> None:
        forged = tmp_path / "forged.log"
        forged.write_text(
            "".join(json.dumps(line | {"seal": "0" * 64}) + "\n" for line in copied(copy_file))
        )
        out = StringIO()
        with pytest.raises(CommandError, match="con un sello válido"):
            call_command("audit_verify", str(forged), stdout=out)
        assert "3 líneas de la copia no tienen un sello válido" in out.getvalue()

    def test_a_copy_without_rows_or_a_missing_file_is_a_clear_error(self, tmp_path: Path) -> None:
        empty = tmp_path / "empty.log"
        empty.write_text("nothing here\n")
        with pytest.raises(CommandError, match="ningún registro de bitácora válido"):
            verify(empty)
        with pytest.raises(CommandError, match="No se pudo leer la copia"):
            verify(tmp_path / "missing.log")
        with pytest.raises(CommandError, match="Fecha no válida"):
            verify(empty, "--since", "ayer")
