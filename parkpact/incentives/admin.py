"""The cost breakdowns in the Django admin, read-only: changes go through the service."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from parkpact.core.admin import AuditedModelAdmin

from .models import CostBreakdown, InHouseComparator


@admin.register(CostBreakdown)
class CostBreakdownAdmin(AuditedModelAdmin):
    list_display = ["contract", "staff_hours_per_zone_day", "wage_per_hour", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InHouseComparator)
class InHouseComparatorAdmin(AuditedModelAdmin):
    """Read-only: changes go through ``services_value.save_comparator``."""

    list_display = ["contract", "staff", "monthly_wage_per_staff", "overhead_rate", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
