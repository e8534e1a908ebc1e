from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    name = "certipro.devidp"
    label = "devidp"
    verbose_name = "Pro Santé Connect de développement"
