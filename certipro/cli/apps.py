from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "certipro.cli"
    label = "cli"
    verbose_name = "Ligne de commande"
