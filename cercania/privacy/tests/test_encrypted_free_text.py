"""What may be said when someone else answers, and why a session was cancelled, are her
words: ciphertext in the database like every other note, readable through the app,
rewritten by `rotate_keys`, and encrypted in place by the migrations that made them so."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from cercania.cases.models import Person
from cercania.lib.crypto import FieldDecryptionError, generate_key_entry, stored_key_id
from cercania.scheduling.models import Appointment

from .records import PLAIN_TEXTS

pytestmark = pytest.mark.django_db
WORDS = {
    "what_may_be_said": PLAIN_TEXTS["what_may_be_said"],
    "cancel_reason": PLAIN_TEXTS["cancel_reason"],
}


def stored(records) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Both columns exactly as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT what_may_be_said FROM cases_person WHERE id = %s", [records.person.pk]
        )
        (said,) = cursor.fetchone()
        cursor.execute(
            "SELECT cancel_reason FROM scheduling_appointment WHERE id = %s", [records.cancelled.pk]
        )
        (reason,) = cursor.fetchone()
    return {"what_may_be_said": said, "cancel_reason": reason}


def read_back(records) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Both values as the app reads them."""
    return {
        "what_may_be_said": Person.objects.get(pk=records.person.pk).what_may_be_said,
        "cancel_reason": Appointment.objects.get(pk=records.cancelled.pk).cancel_reason,
    }


class TestAtRest:
    def test_the_database_holds_only_ciphertext(self, her_records) -> None:
        columns = stored(her_records())
        assert all(value.startswith("v1:") for value in columns.values())
        for column, words in WORDS.items():
            assert words not in columns[column]
            assert "tintorería" not in columns[column] and "ese día" not in columns[column]

    def test_the_app_reads_what_was_typed(self, her_records) -> None:
        records = her_records()
        assert (
            Person.objects.get(pk=records.person.pk).what_may_be_said == WORDS["what_may_be_said"]
        )
        assert (
            Appointment.objects.get(pk=records.cancelled.pk).cancel_reason == WORDS["cancel_reason"]
        )

    def test_her_page_shows_what_may_be_said(self, her_records, coordinator, verified_client):
        records = her_records()
        page = verified_client(coordinator).get(
            f"/personal/expedientes/personas/{records.person.public_id}/"
        )
        assert page.status_code == 200
        assert WORDS["what_may_be_said"] in page.text

    def test_a_wrong_key_fails_loudly_instead_of_showing_anything(self, her_records) -> None:
        records = her_records()
        with (
            override_settings(FIELD_ENCRYPTION_KEYS=[generate_key_entry("otra")]),
            pytest.raises(FieldDecryptionError, match="cancel_reason"),
        ):
            Appointment.objects.get(pk=records.cancelled.pk)


def test_rotate_keys_rewrites_both_under_the_newest_key(her_records, settings) -> None:
    records = her_records()
    old_id = stored_key_id(stored(records)["cancel_reason"])
    settings.FIELD_ENCRYPTION_KEYS = [generate_key_entry("nueva"), *settings.FIELD_ENCRYPTION_KEYS]
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "cases.person: 1" in out.getvalue()
    assert "scheduling.appointment: 1" in out.getvalue()  # the cancelled one; no reason, no write
    columns = stored(records)
    assert {stored_key_id(v) for v in columns.values()} == {"nueva"} != {old_id}
    assert read_back(records) == WORDS


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_the_plain_values_already_stored(her_records) -> None:
    # A transactional test: SQLite cannot change a table's schema inside a transaction.
    records = her_records()
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0003_catalogues"), ("scheduling", "0004_staff_account_label")])
    # Unapplied, the columns hold plain text again (the reverse decrypts), like before.
    assert stored(records) == WORDS

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    columns = stored(records)
    assert all(value.startswith("v1:") for value in columns.values())
    assert all(WORDS[c] not in columns[c] for c in WORDS)
    assert read_back(records) == WORDS
