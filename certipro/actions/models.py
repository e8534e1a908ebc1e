"""Actions with their provenance and states (domain §4), and the declarants that claim them."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models


class Outcome(StrEnum):
    """What recording a claim did (D-32, D-33): the reason of its transition, the verb of its audit entry."""

    ACCEPTED = "accepted"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    MERGED = "merged"


class ActionState(models.TextChoices):
    DECLARED = "declared", "Déclarée"
    ATTESTED = "attested", "Attestée"
    CONTESTED = "contested", "Contestée"
    WITHDRAWN = "withdrawn", "Retirée"
    REJECTED = "rejected", "Rejetée"


COUNTING_STATES = (ActionState.DECLARED, ActionState.ATTESTED)


class Source(models.TextChoices):
    """Who declares (D-30)."""

    PROFESSIONAL = "professional", "Le professionnel"
    ORGANISM = "organism", "Organisme de formation"
    EMPLOYER = "employer", "Employeur"
    AGENCY = "agency", "Agence nationale du DPC"
    HAS = "has", "Haute Autorité de santé"
    ORDER = "order", "Ordre"


class Channel(models.TextChoices):
    WEB = "web", "Espace en ligne"
    API = "api", "API"
    FILE = "file", "Fichier"
    ADMIN = "admin", "Administration"
    COMMAND = "command", "Ligne de commande"


class DeclarantKind(models.TextChoices):
    ORGANISM = "organism", "Organisme de formation"
    EMPLOYER = "employer", "Employeur"


class Declarant(models.Model):
    """A third party that declares actions: a training body or an employer (D-30, D-36).

    Moved from the declarations app by state only (actions 0007, declarations 0005): the table
    keeps its name, its rows and its constraints.
    """

    kind = models.CharField(max_length=10, choices=DeclarantKind.choices)
    name = models.CharField(max_length=200)
    siret = models.CharField(
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{14}$", "Le SIRET compte 14 chiffres.")],
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Its table is named after the model's (declarations_declarant_members), as before the move.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="declarants", help_text="the staff of its portal"
    )

    class Meta:
        db_table = "declarations_declarant"
        ordering = ["name"]
        constraints = [
            # D-36: a declarant is its kind and SIRET; one legal entity may be both (a hospital
            # that is also a DPC body: one SIRET, two declarants). Without a SIRET, no limit.
            models.UniqueConstraint(
                fields=["kind", "siret"],
                condition=~models.Q(siret=""),
                name="one_declarant_per_kind_and_siret",
                violation_error_message="Un déclarant de ce type existe déjà avec ce SIRET.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A declarant's API token. Only a hash is kept: the token is shown once, at creation.

    Tokens are `cp_<prefix>_<secret>`: the prefix finds the row, the hash of the whole token
    proves it. A high-entropy random token needs no slow hash (unlike a password).
    """

    declarant = models.ForeignKey(Declarant, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100, default="API")
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "declarations_apitoken"
        ordering = ["declarant", "-created_at"]

    def __str__(self) -> str:
        # Also the throttling key (one budget per token): never the secret itself.
        return f"token:{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Action(models.Model):
    """An action done by a professional, with where the claim comes from (D-31).

    The action type is kept as a code: whether it counts is decided against the référentiels
    assigned on its end date, in their current version (contracts/referentiel.md).
    """

    # No index of its own: (professional, end_date) below serves every lookup by professional,
    # and each index is one more write per action recorded.
    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.CASCADE, related_name="actions", db_index=False
    )
    # Seven values over millions of rows: nothing looks actions up by profession alone.
    profession = models.ForeignKey(
        "directory.Profession", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    type_code = models.CharField(max_length=40)
    title = models.CharField(max_length=300, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField()
    hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    axis = models.PositiveSmallIntegerField(null=True, blank=True, help_text="axis chosen by the declarant")
    state = models.CharField(max_length=12, choices=ActionState.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The third party that declared it and its own reference: a declaration is idempotent on
    # this pair (D-32).
    # Looked up through (declarant, end_date) and (declarant, external_id), both indexed below.
    declarant = models.ForeignKey(
        Declarant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
        db_index=False,
    )
    external_id = models.CharField(max_length=128, blank=True, help_text="the declarant's own reference")
    # Indexed where set only (below): most actions come from declarants, with no user.
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    declared_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # On PostgreSQL it also carries the columns a batch of declarations reads for a
            # thousand professionals at once (INCLUDE, migration 0005): index-only scans.
            models.Index(fields=["professional", "end_date"], name="action_professional_end"),
            # D-34 mass claims: a declarant's actions ending on given days, without reading all of
            # them (millions for a national training body).
            models.Index(fields=["declarant", "end_date"], name="action_declarant_end"),
            # A user's deletion sets their actions' declared_by to NULL: found without a scan.
            models.Index(
                fields=["declared_by"],
                name="action_declared_by",
                condition=models.Q(declared_by__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["declarant", "external_id"],
                condition=models.Q(declarant_id__isnull=False),
                name="one_action_per_declarant_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type_code} {self.end_date} ({self.state})"


class ActionTransition(models.Model):
    """The transition log of an action's states."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="transitions")
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor_label = models.CharField(max_length=200)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["action", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"


class FlagKind(models.TextChoices):
    IMPOSSIBLE_HOURS = "impossible_hours", "Plus de 24 h d'actions sur une journée"
    MASS_CLAIM = "mass_claim", "Déclaration massive sur une même date"


class ClaimFlag(models.Model):
    """A claim that looks wrong, kept for review by the order (D-34). The claim still counts until
    someone decides: a flag is a question, not a verdict."""

    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    declarant = models.ForeignKey(
        Declarant, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    professional = models.ForeignKey(
        "directory.Professional", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    on_date = models.DateField(help_text="the day the anomaly is about")
    detail = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One mass-claim flag per declarant and date; one hours flag per action.
            models.UniqueConstraint(
                fields=["kind", "declarant", "on_date"],
                condition=models.Q(kind="mass_claim"),
                name="one_mass_claim_flag_per_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "action"],
                condition=models.Q(kind="impossible_hours"),
                name="one_hours_flag_per_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.on_date})"
