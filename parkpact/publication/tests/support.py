"""Shared by the OCDS tests: the official schema files (copies kept in the repository, so the
tests run in any checkout; test_releases checks they still match ../shared/ocds when it is
there), validators with format
checks, and a contracting process built through the ORM (tender, bids, award, contract,
amendment, approved month, approved payment)."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from parkpact import testing
from parkpact.assessments.models import Assessment, PaymentCertificate
from parkpact.contracts import services as contract_services
from parkpact.contracts.models import Amendment, Contract
from parkpact.core.models import User
from parkpact.procurement.models import Award, Bid, Criterion, Lot, Requirement, Tender
from parkpact.providers.models import Provider, Qualification
from parkpact.publication.ocds import RELEASE_SCHEMA_PATH

SHARED = Path(settings.BASE_DIR).parent / "shared" / "ocds"
MERGED = RELEASE_SCHEMA_PATH  # the app's copy of the merged release schema
PACKAGES = Path(__file__).parent / "schema"  # copies of 1.1.5/*-package-schema.json
ONLINE_RELEASE_SCHEMA = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

checker = FormatChecker()


@checker.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    # jsonschema checks date-time only with an optional package: check it here instead.
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@checker.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlparse(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.scheme == "file")


@cache
def merged_schema() -> dict[str, Any]:
    return json.loads(MERGED.read_text())


@cache
def release_validator() -> Draft4Validator:
    return Draft4Validator(merged_schema(), format_checker=checker)


def package_validator(name: str) -> Draft4Validator:
    """A 1.1.5 package schema whose releases point at the online release schema: resolved to
    the local merged schema (the same document with the three extensions)."""
    registry: Registry = Registry().with_resource(
        ONLINE_RELEASE_SCHEMA, Resource.from_contents(merged_schema(), default_specification=DRAFT4)
    )
    schema = json.loads((PACKAGES / name).read_text())
    return Draft4Validator(schema, registry=registry, format_checker=checker)


def errors_of(validator: Draft4Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Process:
    tender: Tender
    lots: list[Lot]
    winner: Provider
    loser: Provider
    award: Award
    contract: Contract


def make_tender(manager: User, zones: list[Any], *, reference: str = "QZGY-ZB-2026-07") -> Tender:
    tender = Tender.objects.create(
        reference=reference,
        title="Sanitary cleaning of West Lake Park",
        description="Two lots, three years.",
        service_kind=Contract.ServiceKind.CLEANING,
        status=Tender.Status.ACTIVE,
        submission_start=at(date(2026, 2, 1)),
        submission_end=at(date(2026, 3, 1)),
        contract_start=date(2026, 5, 1),
        contract_end=date(2029, 4, 30),
        published_at=at(date(2026, 2, 1)),
        status_changed_at=at(date(2026, 2, 1)),
        created_by=manager,
    )
    for number, lot_zones in ((1, zones[:2]), (2, zones[2:])):
        lot = Lot.objects.create(
            tender=tender, number=number, title=f"Lot {number}", budget_ceiling=Decimal("90000")
        )
        lot.zones.set(lot_zones)
    Criterion.objects.create(
        tender=tender, kind=Criterion.Kind.PRICE, name="Price", weight=Decimal(30)
    )
    Criterion.objects.create(
        tender=tender,
        kind=Criterion.Kind.PAST_PERFORMANCE,
        name="Past performance",
        weight=Decimal(10),
    )
    Criterion.objects.create(
        tender=tender,
        kind=Criterion.Kind.JUDGED,
        name="Technical plan",
        weight=Decimal(60),
        is_technical=True,
    )
    Requirement.objects.create(tender=tender, kind=Qualification.Kind.CLEANING_GRADE)
    return tender


def bid(lot: Lot, provider: Provider, price: str, by: User, **fields: Any) -> Bid:
    return Bid.objects.create(
        lot=lot,
        provider=provider,
        price=Decimal(price),
        submitted_by=by,
        submitted_at=at(date(2026, 2, 20)),
        **fields,
    )


def run_process(manager: User, zones: list[Any]) -> Process:
    """A tender through to an approved month and its approved payment."""
    tender = make_tender(manager, zones)
    lots = list(tender.lots.order_by("number"))
    winner, loser, dropped = (testing.make_provider(name) for name in ("Win", "Lose", "Drop"))
    winning = bid(lots[0], winner, "80000", manager)
    bid(lots[0], loser, "85000", manager)
    bid(lots[0], dropped, "99000", manager, status=Bid.Status.REJECTED)
    tender.status = Tender.Status.AWARDED
    tender.status_changed_at = at(date(2026, 3, 20))
    tender.save()
    contract = testing.make_contract(
        winner,
        list(lots[0].zones.all()),
        by=manager,
        active=False,
        start=tender.contract_start,
        end=tender.contract_end,
    )
    award = Award.objects.create(
        lot=lots[0],
        bid=winning,
        total_score=Decimal("91.5"),
        ranking=[],
        contract=contract,
        decided_by=manager,
        decided_at=at(date(2026, 3, 20)),
    )
    contract = contract_services.activate_contract(contract=contract, by=manager)
    return Process(tender, lots, winner, loser, award, contract)


def amend(contract: Contract, manager: User, second_manager: User) -> Amendment:
    amendment = contract_services.draft_amendment(
        contract=contract, by=manager, reason="More litter bins", effective_from=date(2026, 8, 1)
    )
    version = amendment.version
    version.monthly_fee = Decimal("82000")
    version.save()
    return contract_services.approve_amendment(amendment=amendment, by=second_manager)


def approve_month(contract: Contract, month: date, *, paid: bool = True) -> Assessment:
    assessment = Assessment.objects.create(
        contract=contract,
        version=contract.versions.get(number=1),
        month=month,
        status=Assessment.Status.APPROVED,
        score=Decimal("92.50"),
        grade="very_good",
        payment_factor=Decimal(1),
        bonus_rate=Decimal(0),
        computed_at=at(month.replace(day=28)),
        approved_at=at(month.replace(day=28), 15),
    )
    PaymentCertificate.objects.create(
        assessment=assessment,
        number=f"PC-{contract.number}-{month:%Y%m}",
        fee=Decimal("80000"),
        deduction=Decimal("1000"),
        bonus=Decimal(0),
        adjustments=Decimal(0),
        retention=Decimal("3950"),
        retention_released=Decimal(0),
        net=Decimal("75050"),
        status=(PaymentCertificate.Status.APPROVED if paid else PaymentCertificate.Status.PENDING),
        issued_at=at(month.replace(day=28), 16),
        approved_at=at(month.replace(day=28), 17) if paid else None,
    )
    return assessment
