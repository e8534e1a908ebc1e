"""The only way to write the audit journal (domain D-41)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from certipro.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or a named system actor (a command, a task)."""

    label: str
    role: str
    user: AbstractBaseUser | None = None

    @classmethod
    def command(cls, name: str) -> Actor:
        return cls(label=f"command:{name}", role="operator")

    @classmethod
    def for_user(cls, user: AbstractBaseUser, role: str) -> Actor:
        return cls(label=user.get_username(), role=role, user=user)


def record(
    *,
    actor: Actor,
    verb: str,
    professional_id: int | None = None,
    obj: Any = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(**_fields(actor, verb, professional_id, obj, reason, data))


def record_many(entries: Iterable[dict[str, Any]], *, actor: Actor) -> None:
    """Bulk variant for imports: each dict holds verb, professional_id, obj, reason, data."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                **_fields(
                    actor,
                    e["verb"],
                    e.get("professional_id"),
                    e.get("obj"),
                    e.get("reason", ""),
                    e.get("data"),
                )
            )
            for e in entries
        ],
        batch_size=2000,
    )


def _fields(
    actor: Actor,
    verb: str,
    professional_id: int | None,
    obj: Any,
    reason: str,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "actor": actor.user,
        "actor_label": actor.label,
        "role": actor.role,
        "professional_id": professional_id,
        "verb": verb,
        "object_type": obj._meta.model_name if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "reason": reason,
        "data": data or {},
    }
