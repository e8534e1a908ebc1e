"""CNPs and their members are set up by platform staff; grants are the professionals' own (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from certipro.accounts.models_grants import Cnp, CnpMembership, SupportGrant


class CnpMembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CnpMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Cnp)
class CnpAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "profession")
    list_filter = ("profession",)
    search_fields = ("name",)
    filter_horizontal = ("specialties",)
    inlines = [CnpMembershipInline]


@admin.register(SupportGrant)
class SupportGrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: only the professional gives or withdraws a grant (R38), through their space."""

    list_display = ("professional", "cnp", "scope", "starts_at", "expires_at", "revoked_at")
    list_filter = ("scope", "cnp")
    raw_id_fields = ("professional",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
