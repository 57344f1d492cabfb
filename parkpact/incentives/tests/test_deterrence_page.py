"""The contract's deterrence check: its assembly from the database, the page and the costs."""

from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from conftest import client_for
from parkpact import testing
from parkpact.contracts.models import PerformanceStandard
from parkpact.core.models import AuditEvent, User
from parkpact.incentives import deterrence, services
from parkpact.incentives.models import CostBreakdown
from parkpact.inspections.models import SurveillancePlan
from parkpact.parks.models import Facility
from parkpact.parks.services import create_facility

pytestmark = pytest.mark.django_db

MONTH = date(2026, 4, 1)  # 30 days
COSTS = {
    "staff_hours_per_zone_day": D(4),
    "wage_per_hour": D(25),
    "consumables_per_zone_day": D(20),
    "inspector_hours_per_visit": D("1.5"),
    "inspector_wage_per_hour": D(40),
}


def page_url(world: Any, month: str = "2026-04") -> str:
    return reverse("incentives:contract_deterrence", args=[world.contract_a.pk]) + f"?month={month}"


def make_plan(world: Any, sample_size: int) -> SurveillancePlan:
    """CL-01's draft plan for April of contract A, ``sample_size`` zone-visits. Its two zones
    are lawns of equal area: each visit goes to either with a chance of one half."""
    standard = world.contract_a.versions.get(number=1).standards.get(code="CL-01")
    return SurveillancePlan.objects.create(
        contract=world.contract_a, standard=standard, month=MONTH, sample_size=sample_size
    )


@override_settings(LANGUAGE_CODE="en")
def test_it_assembles_visits_public_reports_and_saving(
    world: Any, manager: User, inspector: User
) -> None:
    make_plan(world, 8)
    for _ in range(3):
        testing.make_service_request(world.zones[0], at=datetime(2026, 3, 10, 2, tzinfo=UTC))
    rows = services.deterrence_table(contract=world.contract_a, month=MONTH)
    cl01 = [row for row in rows if row.standard.code == "CL-01"]
    assert [row.zone for row in cl01] == world.zones[:2]
    first, second = cl01
    # As designed: 8 visits to the lawns, half of them expected in each: 1 − (1 − 0.5/30)^8.
    assert first.visits == second.visits == D("4.0")
    assert first.sampling == second.sampling == D("0.1258")
    assert first.public == deterrence.public_detection(reports=3, zone_days=365)
    assert second.public == D(0)
    assert first.detection > second.detection
    # No cost breakdown: the saving is the zone's share of the fee by area, and says so.
    assert first.saving is not None and "Saving per zone-day" in first.defaults
    half = (D("120000.00") / 2 / 30).quantize(D("0.01"))
    assert abs(first.saving - half) < D(1)
    # No approved assessment: a score of 100, in the flat top band — one point costs nothing.
    assert first.penalty == D("0.00") and first.verdict == deterrence.NOT_DETERRED
    assert first.fix is not None and first.fix.flat_band and not first.fix.cap_reached
    assert "Typical score" in first.defaults

    services.save_cost_breakdown(contract=world.contract_a, by=manager, **COSTS)
    rows = services.deterrence_table(contract=world.contract_a, month=MONTH)
    assert rows[0].saving == D("120.00")
    assert "Saving per zone-day" not in rows[0].defaults


