from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "certipro.directory"
    label = "directory"
    verbose_name = "Annuaire"
