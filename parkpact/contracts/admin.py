from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from parkpact.core.admin import AuditedModelAdmin

from .models import Amendment, Clause, Contract, ContractVersion, PayBand, PerformanceStandard


@admin.register(Contract)
class ContractAdmin(AuditedModelAdmin):
    """Status changes go through the workspace's actions (services), never a plain edit."""

    list_display = [
        "number",
        "title",
        "provider",
        "service_kind",
        "start_date",
        "end_date",
        "status",
    ]
    list_filter = ["status", "service_kind"]
    search_fields = ["number", "title"]
    readonly_fields = ["status", "status_reason"]
    filter_horizontal = ["zones"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != Contract.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)


class LockedWhenInForce:
    """A version's parts are edited only while the version is not yet in force."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not getattr(
            obj, "is_editable", getattr(obj, "version", obj).is_editable
        ):
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


@admin.register(ContractVersion)
class ContractVersionAdmin(LockedWhenInForce, AuditedModelAdmin):
    list_display = ["contract", "number", "effective_from", "in_force", "monthly_fee"]
    list_filter = ["in_force"]
    list_select_related = ["contract"]


@admin.register(PerformanceStandard)
class PerformanceStandardAdmin(LockedWhenInForce, AuditedModelAdmin):
    list_display = ["code", "name", "version", "method", "weight"]
    list_select_related = ["version__contract"]


@admin.register(PayBand)
class PayBandAdmin(LockedWhenInForce, AuditedModelAdmin):
    list_display = [
        "version",
        "min_score",
        "max_score",
        "payment_factor",
        "proportional",
        "bonus_rate",
    ]
    list_select_related = ["version__contract"]


@admin.register(Clause)
class ClauseAdmin(LockedWhenInForce, AuditedModelAdmin):
    list_display = ["number", "title", "version", "responsible_party"]
    list_select_related = ["version__contract"]


@admin.register(Amendment)
class AmendmentAdmin(admin.ModelAdmin):
    """Amendments are drafted and decided in the workspace; here they are for reading."""

    list_display = ["contract", "version", "status", "drafted_by", "decided_by"]
    list_filter = ["status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
