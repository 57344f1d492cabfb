from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, AuditEvent, LedgerCheck, User
from .services import record_event, revoke_api_token, snapshot


def _field_names(obj: models.Model) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if f.name not in {"id", "password"}]


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin whose saves and deletions are written to the audit ledger, like every service's."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        fields = _field_names(obj)
        before = snapshot(type(obj).objects.get(pk=obj.pk), fields) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_event(
                actor=request.user,  # type: ignore[arg-type]
                action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
                obj=obj,
                before=before,
                after=snapshot(obj, fields),
                reason="Changed in the admin site",
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record_event(
                actor=request.user,  # type: ignore[arg-type]
                action=f"{obj._meta.model_name}.delete",
                obj=obj,
                before=snapshot(obj, _field_names(obj)),
                reason="Deleted in the admin site",
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: Any, change: bool
    ) -> None:
        """Inline rows (a service's attributes…) are audited one by one, like the parent."""
        actor = request.user
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                record_event(
                    actor=actor,  # type: ignore[arg-type]
                    action=f"{obj._meta.model_name}.delete",
                    obj=obj,
                    before=snapshot(obj, _field_names(obj)),
                    reason="Deleted in the admin site",
                )
                obj.delete()
            for obj in instances:
                fields = _field_names(obj)
                new = obj.pk is None
                before = None if new else snapshot(type(obj).objects.get(pk=obj.pk), fields)
                obj.save()
                record_event(
                    actor=actor,  # type: ignore[arg-type]
                    action=f"{obj._meta.model_name}.{'create' if new else 'update'}",
                    obj=obj,
                    before=before,
                    after=snapshot(obj, fields),
                    reason="Changed in the admin site",
                )
            formset.save_m2m()


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "get_full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("ParkPact role"), {"fields": ["role"]}),
    )
    add_fieldsets = (
        (None, {"classes": ["wide"], "fields": ["username", "role", "password1", "password2"]}),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        # The admin site is for administrators: the role decides it, not a separate tick box.
        obj.is_staff = obj.is_superuser = obj.role == "admin"
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The ledger is read-only everywhere, the admin site included."""

    list_display = ["seq", "at", "actor_name", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor_name", "reason", "hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued with `manage.py issue_api_token`, shown once

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset:
            revoke_api_token(token=token, by=request.user)  # type: ignore[arg-type]


@admin.register(LedgerCheck)
class LedgerCheckAdmin(admin.ModelAdmin):
    list_display = ["checked_at", "intact", "entries", "broken_seq"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
