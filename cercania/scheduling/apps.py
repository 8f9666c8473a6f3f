from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "cercania.scheduling"
    label = "scheduling"
    verbose_name = _("Agenda")

    def ready(self) -> None:
        from .offered import connect_signals

        connect_signals()
