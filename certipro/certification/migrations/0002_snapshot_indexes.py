"""Status snapshots: one plain index on status and one on pace, without PostgreSQL's second,
pattern-matching index that `db_index` adds on a CharField (nothing searches them with LIKE, and
every snapshot refresh rewrites each index). The existing indexes are renamed, not rebuilt."""

from django.db import migrations, models

TABLE = "certification_statussnapshot"
OLD = {"status": "certification_statussnapshot_status_f506cdd4", "pace": "certification_statussnapshot_pace_f05ee440"}
NEW = {"status": "snapshot_status", "pace": "snapshot_pace"}


def _rename(schema_editor, before, after, *, with_like):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for column in ("status", "pace"):
        if postgresql:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {before[column]} RENAME TO {after[column]}")
        else:  # SQLite cannot rename an index
            schema_editor.execute(f"DROP INDEX IF EXISTS {before[column]}")
            schema_editor.execute(f"CREATE INDEX {after[column]} ON {TABLE} ({column})")
        if postgresql and with_like:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {after[column]}_like ON {TABLE} ({column} varchar_pattern_ops)"
            )
        elif postgresql:
            schema_editor.execute(f"DROP INDEX IF EXISTS {before[column]}_like")


def forward(apps, schema_editor):
    _rename(schema_editor, OLD, NEW, with_like=False)


def backward(apps, schema_editor):
    _rename(schema_editor, NEW, OLD, with_like=True)


class Migration(migrations.Migration):
    dependencies = [("certification", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="statussnapshot", name="status", field=models.CharField(max_length=20)
                ),
                migrations.AlterField(model_name="statussnapshot", name="pace", field=models.CharField(max_length=20)),
                migrations.AddIndex(
                    model_name="statussnapshot", index=models.Index(fields=["status"], name="snapshot_status")
                ),
                migrations.AddIndex(
                    model_name="statussnapshot", index=models.Index(fields=["pace"], name="snapshot_pace")
                ),
            ],
        )
    ]
