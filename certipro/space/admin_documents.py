"""Read-only admin of the professional's documents: the order's deciding screen comes with its space,
but a request and its transition history can be inspected here already."""

from __future__ import annotations

from django.contrib import admin

from certipro.core.admin import ReadOnlyAdminMixin
from certipro.space.models_documents import DateChangeRequest, DateChangeTransition, Synthese


class DateChangeTransitionInline(
    ReadOnlyAdminMixin, admin.TabularInline[DateChangeTransition, DateChangeRequest]
):
    model = DateChangeTransition
    extra = 0
    fields = ["at", "from_state", "to_state", "actor_label", "reason"]
    readonly_fields = ["at", "from_state", "to_state", "actor_label", "reason"]


@admin.register(DateChangeRequest)
class DateChangeRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[DateChangeRequest]):
    list_display = [
        "professional",
        "exercise",
        "current_end",
        "requested_start",
        "requested_end",
        "state",
        "created_at",
    ]
    list_filter = ["state"]
    search_fields = ["professional__rpps", "professional__last_name"]
    inlines = [DateChangeTransitionInline]


@admin.register(Synthese)
class SyntheseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Synthese]):
    list_display = ["professional", "period", "generated_at", "pdf_sha256"]
    search_fields = ["professional__rpps"]
