"""Move every second factor out of django-otp's plugin tables into ours.

The TOTP seed is encrypted under the field key ring on the way (the historical model's
field encrypts it); each recovery code is kept only as its keyed hash. The plugin rows
are then deleted, so no seed or code is left in plain text. The plugins are no longer
installed, so their tables are read with plain SQL, and only where they exist (a new
database never had them). Everything a device knows is kept: confirmed or not, the
last time step used (a code already used stays used), drift and throttling, so
nobody has to enrol again and nobody gets a retry she should not have.

Going back is not offered: the codes cannot be recovered from their hashes.
"""

import re

from django.db import migrations

TOTP_TABLE = "otp_totp_totpdevice"
STATIC_DEVICE_TABLE = "otp_static_staticdevice"
STATIC_TOKEN_TABLE = "otp_static_statictoken"
DEVICE_COLUMNS = (
    "id",
    "user_id",
    "name",
    "confirmed",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
)
TOTP_COLUMNS = ("key", "step", "t0", "digits", "tolerance", "drift", "last_t")


def _rows(cursor, table, columns):
    cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")  # noqa: S608
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def move_devices(apps, schema_editor):
    from cercania.lib.crypto import keyed_hash

    connection = schema_editor.connection
    tables = set(connection.introspection.table_names())
    StaffTOTPDevice = apps.get_model("accounts", "StaffTOTPDevice")
    RecoveryCodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")

    with connection.cursor() as cursor:
        if TOTP_TABLE in tables:
            for row in _rows(cursor, TOTP_TABLE, DEVICE_COLUMNS + TOTP_COLUMNS):
                del row["id"]
                created_at = row.pop("created_at")
                device = StaffTOTPDevice.objects.create(**row)
                # auto_now_add overwrote it on create: keep when she really enrolled.
                StaffTOTPDevice.objects.filter(pk=device.pk).update(created_at=created_at)
            cursor.execute(f"DELETE FROM {TOTP_TABLE}")  # noqa: S608

        if STATIC_DEVICE_TABLE in tables:
            tokens = {}
            for row in _rows(cursor, STATIC_TOKEN_TABLE, ("id", "device_id", "token")):
                # As the sign-in normalises what she types: no spaces, no dashes, lower case.
                code = re.sub(r"[\s-]", "", row["token"]).lower()
                tokens.setdefault(row["device_id"], set()).add(code)
            for row in _rows(cursor, STATIC_DEVICE_TABLE, DEVICE_COLUMNS):
                old_id = row.pop("id")
                created_at = row.pop("created_at")
                device = RecoveryCodeDevice.objects.create(**row)
                RecoveryCodeDevice.objects.filter(pk=device.pk).update(created_at=created_at)
                # The same purpose as cercania.accounts.models.recovery_code_hash.
                RecoveryCode.objects.bulk_create(
                    RecoveryCode(
                        device=device, code_hash=keyed_hash(code, purpose="accounts.recovery_code")
                    )
                    for code in sorted(tokens.get(old_id, ()))
                )
            cursor.execute(f"DELETE FROM {STATIC_TOKEN_TABLE}")  # noqa: S608
            cursor.execute(f"DELETE FROM {STATIC_DEVICE_TABLE}")  # noqa: S608


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_staff_second_factor_devices"),
    ]

    operations = [
        migrations.RunPython(move_devices, migrations.RunPython.noop, elidable=False),
    ]
