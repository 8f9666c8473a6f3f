from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "cercania.notifications"
    label = "notifications"
    verbose_name = _("Mensajes")

    def ready(self) -> None:
        checks.register(check_neutral_sender, checks.Tags.compatibility)


def check_neutral_sender(**kwargs: Any) -> list[checks.CheckMessage]:
    """The sender and the links in every message must not reveal the institute."""
    from django.conf import settings

    from .wording import denied_terms_in

    found: list[checks.CheckMessage] = []
    for name in ("DEFAULT_FROM_EMAIL", "PUBLIC_BASE_URL"):
        terms = denied_terms_in(str(getattr(settings, name, "")), extra=[])
        if terms:
            found.append(
                checks.Warning(
                    f"{name} contains «{terms[0]}», which reveals what the messages are about.",
                    hint="Use a neutral sender and domain (e.g. Citas <citas@example.org>); "
                    "every message would be refused otherwise.",
                    id="notifications.W001",
                )
            )
    return found
