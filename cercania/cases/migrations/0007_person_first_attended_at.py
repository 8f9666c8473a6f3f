from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Least


def first_attention_from_records(apps, schema_editor):
    """Each woman's earliest contact or attended session, in one UPDATE (as
    services.people_first_attention_recount does; the services keep it from now on)."""
    Person = apps.get_model("cases", "Person")
    Contact = apps.get_model("cases", "Contact")
    Appointment = apps.get_model("scheduling", "Appointment")
    contact = Subquery(
        Contact.objects.filter(person=OuterRef("pk")).order_by("started_at").values("started_at")[:1]
    )
    session = Subquery(
        Appointment.objects.filter(person=OuterRef("pk"), status="attended")
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    # Least of NULL is NULL on SQLite (and the other of the two on PostgreSQL).
    Person.objects.update(first_attended_at=Least(Coalesce(contact, session), Coalesce(session, contact)))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_report_contact_covering_index"),
        ("scheduling", "0007_report_attended_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="first_attended_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="primera atención"
            ),
        ),
        migrations.RunPython(first_attention_from_records, migrations.RunPython.noop),
    ]
