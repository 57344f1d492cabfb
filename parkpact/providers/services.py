"""Business actions on providers, their qualifications and their staff accounts."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from parkpact.core.models import Role, User
from parkpact.core.services import assign, create_user, record_event, save_audited, snapshot

from .models import Provider, Qualification, StaffMember

PROVIDER_FIELDS = [
    "name",
    "short_name",
    "credit_code",
    "address",
    "contact_name",
    "contact_phone",
    "email",
]
QUALIFICATION_FIELDS = ["provider", "kind", "number", "issued_by", "valid_from", "valid_until"]


def create_provider(*, by: User | None, **fields: Any) -> Provider:
    """Register a company; its credit code is checked against GB 32100-2015."""
    provider = Provider()
    assign(provider, fields, PROVIDER_FIELDS)
    save_audited(obj=provider, fields=PROVIDER_FIELDS, by=by, action="provider.create")
    return provider


def update_provider(*, provider: Provider, by: User | None, **changes: Any) -> Provider:
    before = snapshot(provider, PROVIDER_FIELDS)
    assign(provider, changes, PROVIDER_FIELDS)
    save_audited(
        obj=provider, fields=PROVIDER_FIELDS, by=by, action="provider.update", before=before
    )
    return provider


def add_qualification(*, provider: Provider, by: User | None, **fields: Any) -> Qualification:
    qualification = Qualification(provider=provider)
    assign(qualification, fields, [f for f in QUALIFICATION_FIELDS if f != "provider"])
    save_audited(
        obj=qualification, fields=QUALIFICATION_FIELDS, by=by, action="qualification.create"
    )
    return qualification


def add_staff_member(
    *,
    provider: Provider,
    username: str,
    password: str,
    by: User | None,
    position: str = "",
    **user_fields: Any,
) -> StaffMember:
    """Give one of the company's people an account that sees only the company's own work."""
    with transaction.atomic():
        user = create_user(
            username=username, password=password, role=Role.PROVIDER, by=by, **user_fields
        )
        member = StaffMember.objects.create(provider=provider, user=user, position=position)
        record_event(
            actor=by,
            action="provider.add_staff",
            obj=member,
            after={"provider": provider.pk, "user": user.pk, "position": position},
        )
    return member


def provider_staff(provider_id: int) -> QuerySet[User]:
    """The active accounts of a company's staff: whom to tell about its work."""
    return User.objects.filter(
        staff_membership__provider_id=provider_id, is_active=True, role=Role.PROVIDER
    )
