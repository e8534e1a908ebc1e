from django.contrib import admin

from certipro.certification.models import Period, PeriodTransition, StatusSnapshot
from certipro.core.admin import ReadOnlyAdminMixin
from certipro.directory.admin import ProfessionalAdmin


class TransitionInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = PeriodTransition
    fields = ("at", "from_state", "to_state", "effective_on", "reason")
    readonly_fields = fields
    extra = 0


class SnapshotInline(ReadOnlyAdminMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = StatusSnapshot
    fields = (
        "as_of",
        "status",
        "pace",
        "progress",
        "referentiels",
        ("required_1", "required_2", "required_3", "required_4"),
        ("counted_1", "counted_2", "counted_3", "counted_4"),
    )
    readonly_fields = (
        "as_of",
        "status",
        "pace",
        "progress",
        "referentiels",
        "required_1",
        "required_2",
        "required_3",
        "required_4",
        "counted_1",
        "counted_2",
        "counted_3",
        "counted_4",
    )
    extra = 0


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Periods follow from the directory and the rules (D-10 to D-16): read here, changed by
    their entry points."""

    list_display = ("professional", "exercise", "start", "end", "kind", "state", "snapshot_status")
    list_filter = ("kind", "state", "exercise__profession", "snapshot__status", "snapshot__pace")
    search_fields = ("=professional__rpps", "professional__last_name")
    list_select_related = ("professional", "exercise", "snapshot")
    inlines = [SnapshotInline, TransitionInline]

    @admin.display(description="statut")
    def snapshot_status(self, obj: Period) -> str:
        snapshot = getattr(obj, "snapshot", None)
        return f"{snapshot.status} ({snapshot.progress:.0%})" if snapshot else "—"


class PeriodInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Period
    fields = ("exercise", "start", "end", "kind", "state")
    readonly_fields = fields
    extra = 0


# A professional's periods shown on their page of the admin: certification extends the directory's
# admin, which knows nothing of periods (the directory is below certification, decision 0006).
ProfessionalAdmin.inlines = [*ProfessionalAdmin.inlines, PeriodInline]
