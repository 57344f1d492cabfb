from django.contrib import admin

from parkpact.core.admin import AuditedModelAdmin

from .models import Alert, Device, SensorRule


@admin.register(Device)
class DeviceAdmin(AuditedModelAdmin):
    """Read-mostly: devices are registered and revoked on the registry page, which shows the
    secret once and records the change in the ledger."""

    list_display = ["code", "name", "kind", "facility", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "kind", "facility", "secret_prefix", "created_at", "revoked_at"]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(SensorRule)
class SensorRuleAdmin(AuditedModelAdmin):
    list_display = [
        "device_kind",
        "quantity",
        "threshold",
        "duration_minutes",
        "standard_code",
        "opens_order",
        "is_active",
    ]


@admin.register(Alert)
class AlertAdmin(AuditedModelAdmin):
    list_display = ["device", "rule", "contract", "status", "raised_at", "cleared_at", "order"]
    list_filter = ["status"]
    readonly_fields = [
        "device",
        "rule",
        "contract",
        "status",
        "breach_started_at",
        "raised_at",
        "cleared_at",
        "peak_value",
        "order",
    ]
