"""The staff roles of DESIGN.md. Each role is a Django group created by a migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINACION = "coordinacion", _("Coordinación")
    JURIDICO = "juridico", _("Jurídico")
    VIOLENCIA = "violencia", _("Atención a la violencia")
    LINEA = "linea", _("Operación de línea")
    ENLACE = "enlace", _("Enlace de empresa")
    SISTEMAS = "sistemas", _("Sistemas")


def roles_of(user: object) -> set[Role]:
    """The roles a user holds, from her groups (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached: set[Role] | None = getattr(user, "_cercania_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        cached = {Role(name) for name in names if name in Role.values}
        user._cercania_roles = cached  # type: ignore[attr-defined]
    return cached
