"""Creation, verification and revocation of API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from certipro.audit.journal import Actor, record
from certipro.declarations.models import ApiToken, Declarant

PREFIX = "cp_"


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
