"""Procurement in the JSON API, under /api/v1/procurement/ (docs/procurement.md).

Published tenders are public: their lots (zones, ceilings), requirements and scoring method.
A provider posts a bid for a lot (multipart, with the PDF technical proposal) and reads its
own bids. Prices of other companies' bids are never given to a provider; centre staff get
them once submissions close. A refused bid answers 400 with the service's stable code
(``outside_period``, ``not_eligible``, ``price_not_positive``, ``above_ceiling``…).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkpact.core.api import (
    PUBLIC,
    PUBLIC_OPENAPI,
    SIGNED_IN,
    DecimalString,
    Money,
    Pagination,
    errors,
    get_visible_or_404,
)
from parkpact.core.permissions import signed_in_user
from parkpact.parks.models import Zone
from parkpact.providers.models import Qualification

from . import services
from .models import Bid, Lot, Tender

router = Router(tags=["procurement"])


class LotOut(Schema):
    id: int
    number: int
    title: str
    budget_ceiling: Money = Field(description="The monthly ceiling; bids above it are refused.")
    zones: list[str] = Field(description="The zones' codes.")

    @staticmethod
    def resolve_zones(lot: Lot) -> list[str]:
        return [zone.code for zone in lot.zones.all()]


class RequirementOut(Schema):
    kind: str
    description: str


class CriterionOut(Schema):
    kind: str = Field(description="price, past_performance or judged.")
    name: str
    weight: DecimalString = Field(description="Points out of 100.")
    is_technical: bool


class TenderOut(Schema):
    id: int
    reference: str
    title: str
    service_kind: str
    status: str
    submission_start: datetime
    submission_end: datetime
    contract_start: date
    contract_end: date
    published_at: datetime | None


class TenderDetailOut(TenderOut):
    description: str
    past_performance_months: int
    lots: list[LotOut]
    requirements: list[RequirementOut]
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_lots(tender: Tender) -> list[Lot]:
        return list(tender.lots.all())

    @staticmethod
    def resolve_requirements(tender: Tender) -> list[Any]:
        return list(tender.requirements.all())

    @staticmethod
    def resolve_criteria(tender: Tender) -> list[Any]:
        return list(tender.criteria.all())


class BidOut(Schema):
    id: int
    tender: str = Field(description="The tender's reference.")
    lot: int = Field(description="The lot's id.")
    lot_number: int
    provider: str
    price: Money | None = Field(
        description="The monthly price: always for the bidder, for the centre once sealed bids "
        "are opened, otherwise null."
    )
    status: str
    submitted_at: datetime
    proposal_sha256: str
    qualifications: list[int]
    explanation_status: str
    abnormal_triggers: list[str]
    awarded: bool

    @staticmethod
    def resolve_tender(bid: Bid) -> str:
        return bid.lot.tender.reference

    @staticmethod
    def resolve_lot(bid: Bid) -> int:
        return bid.lot_id

    @staticmethod
    def resolve_lot_number(bid: Bid) -> int:
        return bid.lot.number

    @staticmethod
    def resolve_provider(bid: Bid) -> str:
        return bid.provider.name

    @staticmethod
    def resolve_price(bid: Bid, context: dict[str, Any]) -> Decimal | None:
        user = signed_in_user(context["request"])
        if not user.is_centre_staff or services.bid_is_visible_price(bid):
            return bid.price
        return None

    @staticmethod
    def resolve_qualifications(bid: Bid) -> list[int]:
        return [q.pk for q in bid.qualifications.all()]

    @staticmethod
    def resolve_awarded(bid: Bid) -> bool:
        return hasattr(bid, "award")


def _tenders() -> "QuerySet[Tender]":
    return Tender.objects.published()


@router.get(
    "/tenders",
    response={200: list[TenderOut], **errors(401, 422)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Published tenders, latest deadline first",
)
@paginate(Pagination)
def list_tenders(request: HttpRequest, status: str | None = None) -> "QuerySet[Tender]":
    """Every tender past planning; ``status`` filters (``active`` for the open ones)."""
    tenders = _tenders().order_by("-submission_end", "reference")
    if status:
        tenders = tenders.filter(status=status)
    return tenders


@router.get(
    "/tenders/{tender_id}",
    response={200: TenderDetailOut, **errors(401, 404)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="One published tender with its lots, requirements and scoring method",
)
def get_tender(request: HttpRequest, tender_id: int) -> Tender:
    return get_visible_or_404(
        _tenders().prefetch_related(
            Prefetch("lots__zones", queryset=Zone.objects.order_by("code")),
            "requirements",
            "criteria",
        ),
        pk=tender_id,
    )


def _bids(request: HttpRequest) -> "QuerySet[Bid]":
    return (
        Bid.objects.visible_to(signed_in_user(request))
        .select_related("lot__tender", "provider", "award")
        .prefetch_related("qualifications")
    )


@router.post(
    "/tenders/{tender_id}/lots/{lot_id}/bids",
    response={201: BidOut, **errors(400, 401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="Bid for a lot (provider; multipart with the PDF technical proposal)",
)
def submit_bid(
    request: HttpRequest,
    tender_id: int,
    lot_id: int,
    price: Form[Decimal],
    proposal: File[UploadedFile],
    qualifications: Form[list[int] | None] = None,
) -> Status[Bid]:
    """Multipart form data: ``price`` (the monthly price in CNY), ``proposal`` (the PDF) and
    ``qualifications`` (ids of the company's qualifications relied on, repeated). A lot that is
    not in this published tender is 404. 400 ``outside_period``, ``not_eligible`` (an expired
    qualification counts as missing), ``price_not_positive``, ``above_ceiling``,
    ``already_bid``, ``not_a_pdf``, ``too_large``: nothing was stored."""
    lot = get_visible_or_404(
        Lot.objects.filter(tender__in=_tenders()).select_related("tender"),
        pk=lot_id,
        tender_id=tender_id,
    )
    user = signed_in_user(request)
    chosen = list(Qualification.objects.filter(pk__in=qualifications or []))
    bid = services.submit_bid(
        lot=lot, by=user, price=price, qualifications=chosen, proposal=proposal
    )
    return Status(201, get_visible_or_404(_bids(request), pk=bid.pk))


@router.get(
    "/bids",
    response={200: list[BidOut], **errors(401, 422)},
    auth=SIGNED_IN,
    summary="My company's bids, newest first (centre staff: every bid)",
)
@paginate(Pagination)
def list_bids(request: HttpRequest) -> "QuerySet[Bid]":
    return _bids(request).order_by("-submitted_at", "-pk")


@router.get(
    "/bids/{bid_id}",
    response={200: BidOut, **errors(401, 404)},
    auth=SIGNED_IN,
    summary="One bid (another company's bid is 404)",
)
def get_bid(request: HttpRequest, bid_id: int) -> Bid:
    return get_visible_or_404(_bids(request), pk=bid_id)
