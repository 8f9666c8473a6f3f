from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cercania.accounts"
    label = "accounts"
    verbose_name = _("accounts")

    def ready(self) -> None:
        from .admin_site import install

        install()
