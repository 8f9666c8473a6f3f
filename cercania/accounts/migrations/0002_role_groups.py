"""Create the staff role groups of DESIGN.md with their model permissions.

The mapping is written out here, not imported, so this migration keeps meaning what
it meant when it ran; later issues add permissions in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONFIG = ["institute", "emergencyline", "service", "openinghours", "closedday", "privacynotice"]
PARTNERS = ["organization", "agreement", "liaison"]
ALL = ["add", "change", "delete", "view"]

ROLE_PERMISSIONS = {
    "coordinacion": [("institute", m, a) for m in CONFIG for a in ALL]
    + [("partners", m, a) for m in PARTNERS for a in ALL]
    + [("accounts", "user", a) for a in ("add", "change", "view")],
    "juridico": [("institute", m, "view") for m in ("service", "openinghours", "closedday")],
    "violencia": [("institute", m, "view") for m in ("service", "openinghours", "closedday")],
    "linea": [("institute", m, "view") for m in ("service", "openinghours", "closedday")],
    "enlace": [],
    "sistemas": [("institute", m, a) for m in CONFIG for a in ALL]
    + [("partners", m, "view") for m in PARTNERS]
    + [("accounts", "user", a) for a in ("add", "change", "view")],
}


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, triples in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = [
            Permission.objects.get(content_type__app_label=app, codename=f"{action}_{model}")
            for app, model, action in triples
        ]
        group.permissions.add(*perms)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("institute", "0001_initial"),
        ("partners", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
