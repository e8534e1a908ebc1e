"""Declarants and their tokens. A token's clear value is shown once, in the message after it is
issued; only its hash is kept."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from certipro.audit.journal import Actor
from certipro.core.admin import ReadOnlyAdminMixin
from certipro.declarations.models import ApiToken, Declarant
from certipro.declarations.tokens import issue_token, revoke_token


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, role="admin")  # type: ignore[arg-type]


class TokenInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = ApiToken
    fields = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0


@admin.register(Declarant)
class DeclarantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "siret", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "=siret")
    filter_horizontal = ("members",)
    inlines = [TokenInline]
    actions = ["issue"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its declarations point to it; deactivate it instead

    @admin.action(description="Émettre un nouveau jeton d'API")
    def issue(self, request: HttpRequest, queryset: QuerySet[Declarant]) -> None:
        for declarant in queryset:
            _, clear = issue_token(declarant, actor=_actor(request))
            messages.warning(request, f"Jeton pour {declarant.name}, affiché une seule fois : {clear}")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("declarant", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("declarant__name", "=prefix")
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and bool(request.user.is_staff)  # lets the list run the revoke action

    @admin.action(description="Révoquer les jetons sélectionnés")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("declarant"):
            revoke_token(token, actor=_actor(request))
        self.message_user(request, f"{queryset.count()} jeton(s) révoqué(s).")
