from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Objects whose changes go through an entry point (an import, a command, a form of its own)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
