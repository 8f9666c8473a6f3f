"""Coordination sets up advisors, their weekly hours, time off and jornadas."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SETUP = ["advisor", "availabilitywindow", "timeoff", "jornada", "reservedwindow"]
ALL = ["add", "change", "delete", "view"]
ROLE_PERMISSIONS = {
    "coordinacion": [(m, a) for m in SETUP for a in ALL] + [("appointment", "view")],
    "sistemas": [(m, "view") for m in SETUP],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, pairs in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        group.permissions.add(*[
            Permission.objects.get(content_type__app_label="scheduling", codename=f"{action}_{model}")
            for model, action in pairs
        ])


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="scheduling"))


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_appointment_no_overlap"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(grant, revoke)]
