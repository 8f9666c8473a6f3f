from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django import forms
from django.apps.registry import Apps
from django.core.exceptions import FieldError, ValidationError
from django.db import connection, models
from django.test import override_settings
from django.test.utils import isolate_apps

from cercania.lib.crypto import FieldDecryptionError, generate_key_entry, stored_key_id
from cercania.lib.fields import (
    EncryptedCharField,
    EncryptedTextField,
    encrypted_fields_by_model,
    rotate_all,
)

KEY_A = generate_key_entry("a")
KEY_B = generate_key_entry("b")
SENTINEL = "Sentinel Ramírez 614 490 0789"


@dataclass
class Setup:
    model: type[models.Model]
    registry: Apps

    def raw(self, pk: int) -> tuple[str | None, str | None]:
        """The columns exactly as stored, bypassing the field's decryption."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name, notes FROM {table} WHERE id = %s", [pk])  # noqa: S608
            return cursor.fetchone()

    def write_raw(self, pk: int, column: str, value: str) -> None:
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608


@pytest.fixture
def setup(transactional_db) -> Iterator[Setup]:
    # A throwaway model in an isolated registry with a real table: the test exercises
    # the actual SQL on SQLite and PostgreSQL. A transactional test is needed because
    # SQLite cannot change its schema inside the atomic block of a normal test.
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]),
        isolate_apps("cercania.lib") as registry,
    ):

        class EncryptionProbe(models.Model):  # noqa: DJ008 (never displayed)
            name = EncryptedCharField(max_length=40)
            notes = EncryptedTextField(null=True, blank=True)

            class Meta:
                app_label = "lib"

        assert registry is not None
        with connection.schema_editor() as editor:
            editor.create_model(EncryptionProbe)
        try:
            yield Setup(EncryptionProbe, registry)
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(EncryptionProbe)


def test_it_stores_ciphertext_and_reads_plaintext(setup):
    row = setup.model.objects.create(name=SENTINEL, notes=f"{SENTINEL} notes")
    name, notes = setup.raw(row.pk)
    assert name.startswith("v1:a:") and notes.startswith("v1:a:")
    assert "Sentinel" not in name and "Sentinel" not in notes
    loaded = setup.model.objects.get(pk=row.pk)
    assert loaded.name == SENTINEL
    assert loaded.notes == f"{SENTINEL} notes"


def test_it_encrypts_values_written_by_update_and_bulk_update(setup):
    row = setup.model.objects.create(name="before")
    setup.model.objects.filter(pk=row.pk).update(notes=SENTINEL)
    assert "Sentinel" not in setup.raw(row.pk)[1]
    row.name = SENTINEL
    setup.model.objects.bulk_update([row], ["name"])
    assert "Sentinel" not in setup.raw(row.pk)[0]
    assert list(setup.model.objects.values_list("name", "notes")) == [(SENTINEL, SENTINEL)]


def test_it_saves_refreshes_and_deletes_like_any_other_field(setup):
    row = setup.model.objects.create(name="before")
    row.name = SENTINEL
    row.save(update_fields=["name"])
    row.refresh_from_db()
    assert row.name == SENTINEL
    row.delete()
    assert not setup.model.objects.exists()


def test_it_keeps_null_and_empty_values_as_they_are(setup):
    row = setup.model.objects.create(name="", notes=None)
    assert setup.raw(row.pk) == ("", None)
    loaded = setup.model.objects.get(pk=row.pk)
    assert (loaded.name, loaded.notes) == ("", None)


def test_it_refuses_a_ciphertext_moved_to_another_column(setup):
    row = setup.model.objects.create(name=SENTINEL, notes="other")
    setup.write_raw(row.pk, "notes", setup.raw(row.pk)[0])
    with pytest.raises(FieldDecryptionError, match=r"lib\.encryptionprobe\.notes"):
        setup.model.objects.get(pk=row.pk)


def test_it_fails_loudly_when_the_key_is_gone(setup):
    row = setup.model.objects.create(name=SENTINEL)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]),
        pytest.raises(FieldDecryptionError, match="'a' is not in"),
    ):
        setup.model.objects.get(pk=row.pk)


def test_it_allows_isnull_and_refuses_every_other_lookup(setup):
    setup.model.objects.create(name=SENTINEL, notes=None)
    assert setup.model.objects.filter(notes__isnull=True).count() == 1
    for lookup in ({"name": SENTINEL}, {"name__icontains": "Sent"}, {"notes__in": ["x"]}):
        with pytest.raises(FieldError, match="encrypted: only __isnull"):
            setup.model.objects.filter(**lookup)
    with pytest.raises(FieldError, match="encrypted"):
        setup.model.objects.filter(name__lower__exact="x")


def test_it_validates_the_plaintext_length_and_offers_a_single_line_input(setup):
    field = setup.model._meta.get_field("name")
    with pytest.raises(ValidationError):
        setup.model(name="x" * 41).full_clean()
    setup.model(name="x" * 40).full_clean()
    assert isinstance(field.formfield().widget, forms.TextInput)
    assert isinstance(setup.model._meta.get_field("notes").formfield().widget, forms.Textarea)


def test_it_deconstructs_for_migrations(setup):
    _, path, args, kwargs = setup.model._meta.get_field("name").deconstruct()
    assert (path, args, kwargs) == (
        "cercania.lib.fields.EncryptedCharField",
        [],
        {"max_length": 40},
    )
    _, path, _, kwargs = EncryptedTextField(null=True, aad_label="cases.old.notes").deconstruct()
    assert path == "cercania.lib.fields.EncryptedTextField"
    assert kwargs == {"null": True, "aad_label": "cases.old.notes"}


def test_it_keeps_reading_after_a_rename_when_the_old_label_is_pinned(setup):
    row = setup.model.objects.create(name="x", notes=SENTINEL)
    stored = setup.raw(row.pk)[1]
    with isolate_apps("cercania.lib"):

        class RenamedProbe(models.Model):  # noqa: DJ008 (never displayed)
            remarks = EncryptedTextField(aad_label="lib.encryptionprobe.notes")

            class Meta:
                app_label = "lib"

    field = RenamedProbe._meta.get_field("remarks")
    assert field.from_db_value(stored, None, connection) == SENTINEL


def test_it_rejects_unique_or_indexed_encrypted_fields():
    with isolate_apps("cercania.lib"):

        class BadProbe(models.Model):  # noqa: DJ008 (never displayed)
            phone = EncryptedCharField(max_length=20, unique=True)
            email = EncryptedTextField(db_index=True)
            nameless = EncryptedCharField()

            class Meta:
                app_label = "lib"

    ids = [error.id for error in BadProbe.check()]
    assert ids.count("cercania.E001") == 2
    assert ids.count("cercania.E002") == 1


def test_it_lists_the_models_with_encrypted_fields(setup):
    found = encrypted_fields_by_model(setup.registry)
    assert [f.name for f in found[setup.model]] == ["name", "notes"]


def test_it_rotates_every_row_to_the_newest_key(setup):
    pks = [setup.model.objects.create(name=f"{SENTINEL} {i}", notes=None).pk for i in range(5)]
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        # One row already under the newest key is not rewritten.
        pks.append(setup.model.objects.create(name=f"{SENTINEL} 5", notes="new").pk)
        assert rotate_all(batch_size=2, registry=setup.registry) == {"lib.encryptionprobe": 5}
        assert rotate_all(batch_size=2, registry=setup.registry) == {"lib.encryptionprobe": 0}
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        for i, pk in enumerate(pks):
            name, notes = setup.raw(pk)
            assert stored_key_id(name) == "b"
            assert notes is None or stored_key_id(notes) == "b"
            assert setup.model.objects.get(pk=pk).name == f"{SENTINEL} {i}"


def test_it_stops_a_rotation_batch_on_a_value_it_cannot_read(setup):
    row = setup.model.objects.create(name=SENTINEL)
    setup.write_raw(row.pk, "name", "v1:a:tampered0000000000000000000000000000")
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]),
        pytest.raises(FieldDecryptionError),
    ):
        rotate_all(registry=setup.registry)
