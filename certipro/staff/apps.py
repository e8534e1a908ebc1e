from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "certipro.staff"
    label = "staff"
    verbose_name = "Back-office"
