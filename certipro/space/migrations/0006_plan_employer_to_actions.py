"""The plan's employer is an `actions.Declarant` now (actions 0007): the same table, so the foreign
key is re-pointed in the state only; its constraint and index stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0007_declarant_apitoken_from_declarations"),
        ("space", "0005_plan_employer"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="plan",
                    name="employer",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="the employer the professional shares this plan with; empty: not shared",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="shared_plans",
                        to="actions.declarant",
                    ),
                ),
            ],
        ),
    ]
