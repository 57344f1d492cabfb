"""Procurement ground for tests: a published tender with one lot, its requirements and a sound
scoring method, bidders holding the qualifications, and bids at explicit times.

No tests here: the test modules of this folder import these."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parkpact import testing
from parkpact.core.models import AuditEvent, User
from parkpact.parks.models import Zone
from parkpact.procurement import services
from parkpact.procurement.models import Bid, BidScore, Criterion, Lot, Tender
from parkpact.providers.models import Provider, Qualification
from parkpact.providers.services import add_qualification

_counter = itertools.count(1)

# A tender of the story: bids from 1 to 15 May 2026, the contract for 2027–2028.
START = datetime(2026, 5, 1, 9, tzinfo=timezone.get_fixed_timezone(8 * 60))
END = datetime(2026, 5, 15, 17, tzinfo=timezone.get_fixed_timezone(8 * 60))
PUBLISHED = START - timedelta(days=3)
DURING = START + timedelta(days=3)
AFTER = END + timedelta(hours=1)
CEILING = Decimal("100000.00")

# Price 30, past performance 10, two judged technical criteria: 100 in all.
METHOD: list[tuple[str, str, Decimal, bool]] = [
    (Criterion.Kind.PRICE, "Price", Decimal(30), False),
    (Criterion.Kind.PAST_PERFORMANCE, "Past performance", Decimal(10), True),
    (Criterion.Kind.JUDGED, "Technical plan", Decimal(40), True),
    (Criterion.Kind.JUDGED, "Staffing", Decimal(20), True),
]


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "proposal.pdf", b"%PDF-1.4\n% test proposal\n", content_type="application/pdf"
    )


def qualify(provider: Provider, *, valid_until: date | None = None) -> Qualification:
    """The business licence every test tender requires."""
    return add_qualification(
        provider=provider,
        by=None,
        kind=Qualification.Kind.BUSINESS_LICENCE,
        number=f"BL-{next(_counter):05}",
        issued_by="Market regulator",
        valid_from=date(2015, 1, 1),
        valid_until=valid_until,
    )


def draft(
    manager: User,
    zones: list[Zone],
    *,
    start: datetime = START,
    end: datetime = END,
    method: list[tuple[str, str, Decimal, bool]] | None = None,
    **fields: Any,
) -> Tender:
    """A planned tender with one lot (the zones, ceiling 100,000), the business licence
    required and the scoring method."""
    tender = services.create_tender(
        by=manager,
        reference=fields.pop("reference", f"T-{next(_counter):04}"),
        title="Cleaning of the test park",
        service_kind="cleaning",
        submission_start=start,
        submission_end=end,
        contract_start=date(2027, 1, 1),
        contract_end=date(2028, 12, 31),
        **fields,
    )
    services.add_lot(
        tender=tender, by=manager, number=1, title="Whole park", zones=zones, budget_ceiling=CEILING
    )
    services.add_requirement(tender=tender, by=manager, kind=Qualification.Kind.BUSINESS_LICENCE)
    for kind, name, weight, technical in METHOD if method is None else method:
        services.add_criterion(
            tender=tender, by=manager, kind=kind, name=name, weight=weight, is_technical=technical
        )
    return tender


def published(manager: User, zones: list[Zone], **options: Any) -> Tender:
    tender = draft(manager, zones, **options)
    now = options.get("start", START) - timedelta(days=1)
    return services.publish_tender(tender=tender, by=manager, now=now)


def lot_of(tender: Tender) -> Lot:
    return tender.lots.get(number=1)


def bid(tender: Tender, user: User, price: str | Decimal, *, at: datetime = DURING) -> Bid:
    return services.submit_bid(
        lot=lot_of(tender), by=user, price=Decimal(price), proposal=pdf(), now=at
    )


@dataclass
class Bidder:
    provider: Provider
    user: User


def bidder(name: str = "Bidder") -> Bidder:
    provider = testing.make_provider(name)
    qualify(provider)
    return Bidder(provider, testing.make_provider_user(provider))


def score_all(tender: Tender, evaluator: User, scores: dict[int, tuple[str, str]]) -> None:
    """The evaluator scores both judged criteria of each bid: {bid id: (plan, staffing)}."""
    judged = list(tender.criteria.filter(kind=Criterion.Kind.JUDGED).order_by("id"))
    for bid_id, values in scores.items():
        one = Bid.objects.get(pk=bid_id)
        for criterion, value in zip(judged, values, strict=True):
            services.score_bid(bid=one, criterion=criterion, by=evaluator, score=Decimal(value))


def events() -> int:
    return AuditEvent.objects.count()


def state() -> dict[str, Any]:
    """Every procurement row that a refusal must leave as it was."""
    return {
        "tenders": list(Tender.objects.order_by("pk").values()),
        "bids": list(Bid.objects.order_by("pk").values()),
        "scores": list(BidScore.objects.order_by("pk").values()),
        "events": events(),
    }
