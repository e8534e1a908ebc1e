from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "certipro.audit"
    label = "audit"
    verbose_name = "Journal d'audit"
