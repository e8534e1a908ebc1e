from django.apps import AppConfig


class ReferentielsConfig(AppConfig):
    name = "certipro.referentiels"
    label = "referentiels"
    verbose_name = "Référentiels"