def test_a_provider_never_sees_the_page(world: Any, provider_a_user: User) -> None:
    assert client_for(provider_a_user).get(page_url(world)).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(world: Any) -> None:
    response = client_for(None).get(page_url(world))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_manager_sees_the_table_chart_and_costs(
    world: Any,
    manager: User,
    inspector: User,
    english: None,
    django_assert_max_num_queries: Any,
) -> None:
    make_plan(world, 3)
    client = client_for(manager)
    with django_assert_max_num_queries(25):
        response = client.get(page_url(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert "CL-01" in page and world.zones[0].code in page
    assert "deterrence-chart" in page and "echarts.min.js" in page
    assert 'id="saving-default"' in page  # no breakdown: the page says the saving is a default
    assert "1 − (1 − 0.500 ÷ 30)^3 = 0.0492" in page  # the arithmetic on hover
    assert "input missing" in page  # monitoring cost without inspector hours
    assert 'name="wage_per_hour"' in page
    contract_page = client.get(reverse("contracts:contract_detail", args=[world.contract_a.pk]))
    assert reverse("incentives:contract_deterrence", args=[world.contract_a.pk]) in (
        contract_page.content.decode()
    )


def test_an_inspector_reads_the_page_without_the_cost_form(
    world: Any, inspector: User, english: None
) -> None:
    response = client_for(inspector).get(page_url(world))
    assert response.status_code == 200
    assert 'name="wage_per_hour"' not in response.content.decode()
    post = client_for(inspector).post(
        reverse("incentives:cost_breakdown_save", args=[world.contract_a.pk]),
        {k: str(v) for k, v in COSTS.items()},
    )
    assert post.status_code == 403
    assert not CostBreakdown.objects.exists()


def test_a_manager_saves_the_cost_breakdown(world: Any, manager: User, inspector: User) -> None:
    make_plan(world, 3)
    url = reverse("incentives:cost_breakdown_save", args=[world.contract_a.pk]) + "?month=2026-04"
    response = client_for(manager).post(url, {k: str(v) for k, v in COSTS.items()})
    assert response.status_code == 302
    breakdown = CostBreakdown.objects.get(contract=world.contract_a)
    assert breakdown.saving_per_zone_day() == D("120.00")
    assert AuditEvent.objects.filter(action="cost_breakdown.save", actor=manager).exists()
    table = services.build_table(contract=world.contract_a, month=MONTH)
    assert table.monitoring_cost == D("180.00")  # 3 planned visits × 1.5 h × 40 CNY


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("wage_per_hour", "-5", "A cost cannot be negative."),
        ("staff_hours_per_zone_day", "30", "A zone-day has 24 hours"),
        ("inspector_wage_per_hour", "5000", "at most 1,000 CNY an hour"),
    ],
)
def test_bad_costs_are_refused_with_nothing_saved(
    world: Any, manager: User, english: None, field: str, value: str, message: str
) -> None:
    data = {k: str(v) for k, v in COSTS.items()} | {field: value}
    response = client_for(manager).post(
        reverse("incentives:cost_breakdown_save", args=[world.contract_a.pk]), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert message in str(response.context["form"].errors[field])
    assert not CostBreakdown.objects.exists()
    assert not AuditEvent.objects.filter(action="cost_breakdown.save").exists()


def test_only_managers_may_save_costs(world: Any, inspector: User) -> None:
    with pytest.raises(PermissionDenied):
        services.save_cost_breakdown(contract=world.contract_a, by=inspector, **COSTS)
    assert not CostBreakdown.objects.exists()


def test_sensors_deter_only_where_every_bin_in_scope_has_one(world: Any) -> None:
    """A contractor skips the bin nobody watches: one unwatched bin and the sensor channel
    catches nothing; a sensor on it too and it catches everything."""
    version = world.contract_a.versions.get(number=1)
    PerformanceStandard.objects.create(
        version=version,
        code="CL-04",
        name="Bins emptied before they overflow",
        measurement="Fill sensors",
        target="Emptied before 90 %",
        acceptable_quality_level=D(95),
        method=PerformanceStandard.Method.SENSOR,
        source=PerformanceStandard.Source.SENSORS,
        weight=D(10),
        points_per_occurrence=D("0.5"),
        monthly_cap=D(10),
    )
    testing.make_sensor_device(world.zones[0])
    create_facility(
        zone=world.zones[1],
        by=None,
        code="BIN-X",
        name="Unwatched bin",
        kind=Facility.Kind.BIN,
        longitude=D(str(round(world.zones[1].west + 0.0004, 6))),
        latitude=D(str(round(world.zones[1].south + 0.0004, 6))),
    )

    def cl04() -> services.Row:
        rows = services.deterrence_table(contract=world.contract_a, month=MONTH)
        return next(row for row in rows if row.standard.code == "CL-04")

    row = cl04()
    assert row.full_record == D(0) and "1/2" in [i.value for i in row.inputs]
    testing.make_sensor_device(world.zones[1])  # a second bin, with its sensor
    Facility.objects.filter(code="BIN-X").delete()
    assert cl04().full_record == D(1)
