"""Assessments in /admin/ are for reading: every change goes through the assessment pages and
their services, which keep the workflow's rules and write the ledger."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Adjustment, Appeal, Assessment, PaymentCertificate, Rating


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["contract", "month", "status", "score", "grade", "termination_warning"]
    list_filter = ["status", "grade", "month"]
    search_fields = ["contract__number", "contract__title"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["line", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]


@admin.register(PaymentCertificate)
class PaymentCertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "fee", "deduction", "bonus", "retention", "net", "status"]
    list_filter = ["status"]
    search_fields = ["number"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["contract", "corrects", "amount", "applied_in", "created_at"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["provider", "contract", "month", "score", "grade"]
    list_filter = ["grade"]
