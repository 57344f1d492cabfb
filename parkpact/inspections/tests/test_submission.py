"""submit_inspection: what the field app sends becomes a submitted visit, findings and orders —
or a clear refusal that stores nothing (or, for a stale or closed visit, only a review flag)."""

import math
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.core.models import AuditEvent, Role, User
from parkpact.inspections.models import Finding, Inspection, RectificationOrder
from parkpact.inspections.submission import (
    AlreadySubmitted,
    FindingInput,
    NotAssigned,
    Position,
    StaleInspection,
    VisitClosed,
    submit_inspection,
)
from parkpact.parks.models import Zone

# These tests read the messages in English.
pytestmark = pytest.mark.usefixtures("english")

# The middle of testing.square(x=0): zone 0 of the shared world.
INSIDE = Position(longitude=testing.ORIGIN[0] + 0.0005, latitude=testing.ORIGIN[1] + 0.0005)


def make_visit(
    contract: Contract,
    zone: Zone,
    inspector: User,
    *,
    opens: datetime | None = None,
    hours: float = 3,
    status: str = Inspection.Status.SCHEDULED,
) -> Inspection:
    """A visit as a committed plan would have drawn it: by default its window is open now."""
    opens = opens or timezone.now() - timedelta(hours=1)
    return Inspection.objects.create(
        contract=contract,
        zone=zone,
        inspector=inspector,
        window_start=opens,
        window_end=opens + timedelta(hours=hours),
        status=status,
    )


def set_limit(contract: Contract, code: str, limit: str, unit: str = "items/100 m²") -> None:
    """Give a standard a limit (tests only: terms in force are otherwise never edited)."""
    PerformanceStandard.objects.filter(version__contract=contract, code=code).update(
        limit_value=Decimal(limit), unit=unit
    )


def item(standard: str, result: str, **extra: Any) -> FindingInput:
    if result == "fail":
        extra.setdefault("photos", (uuid.uuid4(),))
    return FindingInput(uuid=uuid.uuid4(), standard=standard, result=result, **extra)


def submit(visit: Inspection, by: User, **changes: Any) -> Inspection:
    now = timezone.now()
    values: dict[str, Any] = {
        "started_at": now - timedelta(minutes=20),
        "start_position": INSIDE,
        "finished_at": now - timedelta(minutes=5),
        "finish_position": INSIDE,
        "findings": [item("CL-01", "pass"), item("CL-02", "fail", note="Litter by the bench")],
        "expected_version": visit.version,
    }
    values.update(changes)
    return submit_inspection(inspection=visit, by=by, **values)


def stored() -> tuple[int, int, int]:
    return Finding.objects.count(), RectificationOrder.objects.count(), AuditEvent.objects.count()


