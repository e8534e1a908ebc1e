from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "certipro.declarations"
    label = "declarations"
    verbose_name = "Déclarants"
