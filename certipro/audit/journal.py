"""The only way to write the audit journal (domain D-41)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from certipro.audit.models import AuditEntry
from certipro.core.sql import copy_rows


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
    """Bulk variant for imports and batches: each dict holds verb, professional_id, obj, reason,
    data; or, instead of obj, object_type and object_id (a batch of a thousand claims names its
    actions without building a model instance each). COPY on PostgreSQL: a thousand entries cost
    what one INSERT of them does; bulk_create elsewhere."""
    fields = [_entry(actor, e) for e in entries]
    if not fields:
        return
    if connection.vendor == "postgresql":
        stamp = timezone.now()
        user = actor.user.pk if actor.user is not None else None
        copy_rows(
            AuditEntry._meta.db_table,
            _COPIED,
            (
                (
                    stamp,
                    user,
                    f["actor_label"],
                    f["role"],
                    f["professional_id"],
                    f["verb"],
                    f["object_type"],
                    f["object_id"],
                    f["reason"],
                    json.dumps(f["data"]),  # as the JSONField writes it (no encoder)
                )
                for f in fields
            ),
        )
        return
    AuditEntry.objects.bulk_create([AuditEntry(**f) for f in fields], batch_size=2000)


_COPIED = (
    "at",
    "actor_id",
    "actor_label",
    "role",
    "professional_id",
    "verb",
    "object_type",
    "object_id",
    "reason",
    "data",
)


def _entry(actor: Actor, e: dict[str, Any]) -> dict[str, Any]:
    fields = _fields(
        actor, e["verb"], e.get("professional_id"), e.get("obj"), e.get("reason", ""), e.get("data")
    )
    if "object_type" in e:
        fields.update(object_type=e["object_type"], object_id=str(e["object_id"]))
    return fields


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
