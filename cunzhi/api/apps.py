from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cunzhi.api"
    label = "api"
    verbose_name = "API"
