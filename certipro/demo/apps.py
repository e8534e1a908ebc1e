from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "certipro.demo"
    verbose_name = "Démonstration"
