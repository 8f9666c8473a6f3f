from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cercania.api"
    label = "api"
    verbose_name = "API"
