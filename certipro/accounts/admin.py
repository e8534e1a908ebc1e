from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from certipro.accounts.models import AuditEntry, User

admin.site.site_header = "CertiPro — administration"
admin.site.site_title = "CertiPro"


@admin.register(User)
class CertiproUserAdmin(UserAdmin):  # type: ignore[type-arg]
    fieldsets = (*UserAdmin.fieldsets, ("Professionnel", {"fields": ("professional",)}))  # type: ignore[misc]
    raw_id_fields = ("professional",)


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


import certipro.accounts.admin_grants  # noqa: E402, F401
