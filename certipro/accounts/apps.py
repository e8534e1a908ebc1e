from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "certipro.accounts"
    label = "accounts"
    verbose_name = "Comptes et journal d'audit"
