"""The journal's model now belongs to certipro.audit (audit 0001): removed from this app's state
only; the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_support_grants"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
        ),
    ]
