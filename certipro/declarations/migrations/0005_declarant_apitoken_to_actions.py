"""Declarants and their API tokens now belong to certipro.actions (actions 0007): removed from this
app's state only; the tables, their rows, indexes and constraints stay. The uploads' foreign key
is re-pointed to the same table, in the state only. Runs after every foreign key to the old
models has been re-pointed (actions 0007, space 0006)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0007_declarant_apitoken_from_declarations"),
        ("declarations", "0004_declarant_kind_and_siret"),
        ("space", "0006_plan_employer_to_actions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="fileupload",
                    name="declarant",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="uploads",
                        to="actions.declarant",
                    ),
                ),
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="Declarant"),
            ],
        ),
    ]
