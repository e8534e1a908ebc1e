"""D-41: the audit journal is append-only, at the model and (on PostgreSQL) the database level."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from certipro.audit.journal import Actor, record
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
