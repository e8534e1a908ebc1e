from django.contrib import admin

from certipro.core.admin import ReadOnlyAdminMixin
from certipro.directory.models import Exercise, Holding, Interruption, Professional, Specialty


class ExerciseInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Exercise
    fields = ("profession", "specialties", "department", "practice_mode", "registration_date", "is_active")
    readonly_fields = fields
    extra = 0


@admin.register(Professional)
class ProfessionalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Identity comes from the national directory (D-2): corrected by an import, never by hand."""

    list_display = ("rpps", "last_name", "first_name", "email", "rpps_luhn_valid")
    search_fields = ("=rpps", "last_name", "first_name")
    inlines = [ExerciseInline]  # and the periods: certification/admin.py


class HoldingInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Holding
    fields = ("start", "end", "specialties", "chosen_referentiel", "reason")
    readonly_fields = fields
    extra = 0


class InterruptionInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Interruption
    fields = ("start", "end", "recorded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Exercise)
class ExerciseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "professional",
        "profession",
        "department",
        "practice_mode",
        "registration_date",
        "is_active",
    )
    list_filter = ("profession", "practice_mode", "is_active")
    search_fields = ("=professional__rpps", "professional__last_name")
    list_select_related = ("professional", "profession", "department", "practice_mode")
    inlines = [HoldingInline, InterruptionInline]


@admin.register(Specialty)
class SpecialtyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "label", "profession", "kind", "deprecated")
    list_filter = ("profession", "deprecated")
    search_fields = ("code", "label")
