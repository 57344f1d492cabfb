"""The patrol tables in the Django admin, read-mostly: changes go through the services."""

from django.contrib import admin

from parkpact.core.admin import AuditedModelAdmin

from .models import (
    Checkpoint,
    CheckpointScan,
    Incident,
    PatrolRound,
    PatrolRoute,
    PatrolSchedule,
    ResponseTarget,
    RouteCheckpoint,
)


class RouteCheckpointInline(admin.TabularInline):
    model = RouteCheckpoint
    extra = 0


@admin.register(Checkpoint)
class CheckpointAdmin(AuditedModelAdmin):
    list_display = ["facility", "radius_m", "token_version", "nfc_tag_id"]
    readonly_fields = ["token_version"]


@admin.register(PatrolRoute)
class PatrolRouteAdmin(AuditedModelAdmin):
    list_display = ["name", "contract", "order_mode"]
    inlines = [RouteCheckpointInline]


@admin.register(PatrolSchedule)
class PatrolScheduleAdmin(admin.ModelAdmin):
    list_display = ["route", "every_minutes", "daily_from", "daily_to", "window_minutes", "active"]

    # Created through services.create_schedule (its times cannot go into the ledger as they are).
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(PatrolRound)
class PatrolRoundAdmin(admin.ModelAdmin):
    list_display = ["route", "window_start", "window_end", "status"]
    list_filter = ["status"]
    readonly_fields = ["uuid", "checkpoint_ids", "status", "started_at", "closed_at"]


@admin.register(CheckpointScan)
class CheckpointScanAdmin(admin.ModelAdmin):
    list_display = [
        "checkpoint",
        "round",
        "scanned_at",
        "outside_radius",
        "clock_skew",
        "out_of_order",
    ]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "severity", "status", "contract", "reported_at", "on_scene_at"]
    list_filter = ["status", "severity", "kind"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


admin.site.register(ResponseTarget, AuditedModelAdmin)
