"""Actions in the admin: read, recorded and contested only through the entry points. Declarants
and their tokens: a token's clear value is shown once, in the message after it is issued; only
its hash is kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from certipro.actions.declarants import issue_token, revoke_token
from certipro.actions.models import (
    Action,
    ActionState,
    ActionTransition,
    ApiToken,
    Channel,
    ClaimFlag,
    Declarant,
    Source,
)
from certipro.audit.journal import Actor, record
from certipro.certification.catalogue import load_catalogue
from certipro.core.admin import ReadOnlyAdminMixin
from certipro.directory.models import Professional
from certipro.entrypoints.actions import ActionRefused, ClaimChecker, change_action_state, record_action


class ActionAddForm(forms.ModelForm):  # type: ignore[type-arg]
    rpps = forms.CharField(label="RPPS", max_length=11)

    class Meta:
        model = Action
        fields = ("type_code", "title", "start_date", "end_date", "hours", "axis", "source")

    def clean_rpps(self) -> Professional:
        rpps = self.cleaned_data["rpps"]
        professional = Professional.objects.filter(rpps=rpps).first()
        if professional is None:
            raise forms.ValidationError("Aucun professionnel n'a ce numéro RPPS.")
        return professional

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            checker = ClaimChecker([data["rpps"].pk], catalogue=load_catalogue(), today=timezone.localdate())
            checker.check(
                professional_id=data["rpps"].pk,
                type_code=data["type_code"],
                end_date=data["end_date"],
                source=Source(data["source"]),
                start_date=data.get("start_date"),
                hours=data.get("hours"),
                axis=data.get("axis"),
            )
        except ActionRefused as exc:
            raise forms.ValidationError(f"Action refusée ({exc.code}) : {exc.message}") from None
        return data


class TransitionInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = ActionTransition
    fields = ("at", "from_state", "to_state", "actor_label", "reason")
    readonly_fields = fields
    extra = 0


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("professional", "type_code", "title", "end_date", "state", "source", "channel")
    list_filter = ("state", "source", "channel", "profession")
    search_fields = ("=professional__rpps", "type_code", "title", "=external_id")
    list_select_related = ("professional",)
    date_hierarchy = "end_date"
    inlines = [TransitionInline]
    actions = ["contest", "withdraw", "reject"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ActionAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("rpps", "type_code", "title", "start_date", "end_date", "hours", "axis", "source")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in Action._meta.fields] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _actor(self, request: HttpRequest) -> Actor:
        return Actor.for_user(request.user, role="admin")  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: Action, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            recorded = record_action(
                professional=data["rpps"],
                type_code=data["type_code"],
                end_date=data["end_date"],
                start_date=data.get("start_date"),
                title=data.get("title", ""),
                hours=data.get("hours"),
                axis=data.get("axis"),
                source=Source(data["source"]),
                channel=Channel.ADMIN,
                actor=self._actor(request),
                today=timezone.localdate(),
            )
        except ActionRefused as exc:
            # Checked by the form already; only a concurrent change can land here.
            messages.error(request, f"Action refusée ({exc.code}) : {exc.message}")
            return
        obj.pk = recorded.action.pk

    def _change(self, request: HttpRequest, queryset: QuerySet[Action], to: ActionState) -> None:
        for action in queryset:
            change_action_state(
                action,
                to=to,
                actor=self._actor(request),
                reason="via l'administration",
                today=timezone.localdate(),
            )
        self.message_user(request, f"{queryset.count()} action(s) : {to.label}")

    @admin.action(description="Contester les actions sélectionnées")
    def contest(self, request: HttpRequest, queryset: QuerySet[Action]) -> None:
        self._change(request, queryset, ActionState.CONTESTED)

    @admin.action(description="Retirer les actions sélectionnées")
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Action]) -> None:
        self._change(request, queryset, ActionState.WITHDRAWN)

    @admin.action(description="Rejeter les actions sélectionnées")
    def reject(self, request: HttpRequest, queryset: QuerySet[Action]) -> None:
        self._change(request, queryset, ActionState.REJECTED)


@admin.register(ClaimFlag)
class ClaimFlagAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """D-34: the claims to review. Reviewing one leaves the claim as it is; rejecting the claim is an
    action on the action itself."""

    list_display = ("created_at", "kind", "declarant", "professional", "on_date", "detail", "reviewed_at")
    list_filter = ("kind", "reviewed_at")
    list_select_related = ("declarant", "professional")
    actions = ["mark_reviewed"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and bool(request.user.is_staff)

    @admin.action(description="Marquer comme examinés")
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[ClaimFlag]) -> None:
        count = queryset.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now())
        for flag in queryset:
            record(
                actor=Actor.for_user(request.user, role="admin"),  # type: ignore[arg-type]
                verb="flag.reviewed",
                professional_id=flag.professional_id,
                obj=flag,
            )
        self.message_user(request, f"{count} signalement(s) examiné(s).")


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
