# Indexes for the reports' period queries (reports/selectors.py); see the models' comments.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_encrypt_what_may_be_said"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["opened_on", "area"], name="cases_case_opened_area"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["started_at"], name="cases_contact_started"),
        ),
    ]
