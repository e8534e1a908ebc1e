"""D-41: the audit journal is append-only, at the model and (on PostgreSQL) the database level."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from certipro.audit.journal import Actor, record, record_many
from certipro.audit.models import AuditEntry


@pytest.mark.django_db
def test_d41_entries_cannot_be_changed_or_deleted_through_the_orm() -> None:
    entry = record(actor=Actor.command("test"), verb="test.done", professional_id=1)
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().reason == ""


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_d41_postgresql_refuses_raw_updates_and_deletes() -> None:
    record(actor=Actor.command("test"), verb="test.done")
    for sql in ("UPDATE accounts_auditentry SET reason = 'x'", "DELETE FROM accounts_auditentry"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEntry.objects.count() == 1


AWKWARD = [
    ("tab\there", {"title": "Sur deux\nlignes", "path": "C:\\chemin"}),
    ("back\\slash, \\N and {braces}", {"n": 3, "nested": {"list": [1, "deux", None]}, "é": "à"}),
    ("", {}),
]


@pytest.mark.django_db
def test_d41_record_many_writes_what_record_writes(django_user_model: type) -> None:
    """The batch helper (COPY on PostgreSQL) and the single one give the same rows, field for
    field, awkward text and JSON included, whether the object is a model or named by kind and id."""
    user = django_user_model.objects.create_user(username="agent", password="x")
    actor = Actor.for_user(user, role="order")
    fields = ["actor_id", "actor_label", "role", "professional_id", "verb", "object_type", "object_id"]
    fields += ["reason", "data"]
    for reason, data in AWKWARD:
        record(actor=actor, verb="test.single", professional_id=7, obj=user, reason=reason, data=data)
    record_many(
        [
            {"verb": "test.single", "professional_id": 7, "obj": user, "reason": r, "data": d}
            for r, d in AWKWARD
        ],
        actor=actor,
    )
    record_many(
        [
            {"verb": "test.single", "professional_id": 7, "object_type": "user", "object_id": user.pk}
            | {"reason": r, "data": d}
            for r, d in AWKWARD
        ],
        actor=actor,
    )
    rows = list(AuditEntry.objects.order_by("pk").values_list(*fields))
    assert rows[:3] == rows[3:6] == rows[6:]
    assert rows[0][fields.index("object_id")] == str(user.pk)
    assert all(e.at is not None for e in AuditEntry.objects.all())
