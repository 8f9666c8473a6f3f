from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from .models import User
from .roles import Role

# Roles whose work happens in the configuration admin.
ADMIN_ROLES = {Role.COORDINACION, Role.SISTEMAS}


@transaction.atomic
def staff_user_create(
    *, email: str, display_name: str, roles: Iterable[Role], password: str | None = None
) -> User:
    roles = set(roles)
    user = User.objects.create_user(
        email=email,
        password=password,
        display_name=display_name,
        is_staff=bool(roles & ADMIN_ROLES),
    )
    user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
    return user
