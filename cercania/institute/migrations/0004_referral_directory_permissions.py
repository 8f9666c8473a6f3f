"""Coordination and systems keep the referral directory; case workers read it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "coordinacion": ["add", "change", "delete", "view"],
    "sistemas": ["add", "change", "delete", "view"],
    "juridico": ["view"],
    "violencia": ["view"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, actions in ROLE_PERMISSIONS.items():
        Group.objects.get(name=role).permissions.add(*[
            Permission.objects.get(content_type__app_label="institute", codename=f"{action}_referralinstitution")
            for action in actions
        ])


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(codename__endswith="_referralinstitution"):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [("institute", "0003_referral_institution"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(grant, revoke)]
