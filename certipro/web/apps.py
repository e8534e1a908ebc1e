from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "certipro.web"
    label = "web"
    verbose_name = "Interface"
