"""Ground shared by the plan, page and verify_sample tests: a contract running around today
over zones of several kinds, three inspectors, and helpers that commit or reveal a plan for a
given month with the clock set where the rules allow it. (No tests here.)"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.contracts import services as contract_services
from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.core.models import Role, User
from parkpact.inspections import services
from parkpact.inspections.models import SurveillancePlan
from parkpact.parks.models import Zone

WINDOWS = [["07:00", "09:00"], ["14:00", "16:00"]]


@dataclass
class Supervised:
    """A contract of company A with a random-sample standard (CL-01) and a 100 % check (CL-02)."""

    contract: Contract
    zones: list[Zone]
    random_standard: PerformanceStandard
    full_standard: PerformanceStandard
    inspectors: list[User]


def this_month() -> date:
    return services.first_of_month(timezone.localdate())


def last_month() -> date:
    month = this_month()
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_after(month: date) -> date:
    return services.next_month(month)


def before(month: date) -> datetime:
    """A moment when the month's plans may still be made and committed."""
    return services.month_begins_at(month) - timedelta(days=2)


def after(month: date) -> datetime:
    """A moment when the month is over and its seed may be revealed."""
    return services.month_begins_at(services.next_month(month)) + timedelta(hours=1)


@pytest.fixture
def supervised(world: World, manager: User, inspector: User) -> Supervised:
    today = timezone.localdate()
    zones = [
        testing.make_zone(world.park, x=10 + i, kind=kind)
        for i, kind in enumerate(["lawn", "lawn", "path", "toilet", "playground"])
    ]
    contract = testing.make_contract(
        world.provider_a,
        zones,
        by=manager,
        active=False,
        start=today - timedelta(days=400),
        end=today + timedelta(days=400),
    )
    full = contract.versions.get(number=1).standards.get(code="CL-02")
    full.method = PerformanceStandard.Method.FULL_CHECK
    full.zone_kinds = ["toilet", "playground"]
    contract_services.save_term_part(part=full, by=manager)
    contract = contract_services.activate_contract(contract=contract, by=manager)
    inspectors = [inspector, testing.make_user(Role.INSPECTOR), testing.make_user(Role.INSPECTOR)]
    version = contract.versions.get(number=1)
    return Supervised(
        contract=contract,
        zones=zones,
        random_standard=version.standards.get(code="CL-01"),
        full_standard=version.standards.get(code="CL-02"),
        inspectors=inspectors,
    )


def draft_plan(
    s: Supervised,
    *,
    month: date,
    by: User,
    sample_size: int = 8,
    standard: PerformanceStandard | None = None,
) -> SurveillancePlan:
    return services.create_plan(
        contract=s.contract,
        standard=standard or s.random_standard,
        month=month,
        sample_size=sample_size,
        visits_per_zone=2,
        windows=WINDOWS,
        by=by,
        now=before(month),
    )


def committed_plan(s: Supervised, *, month: date, by: User, **kwargs: object) -> SurveillancePlan:
    plan = draft_plan(s, month=month, by=by, **kwargs)  # type: ignore[arg-type]
    return services.commit_plan(plan=plan, by=by, now=before(month))


def revealed_plan(s: Supervised, *, month: date, by: User, **kwargs: object) -> SurveillancePlan:
    plan = committed_plan(s, month=month, by=by, **kwargs)
    return services.reveal_plan(plan=plan, by=None, now=after(month))
