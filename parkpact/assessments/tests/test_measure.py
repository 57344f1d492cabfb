"""Every measurement source, counted for one contract and one month: nothing from another month
or another contract, and the failed records named so each number traces back."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from parkpact import testing
from parkpact.assessments import services
from parkpact.assessments.measure import Measure, measure, measure_for
from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.core.models import User
from parkpact.inspections.models import Finding, RectificationOrder
from parkpact.patrols import incidents
from parkpact.patrols import services as patrols
from parkpact.patrols.models import Incident, PatrolRound
from parkpact.sensors.models import Alert, Device, SensorRule
from parkpact.sensors.services import ingest_pack
from parkpact.servicerequests import services as requests
from parkpact.servicerequests.models import ServiceRequest

from .helpers import APRIL, MONTH, add_standard, inspect, local, make_order, set_standard

pytestmark = pytest.mark.django_db

Source = PerformanceStandard.Source
PASS, FAIL, NOT_INSPECTED = Finding.Result.PASS, Finding.Result.FAIL, Finding.Result.NOT_INSPECTED
NOW = local(APRIL.replace(day=20))


def measured(contract: Contract, code: str, month: date = MONTH) -> Measure:
    found = measure([contract], month, NOW)
    return measure_for(
        found,
        contract.pk,
        PerformanceStandard.objects.get(version__contract=contract, code=code),
    )


def day(n: int, hour: int = 10, minute: int = 0, month: date = MONTH) -> datetime:
    return local(month.replace(day=n), hour, minute)


# ---- Inspections --------------------------------------------------------------------------------


def test_it_counts_inspection_findings_per_standard(world: World, inspector: User) -> None:
    first = inspect(world.contract_a, inspector, day(3), {"CL-01": FAIL, "CL-02": PASS})
    inspect(world.contract_a, inspector, day(4), {"CL-01": PASS, "CL-02": NOT_INSPECTED})
    third = inspect(world.contract_a, inspector, day(5), {"CL-01": FAIL})
    # Another month, and another contract's inspection in the same month: not counted.
    inspect(world.contract_a, inspector, day(2, month=APRIL), {"CL-01": FAIL})
    inspect(world.contract_b, inspector, day(3), {"CL-01": FAIL, "CL-02": FAIL})

    cl01 = measured(world.contract_a, "CL-01")
    assert (cl01.checked, cl01.passed, cl01.occurrences) == (3, 1, 2)
    assert cl01.records == [("inspection", first.pk), ("inspection", third.pk)]
    cl02 = measured(world.contract_a, "CL-02")  # not inspected is left out
    assert (cl02.checked, cl02.passed, cl02.occurrences, cl02.records) == (1, 1, 0, [])
    other = measured(world.contract_b, "CL-01")
    assert (other.checked, other.occurrences) == (1, 1)


def test_an_inspection_not_submitted_counts_nothing(world: World, inspector: User) -> None:
    from .helpers import make_inspection

    scheduled = make_inspection(world.contract_a, inspector, day(3), status="scheduled")
    Finding.objects.create(
        inspection=scheduled,
        standard=PerformanceStandard.objects.get(version__contract=world.contract_a, code="CL-01"),
        result=FAIL,
    )
    assert not measured(world.contract_a, "CL-01").available


def test_the_assessment_deducts_from_the_inspections_and_lists_them(
    world: World, inspector: User, manager: User
) -> None:
    failed = [
        inspect(world.contract_a, inspector, day(n), {"CL-01": FAIL, "CL-02": PASS})
        for n in (3, 4, 5)
    ]
    assessment = services.compute_assessment(
        contract=world.contract_a, month=MONTH, by=manager, now=NOW
    )
    lines = {line.standard.code: line for line in assessment.lines.select_related("standard")}
    assert lines["CL-01"].points == Decimal(6)  # 3 failures × 2 points
    assert lines["CL-01"].pass_rate == Decimal(0)
    assert lines["CL-01"].records == [["inspection", i.pk] for i in failed]
    assert lines["CL-02"].points == 0
    assert lines["CL-02"].pass_rate == Decimal(100)
    assert assessment.score == Decimal(94)
    assert assessment.missing_sources == []


# ---- Rectification orders ------------------------------------------------------------------------


def test_it_counts_orders_put_right_on_time_late_or_not_at_all(
    world: World, inspector: User
) -> None:
    set_standard(world.contract_a, "CL-02", source=Source.RECTIFICATION)
    deadline = day(10)
    make_order(
        world.contract_a,
        inspector,
        deadline,
        rectified_at=deadline - timedelta(hours=1),
        status=RectificationOrder.Status.CLOSED,
    )
    late = make_order(
        world.contract_a,
        inspector,
        day(12),
        rectified_at=day(12) + timedelta(hours=3),
        status=RectificationOrder.Status.CLOSED,
    )
    never = make_order(world.contract_a, inspector, day(20))
    make_order(world.contract_a, inspector, day(3, month=APRIL))  # due in April
    make_order(world.contract_b, inspector, day(10))  # another contract

    found = measured(world.contract_a, "CL-02")
    assert (found.checked, found.passed, found.occurrences) == (3, 1, 2)
    assert found.records == [("order", late.pk), ("order", never.pk)]


def test_a_reopened_order_past_its_deadline_is_late(world: World, inspector: User) -> None:
    set_standard(world.contract_a, "CL-02", source=Source.RECTIFICATION)
    deadline = day(10)
    order = make_order(
        world.contract_a,
        inspector,
        deadline,
        rectified_at=deadline - timedelta(hours=1),
        status=RectificationOrder.Status.REOPENED,
    )
    assert order.is_overdue(NOW)
    found = measured(world.contract_a, "CL-02")
    assert (found.checked, found.occurrences) == (1, 1)


# ---- Public reports --------------------------------------------------------------------------------


def report(world: World, at: datetime, *, zone: int = 0, code: str = "litter") -> ServiceRequest:
    return testing.make_service_request(world.zones[zone], service_code=code, at=at)


def validated(
    world: World, provider_user: User, inspector: User, at: datetime, *, at_fault: bool
) -> ServiceRequest:
    """A report put right by the provider and validated by the centre; validated at ``at``."""
    found = report(world, at - timedelta(hours=2))
    requests.acknowledge(request=found, by=provider_user)
    photo = SimpleUploadedFile("fix.jpg", testing.photo_bytes(), content_type="image/jpeg")
    requests.resolve(request=found, by=provider_user, note="Swept", photo=photo)
    requests.validate_resolution(request=found, by=inspector, contractor_at_fault=at_fault)
    # The services stamp the real time: put the validation in the month under test.
    ServiceRequest.objects.filter(pk=found.pk).update(validated_at=at)
    return found


def test_it_counts_only_complaints_validated_with_the_contractor_at_fault(
    world: World, provider_a_user: User, inspector: User
) -> None:
    set_standard(world.contract_a, "CL-02", source=Source.COMPLAINTS)
    first = validated(world, provider_a_user, inspector, day(5), at_fault=True)
    validated(world, provider_a_user, inspector, day(6), at_fault=False)
    second = validated(world, provider_a_user, inspector, day(7), at_fault=True)
    validated(world, provider_a_user, inspector, day(2, month=APRIL), at_fault=True)
    report(world, day(8))  # open, never validated

    found = measured(world.contract_a, "CL-02")
    assert found.available
    assert found.occurrences == 2
    assert found.records == [("request", first.pk), ("request", second.pk)]
    assert measured(world.contract_a, "CL-02", APRIL).occurrences == 1


def test_a_month_without_complaints_deducts_nothing(world: World) -> None:
    set_standard(world.contract_a, "CL-02", source=Source.COMPLAINTS)
    found = measured(world.contract_a, "CL-02")
    assert found.available
    assert (found.occurrences, found.records) == (0, [])


def test_it_counts_reports_past_their_deadline(world: World) -> None:
    set_standard(world.contract_a, "CL-02", source=Source.SLA)
    first = report(world, day(5))
    second = report(world, day(6))
    report(world, day(25))  # received in March, its deadlines passed only in April
    guard_matter = report(world, day(5), code="safety")  # the security contract's
    assert guard_matter.contract_id == world.contract_b.pk
    requests.mark_sla_breaches(now=day(10))
    requests.mark_sla_breaches(now=day(10, month=APRIL))

    found = measured(world.contract_a, "CL-02")
    assert (found.checked, found.passed, found.occurrences) == (3, 1, 2)
    assert found.records == [("request", first.pk), ("request", second.pk)]
    april = measured(world.contract_a, "CL-02", APRIL)
    assert april.occurrences == 1


# ---- Patrols ---------------------------------------------------------------------------------------


def patrol_ground(world: World) -> tuple[list[Any], Any]:
    checkpoints = [testing.make_checkpoint(world.zones[i]) for i in range(3)]
    route = patrols.create_route(
        contract=world.contract_b, name="Lakeside", checkpoints=checkpoints, by=None
    )
    schedule = patrols.create_schedule(
        route=route,
        every_minutes=120,
        daily_from=time(8),
        daily_to=time(12),
        window_minutes=60,
        by=None,
    )
    return checkpoints, schedule


def scan(checkpoint: Any, guard: User, at: datetime) -> None:
    patrols.record_scan(
        token=checkpoint.token,
        by=guard,
        client_uuid=uuid4(),
        scanned_at=at,
        position=patrols.Position(
            longitude=checkpoint.facility.longitude, latitude=checkpoint.facility.latitude
        ),
        now=at + timedelta(seconds=5),
    )


def test_it_counts_checkpoints_missed_on_closed_rounds_only(
    world: World, provider_b_user: User
) -> None:
    set_standard(
        world.contract_b,
        "CL-02",
        source=Source.PATROLS,
        rule=PerformanceStandard.Rule.RATE,
        points_per_occurrence=Decimal(5),
    )
    checkpoints, schedule = patrol_ground(world)
    patrols.generate_rounds(schedule=schedule, day=MONTH.replace(day=10))
    for minute, checkpoint in enumerate(checkpoints):
        scan(checkpoint, provider_b_user, day(10, 8, 10 + minute))
    scan(checkpoints[0], provider_b_user, day(10, 10, 10))
    patrols.close_due_rounds(now=day(10, 23))
    # April's rounds are another month; the 11th's are still open (the sweep has not run).
    patrols.generate_rounds(schedule=schedule, day=APRIL.replace(day=2))
    patrols.close_due_rounds(now=day(3, 0, month=APRIL))
    patrols.generate_rounds(schedule=schedule, day=MONTH.replace(day=11))
    assert PatrolRound.objects.filter(status__in=PatrolRound.OPEN_STATUSES).count() == 2

    second = PatrolRound.objects.get(window_start=day(10, 10))
    assert second.status == PatrolRound.Status.INCOMPLETE
    found = measured(world.contract_b, "CL-02")
    assert (found.checked, found.passed, found.occurrences) == (6, 4, 2)
    assert found.records == [("round", second.pk)]
    assessment = services.compute_assessment(
        contract=world.contract_b, month=MONTH, by=None, now=NOW
    )
    line = assessment.lines.get(standard__code="CL-02")
    assert line.pass_rate == Decimal("66.67")
    assert line.points == Decimal(5)  # 66.67 % misses the 95 % level: the rule's points, once
    assert measured(world.contract_b, "CL-02", APRIL).occurrences == 6


def test_a_contract_without_patrol_rounds_has_no_measure_and_says_so(
    world: World, manager: User
) -> None:
    set_standard(world.contract_a, "CL-02", source=Source.PATROLS)
    found = measured(world.contract_a, "CL-02")
    assert not found.available
    assessment = services.compute_assessment(
        contract=world.contract_a, month=MONTH, by=manager, now=NOW
    )
    line = assessment.lines.get(standard__code="CL-02")
    assert (line.available, line.points, line.computed_points) == (False, 0, 0)
    # No inspection either: CL-01 is unavailable too.
    assert assessment.missing_sources == [Source.INSPECTIONS, Source.PATROLS]
    assert assessment.score == 100


# ---- Incidents -------------------------------------------------------------------------------------


def incident(world: World, by: User, at: datetime) -> Incident:
    return incidents.report_incident(
        contract=world.contract_b,
        kind=Incident.Kind.DISTURBANCE,
        severity="minor",
        zone=world.zones[0],
        by=by,
        reported_at=at,
    )


def test_it_counts_incidents_reached_on_time_late_and_never(
    world: World, provider_b_user: User
) -> None:
    set_standard(world.contract_b, "CL-02", source=Source.INCIDENTS)
    on_time = incident(world, provider_b_user, day(3, 10))
    incidents.mark_on_scene(incident=on_time, by=provider_b_user, at=day(3, 10, 4))
    late = incident(world, provider_b_user, day(4, 10))
    incidents.mark_on_scene(incident=late, by=provider_b_user, at=day(4, 10, 20))
    never = incident(world, provider_b_user, day(5, 10))
    april = incident(world, provider_b_user, day(2, 10, month=APRIL))
    incidents.mark_on_scene(incident=april, by=provider_b_user, at=day(2, 11, month=APRIL))

    found = measured(world.contract_b, "CL-02")
    assert (found.checked, found.passed, found.occurrences) == (3, 1, 2)
    assert found.extra_value == Decimal("20.0")  # the slowest response reached, in minutes
    assert found.records == [("incident", late.pk), ("incident", never.pk)]
    assert found.available
    # The cleaning contract has none of them.
    set_standard(world.contract_a, "CL-02", source=Source.INCIDENTS)
    assert measured(world.contract_a, "CL-02").occurrences == 0


# ---- Sensors ---------------------------------------------------------------------------------------


def bins(world: World, *zones: int) -> list[Device]:
    devices = [testing.make_sensor_device(world.zones[z])[0] for z in zones]
    # Registered "now": put them in place before the month measured.
    Device.objects.filter(pk__in=[d.pk for d in devices]).update(created_at=day(1, 0, month=MONTH))
    return devices


def fill(device: Device, *values: tuple[datetime, float]) -> None:
    """One pack per reading: the rules run at the end of each pack, as readings arrive."""
    for at, value in values:
        pack = [{"n": "fillingLevel", "u": "/", "t": at.timestamp(), "v": value}]
        ingest_pack(device=device, pack=pack, now=NOW)


def test_it_counts_sensor_alerts_of_the_rules_naming_the_standard(world: World) -> None:
    assert SensorRule.objects.get(device_kind="waste_container").standard_code == "CL-04"
    set_standard(world.contract_a, "CL-02", source=Source.SENSORS)
    PerformanceStandard.objects.filter(version__contract=world.contract_a, code="CL-02").update(
        code="CL-04"
    )
    full, quiet, elsewhere = bins(world, 0, 1, 2)  # zone 2 is outside contract A
    fill(full, (day(3, 9), 0.95), (day(3, 9, 35), 0.97), (day(3, 9, 50), 0.05))
    fill(quiet, (day(3, 9), 0.2))
    fill(elsewhere, (day(3, 9), 0.95), (day(3, 9, 35), 0.97))
    fill(full, (day(2, 9, month=APRIL), 0.95), (day(2, 9, 40, month=APRIL), 0.96))
    alert = Alert.objects.get(device=full, raised_at__lt=day(1, 0, month=APRIL))
    assert alert.contract_id == world.contract_a.pk

    found = measured(world.contract_a, "CL-04")
    assert (found.checked, found.passed, found.occurrences) == (2, 1, 1)
    assert found.records == [("alert", alert.pk)]
    assert found.extra_value == Decimal("0.83")  # 50 minutes at or above 90 % full
    assert measured(world.contract_a, "CL-04", APRIL).occurrences == 1


def test_alerts_of_a_rule_naming_another_standard_do_not_count(world: World) -> None:
    SensorRule.objects.filter(device_kind="waste_container").update(standard_code="CL-09")
    set_standard(world.contract_a, "CL-02", source=Source.SENSORS)
    PerformanceStandard.objects.filter(version__contract=world.contract_a, code="CL-02").update(
        code="CL-04"
    )
    (full,) = bins(world, 0)
    fill(full, (day(3, 9), 0.95), (day(3, 9, 35), 0.97))
    assert Alert.objects.filter(device=full).exists()
    assert not measured(world.contract_a, "CL-04").available


# ---- All at once -----------------------------------------------------------------------------------


def test_a_month_without_evidence_for_several_sources_lists_each_once(
    world: World, manager: User
) -> None:
    add_standard(world.contract_a, "PA-01", Source.PATROLS)
    add_standard(world.contract_a, "PA-02", Source.PATROLS)
    add_standard(world.contract_a, "SE-01", Source.SENSORS)
    assessment = services.compute_assessment(
        contract=world.contract_a, month=MONTH, by=manager, now=NOW
    )
    assert assessment.missing_sources == [Source.INSPECTIONS, Source.PATROLS, Source.SENSORS]
    assert assessment.lines.count() == 5
    assert assessment.score == 100
