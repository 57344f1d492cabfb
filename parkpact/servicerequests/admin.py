from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from parkpact.core.admin import AuditedModelAdmin

from .models import Service, ServiceAttribute, ServiceRequest


class ServiceAttributeInline(admin.TabularInline):
    model = ServiceAttribute
    extra = 0
    fields = [
        "order",
        "code",
        "datatype",
        "required",
        "description_zh",
        "description_en",
        "datatype_description_zh",
        "datatype_description_en",
        "values",
    ]


@admin.register(Service)
class ServiceAdmin(AuditedModelAdmin):
    """The catalogue the public reports against (and Open311 lists): its names, who answers
    it and its SLA hours. Saves are written to the audit ledger."""

    list_display = ["code", "name_zh", "name_en", "kind", "acknowledge_hours", "resolve_hours"]
    list_display_links = ["code", "name_zh"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name_zh", "name_en", "keywords"]
    ordering = ["order", "code"]
    inlines = [ServiceAttributeInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Requests keep their service (PROTECT): retire a service by unticking "active".
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-only: requests change only through the services (the queues, Open311), which keep
    the history and the ledger. The reporter's contact is left out even here."""

    list_display = [
        "pk",
        "service",
        "status",
        "channel",
        "park",
        "zone",
        "provider",
        "requested_at",
        "expected_at",
    ]
    list_filter = ["status", "channel", "service", "provider"]
    list_select_related = ["service", "park", "zone", "provider"]
    search_fields = ["=pk", "=tracking_code"]
    date_hierarchy = "requested_at"
    exclude = [
        "contact_name",
        "contact_email",
        "contact_phone",
        "device_id",
        "account_id",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
