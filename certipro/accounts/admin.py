from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from certipro.accounts.models import User

admin.site.site_header = "CertiPro — administration"
admin.site.site_title = "CertiPro"


@admin.register(User)
class CertiproUserAdmin(UserAdmin):  # type: ignore[type-arg]
    fieldsets = (*UserAdmin.fieldsets, ("Professionnel", {"fields": ("professional",)}))  # type: ignore[misc]
    raw_id_fields = ("professional",)


import certipro.accounts.admin_grants  # noqa: E402, F401
