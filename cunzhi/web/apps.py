from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cunzhi.web"
    label = "web"
