from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parkpact.core.admin import AuditedModelAdmin
from parkpact.core.models import Role

from . import services
from .models import InspectorConflict, SurveillancePlan


@admin.register(SurveillancePlan)
class SurveillancePlanAdmin(admin.ModelAdmin):
    """Read-only: plans are drafted, committed and revealed in the workspace (services), and
    the seed is never shown here before it is revealed."""

    list_display = ["__str__", "sample_size", "status", "seed_hash", "committed_at", "revealed_at"]
    list_filter = ["status", "month"]
    list_select_related = ["contract", "standard"]
    search_fields = ["contract__number", "standard__code", "seed_hash"]
    exclude = ["seed"]
    readonly_fields = ["revealed_seed"]

    @admin.display(description=_("seed"))
    def revealed_seed(self, obj: SurveillancePlan) -> str:
        return obj.public_seed or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InspectorConflictForm(ModelForm):
    class Meta:
        model = InspectorConflict
        fields = ["inspector", "provider", "reason"]

    def clean_inspector(self) -> Any:
        inspector = self.cleaned_data["inspector"]
        if inspector.role != Role.INSPECTOR:
            raise ValidationError(_("Conflicts are declared for quality inspectors only."))
        return inspector


@admin.register(InspectorConflict)
class InspectorConflictAdmin(AuditedModelAdmin):
    """Declaring goes through services.declare_conflict (audited, flags scheduled visits);
    a declared conflict is not edited, only withdrawn (deleted, audited)."""

    list_display = ["inspector", "provider", "reason", "declared_at"]
    list_select_related = ["inspector", "provider"]
    search_fields = ["inspector__username", "provider__name", "reason"]
    form = InspectorConflictForm

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        conflict = services.declare_conflict(
            inspector=obj.inspector,
            provider=obj.provider,
            reason=obj.reason,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = conflict.pk
        obj.declared_at = conflict.declared_at