def fields_of(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


@pytest.fixture
def visit(world: World, inspector: User) -> Inspection:
    return make_visit(world.contract_a, world.zones[0], inspector)


def test_it_records_the_visit_its_findings_and_an_order_per_failure(
    visit: Inspection, inspector: User
) -> None:
    submitted = submit(visit, inspector)
    submitted.refresh_from_db()
    assert submitted.status == Inspection.Status.SUBMITTED
    assert submitted.version == 2
    assert submitted.submitted_at is not None
    assert submitted.start_longitude == Decimal("118.600500")
    assert submitted.finish_latitude == Decimal("24.930500")
    assert not submitted.needs_review
    results = dict(submitted.findings.values_list("standard__code", "result"))
    assert results == {"CL-01": "pass", "CL-02": "fail"}
    order = RectificationOrder.objects.get()
    assert order.finding.standard.code == "CL-02"
    assert order.provider == visit.contract.provider
    event = AuditEvent.objects.get(action="inspection.submit")
    assert event.after is not None
    assert event.after["counts"] == {"pass": 1, "fail": 1, "not_inspected": 0}
    assert event.after["start_position"]["longitude"] == INSIDE.longitude
    assert event.before == {"status": "scheduled", "version": 1}


def test_it_keeps_the_apps_identifiers_and_measured_values(
    world: World, visit: Inspection, inspector: User
) -> None:
    set_limit(world.contract_a, "CL-02", "1.5")
    finding = item("CL-02", "fail", measured_value=Decimal("2.25"))
    submit(visit, inspector, findings=[finding])
    stored_finding = Finding.objects.get(uuid=finding.uuid)
    assert stored_finding.measured_value == Decimal("2.250")


def test_only_the_assigned_inspector_may_submit(world: World, visit: Inspection) -> None:
    other = testing.make_user(Role.INSPECTOR)
    before = stored()
    with pytest.raises(NotAssigned) as refused:
        submit(visit, other)
    assert refused.value.code == "not_assigned"
    assert stored() == before
    visit.refresh_from_db()
    assert visit.status == Inspection.Status.SCHEDULED and not visit.needs_review


def test_a_user_who_is_no_longer_an_inspector_may_not_submit(
    visit: Inspection, inspector: User
) -> None:
    inspector.role = Role.AUDITOR
    inspector.save()
    with pytest.raises(NotAssigned):
        submit(visit, inspector)


def test_a_visit_is_submitted_once(visit: Inspection, inspector: User) -> None:
    submit(visit, inspector)
    before = stored()
    with pytest.raises(AlreadySubmitted) as refused:
        submit(visit, inspector, expected_version=2)
    assert refused.value.status == 409
    assert stored() == before


def test_a_stale_submission_is_refused_kept_and_flagged(visit: Inspection, inspector: User) -> None:
    Inspection.objects.filter(pk=visit.pk).update(version=3)  # a manager changed the visit
    with pytest.raises(StaleInspection) as refused:
        submit(visit, inspector, expected_version=1)
    assert refused.value.status == 412 and refused.value.code == "stale"
    visit.refresh_from_db()
    assert visit.status == Inspection.Status.SCHEDULED  # never overwritten
    assert visit.version == 3
    assert visit.needs_review and "version 1" in visit.review_reason
    assert not Finding.objects.exists()
    event = AuditEvent.objects.get(action="inspection.submit_refused")
    assert event.after is not None
    assert event.after["refused"] == "stale"
    assert [f["standard"] for f in event.after["findings"]] == ["CL-01", "CL-02"]


@pytest.mark.parametrize("status", [Inspection.Status.MISSED, Inspection.Status.CANCELLED])
def test_a_closed_visit_is_refused_kept_and_flagged(
    world: World, inspector: User, status: str
) -> None:
    visit = make_visit(world.contract_a, world.zones[0], inspector, status=status)
    with pytest.raises(VisitClosed) as refused:
        submit(visit, inspector)
    assert refused.value.code == "visit_closed"
    visit.refresh_from_db()
    assert visit.status == status and visit.needs_review
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    ("position", "field"),
    [
        (Position(longitude=math.nan, latitude=24.93), "start_position.longitude"),
        (Position(longitude=118.6, latitude=math.inf), "start_position.latitude"),
        (Position(longitude=181, latitude=24.93), "start_position.longitude"),
        (Position(longitude=118.6, latitude=-90.5), "start_position.latitude"),
        (Position(longitude=118.6, latitude=24.93, accuracy_m=-3), "start_position.accuracy_m"),
    ],
)
def test_it_refuses_a_position_outside_wgs84(
    visit: Inspection, inspector: User, position: Position, field: str
) -> None:
    before = stored()
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector, start_position=position)
    assert set(fields_of(refused)) == {field}
    assert refused.value.error_dict[field][0].code == "bad_position"
    assert stored() == before
    visit.refresh_from_db()
    assert visit.status == Inspection.Status.SCHEDULED and not visit.needs_review


def test_a_position_far_outside_the_zone_flags_the_visit_for_review(
    visit: Inspection, inspector: User, settings: Any
) -> None:
    settings.INSPECTION_POSITION_TOLERANCE_M = 100
    # About 300 m east of the zone's edge.
    far = Position(longitude=testing.ORIGIN[0] + 0.004, latitude=INSIDE.latitude)
    submitted = submit(visit, inspector, finish_position=far)
    assert submitted.status == Inspection.Status.SUBMITTED
    assert submitted.needs_review
    assert "100" in submitted.review_reason


def test_a_position_within_the_tolerance_is_fine(
    visit: Inspection, inspector: User, settings: Any
) -> None:
    settings.INSPECTION_POSITION_TOLERANCE_M = 100
    # About 50 m east of the zone's edge.
    near = Position(longitude=testing.ORIGIN[0] + 0.0015, latitude=INSIDE.latitude)
    assert not submit(visit, inspector, start_position=near).needs_review


