from django.contrib import admin

from certipro.core.admin import ReadOnlyAdminMixin
from certipro.referentiels.models import ActionType, Referentiel


class ActionTypeInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = ActionType
    fields = ("code", "title", "axes", "declarable_by", "evidence")
    readonly_fields = fields
    extra = 0


@admin.register(Referentiel)
class ReferentielAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Référentiels are loaded from their files (`load_referentiel`), so that every version stays
    traceable to the text its CNP published."""

    list_display = ("code", "version", "title", "profession", "published_on", "multi_axis")
    list_filter = ("profession", "multi_axis")
    search_fields = ("code", "title")
    readonly_fields = (
        "code",
        "version",
        "title",
        "profession",
        "specialties",
        "published_on",
        "minimum_per_axis",
        "axis_minimums",
        "multi_axis",
        "content_hash",
        "source_name",
        "loaded_at",
        "source_text",
    )
    inlines = [ActionTypeInline]
