"""Entry points for declarants."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from certipro.audit.journal import Actor, record
from certipro.declarations.models import ApiToken, Declarant, DeclarantKind
from certipro.declarations.tokens import issue_token


class DeclarantError(Exception):
    pass


@transaction.atomic
def create_declarant(
    *, kind: str, name: str, siret: str = "", actor: Actor
) -> tuple[Declarant, ApiToken, str]:
    """Creates a declarant with one token; returns the token's clear value (shown once)."""
    if kind not in DeclarantKind.values:
        raise DeclarantError(f"kind must be one of {', '.join(DeclarantKind.values)}")
    name = name.strip()
    if not name or len(name) > 200:
        raise DeclarantError("name must be 1 to 200 characters")
    if siret and (len(siret) != 14 or not siret.isdigit()):
        raise DeclarantError("siret must be 14 digits")
    # D-36: the same SIRET may be an organism and an employer, never twice the same kind.
    taken = f"a declarant of kind {kind} with SIRET {siret} already exists"
    if siret and (same := Declarant.objects.filter(kind=kind, siret=siret).first()) is not None:
        raise DeclarantError(f"{taken}: {same.name} (declarant {same.pk})")
    try:
        with transaction.atomic():  # a concurrent creation of the same pair meets the constraint
            declarant = Declarant.objects.create(kind=kind, name=name, siret=siret)
    except IntegrityError:
        raise DeclarantError(taken) from None
    record(actor=actor, verb="declarant.created", obj=declarant, data={"kind": kind, "name": name})
    token, clear = issue_token(declarant, actor=actor)
    return declarant, token, clear
