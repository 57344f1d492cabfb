"""A world for the portal to show: every kind of public record, ``size`` times over.

The portal only reads, so the rows are made directly (the services stamp real times and would
need a month to pass); what matters here is that every page has something of each kind.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.assessments.models import Assessment, Grade, Rating
from parkpact.contracts.models import Contract
from parkpact.core.models import Role, User
from parkpact.core.services import record_event
from parkpact.inspections.models import Finding, Inspection, SurveillancePlan
from parkpact.procurement.models import Award, Bid, Lot, Tender
from parkpact.servicerequests.models import ServiceRequest
from parkpact.servicerequests.services import Contact

PAGES = {
    "home": "/",
    "parks": "/portal/parks/",
    "contractors": "/portal/contractors/",
    "requests": "/portal/requests/",
    "inspections": "/portal/inspections/",
    "sampling": "/portal/sampling/",
    "tenders": "/portal/tenders/",
    "ledger": "/portal/ledger/",
}

COMPLAINANT = Contact(name="Wang Xiaoming", email="wang.xm@example.cn", phone="13912345678")
SECRET_TEXT = "Broken glass near the kiosk, call me"


def contractor_url(contract: Contract) -> str:
    return f"/portal/contractors/{contract.provider_id}/"


def _months_ago(count: int) -> date:
    month = timezone.localdate().replace(day=1)
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def populate(world: World, by: User, *, size: int) -> None:
    """``size`` of everything on top of the shared world: parks with a contract, resolved and
    open reports, inspections with findings, revealed plans, approved ratings, tenders with
    awarded lots, ledger entries."""
    inspector = testing.make_user(Role.INSPECTOR, f"inspector-{size}")
    now = timezone.now()
    for index in range(size):
        park = testing.make_park(f"Park {size}-{index}")
        zones = [testing.make_zone(park, x=10 + index * 3 + i) for i in range(2)]
        provider = testing.make_provider(f"Company {size}-{index}")
        contract = testing.make_contract(provider, zones, by=by)
        _reports(zones[0], now, index)
        _inspection(contract, zones[0], inspector, now, index)
        _plan(contract, by, index)
        _rating(contract, index)
        _tender(zones, provider, by, index)
    for zone in world.zones[:1]:
        _reports(zone, now, size)


def _reports(zone: Any, now: Any, index: int) -> None:
    open_one = testing.make_service_request(zone, contact=COMPLAINANT, description=SECRET_TEXT)
    resolved = testing.make_service_request(zone, description=SECRET_TEXT)
    # Placed in the park but in none of its zones (a path between them, say).
    outside = testing.make_service_request(zone, description=SECRET_TEXT)
    ServiceRequest.objects.filter(pk=outside.pk).update(zone=None)
    ServiceRequest.objects.filter(pk=resolved.pk).update(
        status=ServiceRequest.Status.CLOSED,
        requested_at=now - timedelta(hours=30 + index),
        resolved_at=now - timedelta(hours=20),
    )
    del open_one


def _inspection(contract: Contract, zone: Any, inspector: User, now: Any, index: int) -> None:
    inspection = Inspection.objects.create(
        contract=contract,
        zone=zone,
        inspector=inspector,
        window_start=now - timedelta(days=3),
        window_end=now - timedelta(days=3) + timedelta(hours=2),
        status=Inspection.Status.SUBMITTED,
        submitted_at=now - timedelta(days=3) + timedelta(hours=1),
    )
    for standard, result in zip(
        contract.versions.get(number=1).standards.order_by("code"),
        (Finding.Result.PASS, Finding.Result.FAIL if index % 2 else Finding.Result.PASS),
        strict=True,
    ):
        Finding.objects.create(inspection=inspection, standard=standard, result=result)


def _plan(contract: Contract, by: User, index: int) -> None:
    SurveillancePlan.objects.create(
        contract=contract,
        standard=contract.versions.get(number=1).standards.order_by("code").first(),
        month=_months_ago(1),
        sample_size=4,
        status=SurveillancePlan.Status.REVEALED,
        parameters={"zones": []},
        parameters_hash="a" * 64,
        seed_hash=f"{index:064x}",
        seed=f"seed-{index:059x}",
        committed_by=by,
        committed_at=timezone.now() - timedelta(days=40),
        revealed_at=timezone.now() - timedelta(days=5),
    )


def _rating(contract: Contract, index: int) -> None:
    for months_ago in (2, 1):
        month = _months_ago(months_ago)
        assessment = Assessment.objects.create(
            contract=contract,
            month=month,
            version=contract.versions.get(number=1),
            status=Assessment.Status.APPROVED,
            score=Decimal("92.50") - index,
            grade=Grade.VERY_GOOD,
            payment_factor=Decimal(1),
            bonus_rate=Decimal(0),
            computed_at=timezone.now(),
            approved_at=timezone.now(),
        )
        Rating.objects.create(
            provider=contract.provider,
            contract=contract,
            assessment=assessment,
            month=month,
            score=assessment.score,
            grade=assessment.grade,
        )


def _tender(zones: list[Any], provider: Any, by: User, index: int) -> None:
    now = timezone.now()
    tender = Tender.objects.create(
        reference=f"ZB-{zones[0].park_id}-{index}",
        title=f"Cleaning tender {index}",
        service_kind=Contract.ServiceKind.CLEANING,
        status=Tender.Status.AWARDED,
        submission_start=now - timedelta(days=60),
        submission_end=now - timedelta(days=30),
        contract_start=date(2027, 1, 1),
        contract_end=date(2028, 12, 31),
        created_by=by,
    )
    for number in (1, 2):
        lot = Lot.objects.create(
            tender=tender, number=number, title=f"Lot {number}", budget_ceiling=Decimal(100000)
        )
        lot.zones.set(zones[number - 1 : number])
        bid = Bid.objects.create(
            lot=lot,
            provider=provider,
            price=Decimal("88000.00"),
            submitted_by=by,
            submitted_at=now - timedelta(days=40),
        )
        if number == 1:
            Award.objects.create(
                lot=lot,
                bid=bid,
                total_score=Decimal("91.25"),
                decided_by=by,
                decided_at=now - timedelta(days=20),
            )
    record_event(actor=by, action="tender.award", obj=tender)
