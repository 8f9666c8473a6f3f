"""`Appointment.cancel_reason` joins the encrypted fields; the plain values it held are
encrypted in place (AlterField first: the column becomes TEXT, ciphertext is longer)."""

import cercania.lib.fields
from django.db import migrations


def encrypt(apps, schema_editor):
    cercania.lib.fields.encrypt_existing_values(apps, "scheduling.Appointment", ["cancel_reason"])


def decrypt(apps, schema_editor):
    cercania.lib.fields.decrypt_to_plaintext(apps, "scheduling.Appointment", ["cancel_reason"])


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0004_staff_account_label'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appointment',
            name='cancel_reason',
            field=cercania.lib.fields.EncryptedCharField(blank=True, max_length=200, verbose_name='motivo de cancelación'),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
    ]
