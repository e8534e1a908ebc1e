"""Declarants and their API tokens move from declarations to this app by state only (issue 12):
a declarant is a party of an action's provenance, and actions no longer depend on declarations.

The tables keep their names (`declarations_declarant`, `declarations_apitoken`,
`declarations_declarant_members`), their rows, indexes and constraints
(`one_declarant_per_kind_and_siret`, declarations 0004). The foreign keys of actions and claim
flags point to the same table: re-pointed in the state only, so no constraint is dropped and
validated again over the actions table. The other apps' foreign keys follow (space 0006,
declarations 0005, which removes the models from that app's state)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0006_indexes_without_redundancy"),
        ("declarations", "0004_declarant_kind_and_siret"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Declarant",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("organism", "Organisme de formation"), ("employer", "Employeur")],
                                max_length=10,
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        (
                            "siret",
                            models.CharField(
                                blank=True,
                                max_length=14,
                                validators=[
                                    django.core.validators.RegexValidator("^\\d{14}$", "Le SIRET compte 14 chiffres.")
                                ],
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "members",
                            models.ManyToManyField(
                                blank=True,
                                help_text="the staff of its portal",
                                related_name="declarants",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "declarations_declarant",
                        "ordering": ["name"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("siret", ""), _negated=True),
                                fields=("kind", "siret"),
                                name="one_declarant_per_kind_and_siret",
                                violation_error_message="Un déclarant de ce type existe déjà avec ce SIRET.",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(default="API", max_length=100)),
                        ("prefix", models.CharField(max_length=12, unique=True)),
                        ("key_hash", models.CharField(max_length=64)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "declarant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tokens",
                                to="actions.declarant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "declarations_apitoken",
                        "ordering": ["declarant", "-created_at"],
                    },
                ),
                migrations.AlterField(
                    model_name="action",
                    name="declarant",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="actions",
                        to="actions.declarant",
                    ),
                ),
                migrations.AlterField(
                    model_name="claimflag",
                    name="declarant",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="actions.declarant",
                    ),
                ),
            ],
        ),
    ]
