from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "certipro.notifications"
    label = "notifications"
    verbose_name = "Notifications"
