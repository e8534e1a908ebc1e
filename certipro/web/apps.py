from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class WebConfig(AppConfig):
    name = "certipro.web"
    label = "web"
    verbose_name = "Interface"

    def ready(self) -> None:
        from dsfr.models import DsfrConfig

        from certipro.web.context_processors import forget

        def changed(**kwargs: Any) -> None:
            forget()  # the process that saved sees it at once; the others within a minute

        post_save.connect(changed, sender=DsfrConfig, weak=False, dispatch_uid="certipro.web.site_config")
        post_delete.connect(
            changed, sender=DsfrConfig, weak=False, dispatch_uid="certipro.web.site_config.del"
        )
