"""Contracts in the JSON API, with their terms: the ones in force today and every version.

Money and other exact quantities are decimal strings ("120000.00"), never JSON numbers.
"""

from datetime import date, datetime
from typing import Annotated

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from parkpact.core.api import (
    SIGNED_IN,
    DecimalString,
    Money,
    Pagination,
    errors,
    get_visible_or_404,
    not_found,
)
from parkpact.core.permissions import signed_in_user

from .models import Amendment, Contract, ContractVersion, terms_on

router = Router(tags=["contracts"])

# Filters validated against the choices, documented inline (enum names like "Status" would clash).
StatusFilter = Annotated[
    Contract.Status, WithJsonSchema({"type": "string", "enum": Contract.Status.values})
]
ServiceKindFilter = Annotated[
    Contract.ServiceKind, WithJsonSchema({"type": "string", "enum": Contract.ServiceKind.values})
]


class ProviderRef(Schema):
    id: int
    name: str


class ContractOut(Schema):
    id: int
    number: str
    title: str
    provider: ProviderRef
    service_kind: str = Field(description="One of: " + ", ".join(Contract.ServiceKind.values))
    status: str = Field(description="One of: " + ", ".join(Contract.Status.values))
    start_date: date
    end_date: date
    signed_on: date | None
    zones: list[int] = Field(description="The ids of the zones in scope.")

    @staticmethod
    def resolve_zones(contract: Contract) -> list[int]:
        return [zone.pk for zone in contract.zones.all()]


class StandardOut(Schema):
    code: str
    name: str
    measurement: str
    target: str
    acceptable_quality_level: DecimalString = Field(description='Percent, e.g. "95.00".')
    method: str
    weight: DecimalString = Field(description="Points of the 100-point score.")
    points_per_occurrence: DecimalString
    monthly_cap: DecimalString


class PayBandOut(Schema):
    min_score: DecimalString = Field(description="Inclusive.")
    max_score: DecimalString = Field(description="Exclusive, except a band ending at 100.")
    payment_factor: DecimalString | None = Field(description="Null when proportional.")
    proportional: bool = Field(description="Pays the fee times score ÷ 100.")
    bonus_rate: DecimalString


class ClauseOut(Schema):
    number: str
    title: str
    text: str
    responsible_party: str
    legal_basis: str


class VersionOut(Schema):
    """One version of a contract's terms."""

    contract: int = Field(description="The contract's id.")
    number: int
    effective_from: date
    in_force: bool = Field(description="False for a draft or rejected amendment's terms.")
    monthly_fee: Money = Field(description="Yuan (CNY), a string with two decimals.")
    retention_rate: DecimalString = Field(description='Share held back, e.g. "0.0500".')
    termination_score: DecimalString
    termination_months: int
    standards: list[StandardOut]
    pay_bands: list[PayBandOut]
    clauses: list[ClauseOut]

    @staticmethod
    def resolve_contract(version: ContractVersion) -> int:
        return version.contract_id


class VersionRef(Schema):
    number: int
    effective_from: date
    in_force: bool
    monthly_fee: Money


class AmendmentOut(Schema):
    id: int
    version: int = Field(description="The number of the version holding the new terms.")
    effective_from: date
    reason: str
    status: str = Field(description="One of: " + ", ".join(Amendment.Status.values))
    drafted_at: datetime
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_version(amendment: Amendment) -> int:
        return amendment.version.number

    @staticmethod
    def resolve_effective_from(amendment: Amendment) -> date:
        return amendment.version.effective_from


class ContractDetailOut(ContractOut):
    status_reason: str
    terms: VersionOut | None = Field(
        description="The terms in force today (Asia/Shanghai); null before the contract starts."
    )
    versions: list[VersionRef]
    amendments: list[AmendmentOut]

    @staticmethod
    def resolve_terms(contract: Contract) -> ContractVersion | None:
        version = terms_on(contract, timezone.localdate())
        if version is not None:
            prefetch_related_objects([version], *VERSION_PARTS)
        return version


VERSION_PARTS = ("standards", "pay_bands", "clauses")


def visible_contracts(request: HttpRequest) -> "QuerySet[Contract]":
    return (
        Contract.objects.visible_to(signed_in_user(request))
        .select_related("provider")
        .prefetch_related("zones")
    )


@router.get(
    "",
    response={200: list[ContractOut], **errors(401, 422)},
    auth=SIGNED_IN,
    summary="List contracts",
)
@paginate(Pagination)
def list_contracts(
    request: HttpRequest,
    status: StatusFilter | None = None,
    service_kind: ServiceKindFilter | None = None,
    provider: int | None = None,
) -> "QuerySet[Contract]":
    """Centre staff see every contract; a provider's staff see only their company's."""
    contracts = visible_contracts(request).order_by("-start_date", "number")
    if status is not None:
        contracts = contracts.filter(status=status)
    if service_kind is not None:
        contracts = contracts.filter(service_kind=service_kind)
    if provider is not None:
        contracts = contracts.filter(provider_id=provider)
    return contracts


@router.get(
    "/{contract_id}",
    response={200: ContractDetailOut, **errors(401, 404, 422)},
    auth=SIGNED_IN,
    summary="One contract, with the terms in force today",
)
def get_contract(request: HttpRequest, contract_id: int) -> Contract:
    contracts = visible_contracts(request).prefetch_related(
        Prefetch("versions", queryset=ContractVersion.objects.order_by("number")),
        Prefetch("amendments", queryset=Amendment.objects.select_related("version")),
    )
    return get_visible_or_404(contracts, pk=contract_id)


@router.get(
    "/{contract_id}/versions/{number}",
    response={200: VersionOut, **errors(401, 404, 422)},
    auth=SIGNED_IN,
    summary="One version of a contract's terms",
)
def get_contract_version(request: HttpRequest, contract_id: int, number: int) -> ContractVersion:
    """Any version, in force or not: the terms as signed, or as an amendment changed them."""
    contract = get_visible_or_404(
        Contract.objects.visible_to(signed_in_user(request)), pk=contract_id
    )
    version = (
        ContractVersion.objects.filter(contract=contract, number=number)
        .prefetch_related(*VERSION_PARTS)
        .first()
    )
    if version is None:
        raise not_found(ContractVersion)
    return version
