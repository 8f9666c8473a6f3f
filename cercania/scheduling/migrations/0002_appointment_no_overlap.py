"""No two active appointments of one advisor overlap.

On PostgreSQL an exclusion constraint (btree_gist for the equality on advisor_id)
makes the database refuse the second of two concurrent bookings, whatever the code
does. SQLite has no such constraint: there the booking service runs in a
write-serialised transaction (BEGIN IMMEDIATE) and re-checks overlap before writing.
Cancelled appointments free the time, so only active statuses are constrained.
"""

from django.db import migrations

CONSTRAINT = "scheduling_appointment_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"""
        ALTER TABLE scheduling_appointment ADD CONSTRAINT {CONSTRAINT}
        EXCLUDE USING gist (
            advisor_id WITH =,
            tstzrange(starts_at, ends_at, '[)') WITH &&
        ) WHERE (status IN ('confirmed', 'attended', 'no_show'))
        """
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
