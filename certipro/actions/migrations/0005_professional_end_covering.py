"""On PostgreSQL, the (professional, end_date) index carries the columns the batch reads need.

A batch of the declaration API reads, for a thousand professionals at once, their actions around
the declarations' dates (D-33 merges, D-34 hours: `entrypoints/claims._around`) and their
counting actions grouped for the status snapshots (`certification/bulk_io.ACTIONS`). With these
columns in the index (INCLUDE: stored in the leaf entries, not part of the key) both are
index-only scans: no visit of the table's pages, scattered over 30 million rows.

Same name and key columns as the model's `Index` (Django's state is unchanged; SQLite keeps the
plain index). Built CONCURRENTLY, then swapped: writes go on while it builds (docs/operations.md).
"""

from django.db import migrations

TABLE = "actions_action"
NAME = "action_professional_end"
KEY = "(professional_id, end_date)"
INCLUDED = "INCLUDE (profession_id, type_code, axis, state, start_date, hours, source, declarant_id, id)"


def _swap(schema_editor, definition):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}_new")
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY {NAME}_new ON {TABLE} {definition}")
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
    schema_editor.execute(f"ALTER INDEX {NAME}_new RENAME TO {NAME}")


def forward(apps, schema_editor):
    _swap(schema_editor, f"{KEY} {INCLUDED}")


def backward(apps, schema_editor):
    _swap(schema_editor, KEY)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("actions", "0004_declarant_end_date_index")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
