"""Actions keep only the indexes something reads: one write less per index for every action.

The foreign keys' own indexes are dropped: professional_id is the head of (professional_id,
end_date); declarant_id the head of (declarant_id, end_date) and of the unique (declarant_id,
external_id); profession_id has seven values and nothing looks actions up by it alone;
declared_by_id is indexed where set only (a user's deletion finds their actions without a scan;
most actions come from declarants and have none).

The state operations are Django's; the database ones are written here so that the foreign key
constraints are not dropped and validated again over millions of rows (what AlterField does), and
the new index is built CONCURRENTLY on PostgreSQL: writes go on meanwhile.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "actions_action"
# Django's names for the foreign keys' indexes (the same on every database).
DROPPED = {
    "actions_action_professional_id_370158dc": "professional_id",
    "actions_action_profession_id_7fe1368a": "profession_id",
    "actions_action_declarant_id_89556a9b": "declarant_id",
    "actions_action_declared_by_id_d2f62aa5": "declared_by_id",
}
LIKE = "actions_action_profession_id_7fe1368a_like"  # PostgreSQL's second index on a varchar key
PARTIAL = 'action_declared_by ON actions_action (declared_by_id) WHERE declared_by_id IS NOT NULL'


def forward(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    concurrently = "CONCURRENTLY " if postgresql else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {PARTIAL}")
    for name in [*DROPPED, LIKE]:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


def backward(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    concurrently = "CONCURRENTLY " if postgresql else ""
    for name, column in DROPPED.items():
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {TABLE} ({column})")
    if postgresql:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {LIKE} ON {TABLE} (profession_id varchar_pattern_ops)"
        )
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS action_declared_by")


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("actions", "0005_professional_end_covering"),
        ("declarations", "0003_uploadline_external_index"),
        ("directory", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="action",
                    name="declarant",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="actions",
                        to="declarations.declarant",
                    ),
                ),
                migrations.AlterField(
                    model_name="action",
                    name="declared_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="action",
                    name="profession",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="directory.profession",
                    ),
                ),
                migrations.AlterField(
                    model_name="action",
                    name="professional",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="actions",
                        to="directory.professional",
                    ),
                ),
                migrations.AddIndex(
                    model_name="action",
                    index=models.Index(
                        condition=models.Q(("declared_by__isnull", False)),
                        fields=["declared_by"],
                        name="action_declared_by",
                    ),
                ),
            ],
        )
    ]
