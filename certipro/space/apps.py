from django.apps import AppConfig


class SpaceConfig(AppConfig):
    name = "certipro.space"
    label = "space"
    verbose_name = "Espace du professionnel"
