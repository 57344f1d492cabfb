"""Procurement in /admin/ is for reading: every change goes through the procurement pages and
their services, which keep the tender's rules, seal the prices and write the ledger."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Award, Bid, Tender


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Tender)
class TenderAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "service_kind", "status", "submission_end"]
    list_filter = ["status", "service_kind"]
    search_fields = ["reference", "title"]


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ["lot", "provider", "status", "explanation_status", "submitted_at"]
    list_filter = ["status", "explanation_status"]
    search_fields = ["provider__name", "lot__tender__reference"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["lot", "bid", "total_score", "contract", "decided_at"]
