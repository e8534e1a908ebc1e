"""Declarants and their API tokens: creation, verification and revocation.

They touch only the declarant's models and the audit journal, so they live with the models; the
declaration API (authentication by token) and the portal are the declarations app's and call them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from certipro.actions.models import ApiToken, Declarant, DeclarantKind
from certipro.audit.journal import Actor, record

PREFIX = "cp_"


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


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_token(declarant: Declarant, *, actor: Actor, name: str = "API") -> tuple[ApiToken, str]:
    """Creates a token and returns it with its clear value, which is never stored."""
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    clear = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(declarant=declarant, name=name, prefix=prefix, key_hash=_hash(clear))
    record(actor=actor, verb="token.issued", obj=token, data={"declarant": declarant.pk, "prefix": prefix})
    return token, clear


def verify_token(clear: str) -> ApiToken | None:
    """The active token with this value, or None (unknown, malformed, revoked)."""
    if not clear.startswith(PREFIX) or len(clear) > 200:
        return None
    prefix = clear[len(PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("declarant").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(clear)):
        return None
    if token.revoked_at is not None or not token.declarant.is_active:
        return None
    return token


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: Actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, verb="token.revoked", obj=token, data={"declarant": token.declarant_id})
