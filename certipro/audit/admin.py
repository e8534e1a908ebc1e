from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from certipro.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the journal is append-only (D-41)."""

    list_display = ("at", "actor_label", "role", "verb", "object_type", "object_id", "professional_id")
    list_filter = ("verb", "role")
    search_fields = ("actor_label", "object_id", "=professional_id")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
