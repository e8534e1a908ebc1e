from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certipro.certification"
    label = "certification"
    verbose_name = "Certification"
