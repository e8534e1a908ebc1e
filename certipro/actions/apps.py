from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "certipro.actions"
    label = "actions"
    verbose_name = "Actions"
