from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DirectoryConfig(AppConfig):
    name = "certipro.directory"
    label = "directory"
    verbose_name = "Annuaire"

    def ready(self) -> None:
        from certipro.directory.services_nomenclatures import refresh_after_migrate

        # D-4: the nomenclatures are present after `migrate` alone (why not a data migration:
        # services_nomenclatures.py). Sent once per app: this one's, after its migrations.
        post_migrate.connect(
            refresh_after_migrate, sender=self, dispatch_uid="certipro.directory.nomenclatures"
        )