def test_a_missing_position_or_a_start_outside_the_window_flags_the_visit(
    world: World, inspector: User
) -> None:
    visit = make_visit(
        world.contract_a, world.zones[0], inspector, opens=timezone.now() + timedelta(hours=1)
    )
    submitted = submit(visit, inspector, start_position=None)
    assert submitted.needs_review
    assert len(submitted.review_reason.splitlines()) == 2


def test_it_refuses_a_standard_that_is_not_on_the_checklist(
    world: World, visit: Inspection, inspector: User
) -> None:
    before = stored()
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector, findings=[item("CL-01", "pass"), item("SEC-09", "pass")])
    assert set(fields_of(refused)) == {"findings.1.standard"}
    assert "SEC-09" in fields_of(refused)["findings.1.standard"][0]
    assert refused.value.error_dict["findings.1.standard"][0].code == "standard_not_applicable"
    assert stored() == before


def test_it_refuses_a_standard_for_another_kind_of_zone(
    world: World, visit: Inspection, inspector: User
) -> None:
    PerformanceStandard.objects.filter(version__contract=world.contract_a, code="CL-02").update(
        zone_kinds=[Zone.Kind.TOILET]
    )
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector)
    assert set(fields_of(refused)) == {"findings.1.standard"}


def test_it_refuses_a_standard_checked_by_sensors(
    world: World, visit: Inspection, inspector: User
) -> None:
    PerformanceStandard.objects.filter(version__contract=world.contract_a, code="CL-01").update(
        method=PerformanceStandard.Method.SENSOR
    )
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector)
    assert set(fields_of(refused)) == {"findings.0.standard"}


def test_a_value_beyond_the_limit_cannot_pass(
    world: World, visit: Inspection, inspector: User
) -> None:
    set_limit(world.contract_a, "CL-01", "1")
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector, findings=[item("CL-01", "pass", measured_value=Decimal("1.2"))])
    assert refused.value.error_dict["findings.0.result"][0].code == "value_breaks_limit"
    # At the limit it passes; an inspector may still fail an item for what they saw.
    submit(
        visit,
        inspector,
        findings=[
            item("CL-01", "pass", measured_value=Decimal("1")),
            item("CL-02", "fail", measured_value=Decimal("0")),
        ],
    )


def test_a_failed_item_needs_a_photo(visit: Inspection, inspector: User) -> None:
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector, findings=[item("CL-02", "fail", photos=())])
    assert refused.value.error_dict["findings.0.photos"][0].code == "photo_required"


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        ([item("CL-01", "great")], "findings.0.result"),
        ([item("CL-01", "pass", measured_value=Decimal("NaN"))], "findings.0.measured_value"),
        ([item("CL-01", "pass", measured_value=Decimal("1e7"))], "findings.0.measured_value"),
        (
            [item("CL-01", "not_inspected", measured_value=Decimal(1))],
            "findings.0.measured_value",
        ),
        ([item("CL-01", "pass", note="x" * 2001)], "findings.0.note"),
        ([item("CL-01", "pass"), item("CL-01", "fail")], "findings.1.standard"),
    ],
)
def test_it_refuses_a_malformed_item(
    visit: Inspection, inspector: User, findings: list[FindingInput], field: str
) -> None:
    before = stored()
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector, findings=findings)
    assert set(fields_of(refused)) == {field}
    assert stored() == before


def test_it_refuses_an_identifier_already_used(
    world: World, visit: Inspection, inspector: User
) -> None:
    first = submit(visit, inspector)
    reused = first.findings.first()
    assert reused is not None
    second = make_visit(world.contract_a, world.zones[0], inspector)
    with pytest.raises(ValidationError) as refused:
        submit(
            second,
            inspector,
            findings=[FindingInput(uuid=reused.uuid, standard="CL-01", result="pass")],
        )
    assert refused.value.error_dict["findings.0.uuid"][0].code == "uuid_reused"


def test_it_refuses_impossible_times(visit: Inspection, inspector: User) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector, started_at=now, finished_at=now - timedelta(minutes=1))
    assert set(fields_of(refused)) == {"finished_at"}
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector, finished_at=now + timedelta(hours=1))
    assert refused.value.error_dict["finished_at"][0].code == "future_time"
    with pytest.raises(ValidationError) as refused:
        submit(visit, inspector, started_at=datetime(2026, 11, 26, 8, 0))
    assert refused.value.error_dict["started_at"][0].code == "naive_time"
    assert not Finding.objects.exists()
