from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """The OCDS release log, read only: a published release is never changed or removed."""

    list_display = ["release_id", "ocid", "date", "tags", "published_at"]
    list_filter = ["published_at"]
    search_fields = ["ocid", "release_id", "source"]
    ordering = ["-date", "-id"]
    readonly_fields = [field.name for field in Release._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
