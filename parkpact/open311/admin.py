from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ApiKey
from .services import revoke_key


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Read-only but for revoking: keys are issued on /open311/keys/ or with
    `manage.py open311_key create`, which show the key once."""

    list_display = [
        "name",
        "prefix",
        "requests_per_hour",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = [
        "name",
        "prefix",
        "requests_per_hour",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the ledger and the requests keep the key's name

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            revoke_key(key=key, by=request.user, reason="Revoked in the admin site")  # type: ignore[arg-type]
