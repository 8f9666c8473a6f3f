from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstituteConfig(AppConfig):
    name = "cercania.institute"
    label = "institute"
    verbose_name = _("institute")

    def ready(self) -> None:
        from .public_profile import connect_signals

        connect_signals()
