"""Model fields that keep sensitive text encrypted at rest, and the key-rotation loop.

Values are encrypted in ``get_prep_value`` and decrypted in ``from_db_value``, so code
above the ORM only ever sees plaintext and the database only ever sees ciphertext.
The authenticated data is ``app_label.model_name.field_name``: renaming the model, its
app or the field makes old values unreadable unless ``aad_label`` pins the old label.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models.functions import Cast

from cercania.lib.crypto import FieldDecryptionError, key_ring, reencrypt_value, stored_key_id
from cercania.lib.crypto import decrypt as decrypt_text
from cercania.lib.crypto import encrypt as encrypt_text


class EncryptedTextField(models.TextField):
    """Multi-line sensitive text (summaries, notes, risk answers as JSON text).

    NULL stays NULL and "" stays "": ciphertext length leaks emptiness anyway, and it
    lets a migration add a blank column to a large table without touching the keys.
    """

    description = "Text encrypted at rest"

    encryption_label: str | None = None  # set once the field belongs to a model

    def __init__(self, *args: Any, aad_label: str | None = None, **kwargs: Any) -> None:
        self.aad_label = aad_label
        super().__init__(*args, **kwargs)

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        # Abstract parents hand a copy of the field to each concrete model, which calls
        # this again, so every concrete model gets its own label.
        self.encryption_label = self.aad_label or f"{cls._meta.label_lower}.{name}"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.aad_label:
            kwargs["aad_label"] = self.aad_label
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        # django-stubs does not declare Field.db_index, Django 5.2 sets it in __init__.
        if self.unique or self.primary_key or self.db_index:  # type: ignore[attr-defined]
            # Each value has a random nonce, so equal plaintexts never collide and an
            # index or unique constraint on the ciphertext protects nothing.
            errors.append(
                checks.Error(
                    "Encrypted fields cannot be unique, primary keys or indexed.",
                    hint="Store a keyed_hash() of the normalised value in its own field.",
                    obj=self,
                    id="cercania.E001",
                )
            )
        return errors

    def _label(self) -> str:
        if self.encryption_label is None:
            raise ImproperlyConfigured("an encrypted field is used before it belongs to a model")
        return self.encryption_label

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value, label=self._label())

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value, label=self._label())

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.encryption_label} is encrypted: only __isnull can be queried, not "
            f"__{lookup_name}. Search by equality on a keyed_hash() field instead."
        )

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(
            f"{self.encryption_label} is encrypted: __{lookup_name} cannot be queried."
        )


class EncryptedCharField(EncryptedTextField):
    """Single-line sensitive text (names, phones, emails).

    ``max_length`` limits the plaintext and the form input; the column is TEXT because
    ciphertext is longer than the value.
    """

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if not isinstance(self.max_length, int) or self.max_length <= 0:
            errors.append(
                checks.Error(
                    "EncryptedCharField needs a positive max_length.",
                    obj=self,
                    id="cercania.E002",
                )
            )
        return errors

    @property
    def validators(self) -> list[Any]:
        return [*super().validators, MaxLengthValidator(self.max_length)]

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        # Skip TextField.formfield, which would hand out a Textarea.
        return models.Field.formfield(self, **{"max_length": self.max_length, **kwargs})


def encrypted_fields_by_model(
    registry: Apps | None = None,
) -> dict[type[models.Model], list[EncryptedTextField]]:
    """Every concrete model with encrypted columns of its own (proxies share the table
    and multi-table children inherit their parent's columns, so both are left out).

    ``registry`` defaults to the project's apps; a data migration passes its ``apps``.
    """
    found: dict[type[models.Model], list[EncryptedTextField]] = {}
    for model in (registry or global_apps).get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found[model] = fields
    return found


def rotate_all(batch_size: int = 500, *, registry: Apps | None = None) -> dict[str, int]:
    """Re-encrypt every stored value under the newest key; returns rows rewritten per model.

    Rows are read in primary-key batches, each batch in its own transaction with the
    rows locked, so a concurrent edit is neither overwritten nor blocked for long. Rows
    already under the newest key are not written, so a second run does nothing and an
    interrupted run can simply be started again.
    """
    newest = key_ring().newest_id
    rewritten: dict[str, int] = {}
    for model, fields in encrypted_fields_by_model(registry).items():
        # Cast to plain text so the ORM hands back the stored ciphertext, not plaintext.
        raw = {f"_stored_{f.attname}": Cast(f.attname, models.TextField()) for f in fields}
        count = 0
        last_pk: Any = None
        while True:
            with transaction.atomic():
                batch = model._base_manager.select_for_update().order_by("pk")
                if last_pk is not None:
                    batch = batch.filter(pk__gt=last_pk)
                rows = list(batch.annotate(**raw).values("pk", *raw)[:batch_size])
                for row in rows:
                    changes = {
                        f.attname: models.Value(
                            reencrypt_value(stored, label=f._label()),
                            output_field=models.TextField(),
                        )
                        for f in fields
                        if (stored := row[f"_stored_{f.attname}"])
                        and stored_key_id(stored, label=f._label()) != newest
                    }
                    if changes:
                        # A Value with a plain TextField output is written as is; the
                        # encrypted field would otherwise encrypt the ciphertext again.
                        model._base_manager.filter(pk=row["pk"]).update(**changes)
                        count += 1
            if len(rows) < batch_size:
                break
            last_pk = rows[-1]["pk"]
        rewritten[model._meta.label_lower] = count
    return rewritten


def encrypt_existing_values(registry: Apps, model_label: str, field_names: list[str]) -> int:
    """Encrypt the plaintext left in columns that just became encrypted; returns rows.

    For a data migration placed after the AlterField that turns a plain column into an
    encrypted one: the column still holds the old plain values, which the field would
    fail to decrypt. Values that already decrypt (a re-run, rows written since) are
    left alone, so the migration can be applied again safely.
    """
    model = registry.get_model(model_label)
    fields = [model._meta.get_field(name) for name in field_names]
    if not all(isinstance(f, EncryptedTextField) for f in fields):
        raise ImproperlyConfigured(f"{model_label}: run this after the AlterField, not before")
    encrypted = [f for f in fields if isinstance(f, EncryptedTextField)]
    raw = {f"_stored_{f.attname}": Cast(f.attname, models.TextField()) for f in encrypted}
    count = 0
    # Read all first: updating a table while a cursor walks it is not portable.
    rows = list(model._base_manager.annotate(**raw).values("pk", *raw).order_by("pk"))
    for row in rows:
        changes = {}
        for f in encrypted:
            stored = row[f"_stored_{f.attname}"]
            if not stored:
                continue
            try:
                decrypt_text(stored, label=f._label())
            except FieldDecryptionError:
                # Through the field: get_prep_value encrypts the plaintext.
                changes[f.attname] = stored
        if changes:
            model._base_manager.filter(pk=row["pk"]).update(**changes)
            count += 1
    return count


def decrypt_to_plaintext(registry: Apps, model_label: str, field_names: list[str]) -> int:
    """The reverse of ``encrypt_existing_values``: write each value back as plaintext,
    before the reverse AlterField makes the column plain again."""
    model = registry.get_model(model_label)
    count = 0
    for obj in model._base_manager.order_by("pk").iterator():
        changes = {
            name: models.Value(value, output_field=models.TextField())
            for name in field_names
            if (value := getattr(obj, name))
        }
        if changes:
            model._base_manager.filter(pk=obj.pk).update(**changes)
            count += 1
    return count


__all__ = [
    "EncryptedCharField",
    "EncryptedTextField",
    "decrypt_to_plaintext",
    "encrypt_existing_values",
    "encrypted_fields_by_model",
    "rotate_all",
]
