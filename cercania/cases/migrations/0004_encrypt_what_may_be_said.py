"""`Person.what_may_be_said` joins the encrypted fields; the plain values it held are
encrypted in place (AlterField first: the column becomes TEXT, ciphertext is longer)."""

import cercania.lib.fields
from django.db import migrations


def encrypt(apps, schema_editor):
    cercania.lib.fields.encrypt_existing_values(apps, "cases.Person", ["what_may_be_said"])


def decrypt(apps, schema_editor):
    cercania.lib.fields.decrypt_to_plaintext(apps, "cases.Person", ["what_may_be_said"])


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_catalogues'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='what_may_be_said',
            field=cercania.lib.fields.EncryptedCharField(blank=True, max_length=200, verbose_name='qué se puede decir'),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
    ]
