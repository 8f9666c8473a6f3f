"""Coordination edits the message templates and reads the delivery log."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "coordinacion": [
        ("messagetemplate", "view"),
        ("messagetemplate", "change"),
        ("delivery", "view"),
    ],
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
            Permission.objects.get(
                content_type__app_label="notifications", codename=f"{action}_{model}"
            )
            for model, action in pairs
        ])


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="notifications")
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_default_templates"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(grant, revoke)]
