from django.contrib import admin

from parkpact.core.admin import AuditedModelAdmin

from .models import Provider, Qualification, StaffMember


@admin.register(Provider)
class ProviderAdmin(AuditedModelAdmin):
    list_display = ["name", "short_name", "credit_code", "contact_name", "contact_phone"]
    search_fields = ["name", "short_name", "credit_code"]


@admin.register(Qualification)
class QualificationAdmin(AuditedModelAdmin):
    list_display = ["provider", "kind", "number", "valid_until"]
    list_filter = ["kind"]
    list_select_related = ["provider"]


@admin.register(StaffMember)
class StaffMemberAdmin(AuditedModelAdmin):
    list_display = ["user", "provider", "position"]
    list_select_related = ["user", "provider"]
