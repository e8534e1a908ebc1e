from django.contrib import admin

from certipro.core.admin import ReadOnlyAdminMixin
from certipro.space.models import Activation, ExerciseReport


@admin.register(ExerciseReport)
class ExerciseReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ExerciseReport]):
    """Read here; the order's handling of a report (and its audit entry) comes with the order's space."""

    list_display = ["professional", "profession", "state", "created_at"]
    list_filter = ["state", "profession"]


@admin.register(Activation)
class ActivationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Activation]):
    list_display = ["professional", "activated_at", "reported_error"]


from certipro.space import admin_documents  # noqa: E402, F401  (synthèse, date-change requests)
