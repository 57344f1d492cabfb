from django.contrib import admin

from parkpact.core.admin import AuditedModelAdmin

from .models import Facility, Park, Zone


@admin.register(Park)
class ParkAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "district"]
    search_fields = ["code", "name"]


@admin.register(Zone)
class ZoneAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "park", "kind", "area_m2"]
    list_filter = ["park", "kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["area_m2", "qr_token"]


@admin.register(Facility)
class FacilityAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "zone", "in_service"]
    list_filter = ["kind", "in_service", "zone__park"]
    search_fields = ["code", "name"]
    list_select_related = ["zone"]
