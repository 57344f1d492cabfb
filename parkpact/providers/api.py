"""Provider companies in the JSON API: centre staff see all, a provider's staff only their own."""

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from parkpact.core.api import SIGNED_IN, Pagination, errors, get_visible_or_404
from parkpact.core.permissions import signed_in_user

from .models import Provider, Qualification

router = Router(tags=["providers"])


class QualificationOut(Schema):
    id: int
    kind: str
    number: str
    issued_by: str
    valid_from: date | None
    valid_until: date | None = Field(description="Null if it never expires.")
    expired: bool = Field(description="True once the expiry date has passed (Asia/Shanghai).")

    @staticmethod
    def resolve_expired(qualification: Qualification) -> bool:
        return qualification.is_expired(timezone.localdate())


class ProviderOut(Schema):
    id: int
    name: str
    short_name: str
    credit_code: str = Field(description="The 18-character unified social credit code.")
    address: str
    contact_name: str
    contact_phone: str
    email: str
    qualifications: list[QualificationOut]


def visible_providers(request: HttpRequest) -> "QuerySet[Provider]":
    return Provider.objects.visible_to(signed_in_user(request)).prefetch_related("qualifications")


@router.get(
    "",
    response={200: list[ProviderOut], **errors(401, 422)},
    auth=SIGNED_IN,
    summary="List providers",
)
@paginate(Pagination)
def list_providers(request: HttpRequest) -> "QuerySet[Provider]":
    """Centre staff see every company; a provider's staff see only their own."""
    return visible_providers(request).order_by("name", "pk")


@router.get(
    "/{provider_id}",
    response={200: ProviderOut, **errors(401, 404, 422)},
    auth=SIGNED_IN,
    summary="One provider",
)
def get_provider(request: HttpRequest, provider_id: int) -> Provider:
    return get_visible_or_404(visible_providers(request), pk=provider_id)
