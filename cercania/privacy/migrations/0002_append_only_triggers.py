"""Database triggers that make privacy_auditevent append-only.

The SQL is written out here, not imported, so this migration keeps meaning what it
meant when it ran. cercania/privacy/append_only.py explains how the retention purge
(and `flush`) pass them.

On SQLite, a later migration that alters this table may rebuild it (copy, DROP TABLE,
rename), and dropping a table drops its triggers: such a migration must create them
again. The raw-SQL tests in privacy/tests/test_audit_trail.py fail if it does not.
"""

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE OR REPLACE FUNCTION privacy_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Only the retention purge deletes, after SET LOCAL cercania.audit_purge = 'on'.
    IF TG_OP = 'DELETE' AND current_setting('cercania.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'privacy_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER privacy_auditevent_append_only
    BEFORE UPDATE OR DELETE ON privacy_auditevent
    FOR EACH ROW EXECUTE FUNCTION privacy_auditevent_append_only();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS privacy_auditevent_append_only ON privacy_auditevent;
DROP FUNCTION IF EXISTS privacy_auditevent_append_only();
"""

# SQLite triggers cannot read a session setting; the purge drops and re-creates the
# DELETE trigger inside its own transaction instead. RAISE(ABORT) is an IntegrityError.
SQLITE_CREATE = [
    """CREATE TRIGGER privacy_auditevent_no_update BEFORE UPDATE ON privacy_auditevent
BEGIN
    SELECT RAISE(ABORT, 'privacy_auditevent is append-only: UPDATE refused');
END""",
    """CREATE TRIGGER privacy_auditevent_no_delete BEFORE DELETE ON privacy_auditevent
BEGIN
    SELECT RAISE(ABORT, 'privacy_auditevent is append-only: DELETE refused');
END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS privacy_auditevent_no_update",
    "DROP TRIGGER IF EXISTS privacy_auditevent_no_delete",
]


# params=None: the SQL goes to the database as written (a "%" is not a placeholder).
def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
