# Index for the reports' period query on appointments (reports/selectors.py).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_encrypt_cancel_reason"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["starts_at", "status"], name="scheduling_appt_start_status"),
        ),
    ]
