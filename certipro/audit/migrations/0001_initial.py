"""The journal moves from accounts to its own leaf app by state only: the table, its indexes and
its append-only trigger (accounts 0002) stay as they are, under their old name."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0003_support_grants"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor_label", models.CharField(help_text="user, command or API token name", max_length=200)),
                        ("role", models.CharField(max_length=40)),
                        ("professional_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                        ("verb", models.CharField(max_length=60)),
                        ("object_type", models.CharField(blank=True, max_length=60)),
                        ("object_id", models.CharField(blank=True, max_length=64)),
                        ("reason", models.TextField(blank=True)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "entrée du journal d'audit",
                        "verbose_name_plural": "journal d'audit",
                        "db_table": "accounts_auditentry",
                        "ordering": ["-at", "-id"],
                    },
                ),
            ],
        ),
    ]
