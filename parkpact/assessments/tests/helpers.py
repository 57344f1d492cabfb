"""Assessment ground for tests: a month of evidence, standards measured from each source, and
assessments moved through the workflow with explicit times.

No tests here: the test modules of this folder import these."""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from conftest import World
from parkpact.assessments import services
from parkpact.assessments.models import Assessment, AssessmentLine, PaymentCertificate
from parkpact.assessments.scoring import add_months
from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.core.models import AuditEvent, User
from parkpact.inspections.models import Finding, Inspection, RectificationOrder

MONTH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)
_counter = itertools.count(1)


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


# Sent on Monday 6 April 2026: five working days to appeal, until Monday 13 April.
SENT_AT = local(date(2026, 4, 6), 9)
IN_WINDOW = local(date(2026, 4, 10), 15)
AFTER_WINDOW = local(date(2026, 4, 14), 9)


def standard(contract: Contract, code: str) -> PerformanceStandard:
    return PerformanceStandard.objects.get(version__contract=contract, version__number=1, code=code)


def set_standard(contract: Contract, code: str, **fields: Any) -> PerformanceStandard:
    """Terms in force are locked against edits through the services; a test may set them."""
    found = standard(contract, code)
    PerformanceStandard.objects.filter(pk=found.pk).update(**fields)
    found.refresh_from_db()
    return found


def add_standard(
    contract: Contract,
    code: str,
    source: str,
    *,
    rule: str = PerformanceStandard.Rule.PER_OCCURRENCE,
    weight: Decimal = Decimal(10),
    points: Decimal = Decimal(1),
    cap: Decimal = Decimal(5),
    level: Decimal = Decimal(95),
) -> PerformanceStandard:
    """A further standard on the terms in force (made directly: they are locked)."""
    return PerformanceStandard.objects.create(
        version=contract.versions.get(number=1),
        code=code,
        name=f"Standard {code}",
        measurement="Counted by the assessment.",
        target="None",
        acceptable_quality_level=level,
        method=PerformanceStandard.Method.FULL_CHECK,
        source=source,
        rule=rule,
        weight=weight,
        points_per_occurrence=points,
        monthly_cap=cap,
    )


def seven_sources(contract: Contract) -> None:
    """CL-01 and CL-02 from inspections, plus one standard of each other source: seven lines."""
    Source = PerformanceStandard.Source
    for code, source in (
        ("RE-01", Source.RECTIFICATION),
        ("CO-01", Source.COMPLAINTS),
        ("SL-01", Source.SLA),
        ("PA-01", Source.PATROLS),
        ("IC-01", Source.INCIDENTS),
    ):
        add_standard(contract, code, source)


def make_inspection(
    contract: Contract,
    inspector: User,
    at: datetime,
    *,
    status: str = Inspection.Status.SUBMITTED,
    zone: Any = None,
) -> Inspection:
    submitted = status == Inspection.Status.SUBMITTED
    return Inspection.objects.create(
        contract=contract,
        zone=zone or contract.zones.order_by("pk")[0],
        inspector=inspector,
        window_start=at,
        window_end=at + timedelta(hours=2),
        status=status,
        started_at=at if submitted else None,
        finished_at=at + timedelta(minutes=40) if submitted else None,
        submitted_at=at + timedelta(minutes=45) if submitted else None,
    )


def inspect(
    contract: Contract, inspector: User, at: datetime, results: dict[str, str]
) -> Inspection:
    """A submitted inspection with one finding per standard code: pass, fail or not_inspected."""
    inspection = make_inspection(contract, inspector, at)
    for code, result in results.items():
        Finding.objects.create(
            inspection=inspection, standard=standard(contract, code), result=result
        )
    return inspection


def failed_findings(
    contract: Contract, inspector: User, counts: dict[str, int], month: date = MONTH
) -> None:
    """``counts[code]`` failed inspections of each standard in the month."""
    day = 2
    for code, count in counts.items():
        for _ in range(count):
            at = local(month.replace(day=day), 9)
            inspect(contract, inspector, at, {code: Finding.Result.FAIL})
            day += 1


def make_order(
    contract: Contract,
    inspector: User,
    deadline: datetime,
    *,
    rectified_at: datetime | None = None,
    status: str = RectificationOrder.Status.OPEN,
) -> RectificationOrder:
    """An order for a failed finding (made directly: the services stamp the real time)."""
    issued = deadline - timedelta(hours=24)
    inspection = inspect(contract, inspector, issued - timedelta(hours=1), {})
    finding = Finding.objects.create(
        inspection=inspection, standard=standard(contract, "CL-01"), result=Finding.Result.FAIL
    )
    return RectificationOrder.objects.create(
        finding=finding,
        standard=finding.standard,
        contract=contract,
        provider_id=contract.provider_id,
        issued_at=issued,
        deadline=deadline,
        status=status,
        rectified_at=rectified_at,
    )


def events() -> int:
    return AuditEvent.objects.count()


def rows(assessment: Assessment) -> dict[str, Any]:
    """Everything an assessment holds, to show a refusal changed nothing."""
    assessment = Assessment.objects.get(pk=assessment.pk)
    return {
        "assessment": {
            f.attname: getattr(assessment, f.attname) for f in Assessment._meta.concrete_fields
        },
        "lines": list(
            AssessmentLine.objects.filter(assessment=assessment)
            .order_by("pk")
            .values("pk", "points", "computed_points", "removed_reason", "records")
        ),
        "appeals": list(
            AssessmentLine.objects.filter(assessment=assessment, appeal__isnull=False)
            .order_by("pk")
            .values("appeal__pk", "appeal__status", "appeal__reason")
        ),
        "certificates": list(
            PaymentCertificate.objects.filter(assessment=assessment).values("pk", "status", "net")
        ),
    }


def computed(
    world: World,
    manager: User,
    *,
    failures: dict[str, int] | None = None,
    month: date = MONTH,
    contract: Contract | None = None,
) -> Assessment:
    """Contract A's March draft: CL-01 failed five times (10 points, its cap), CL-02 twice
    (4 points): score 86, paid in proportion to the score."""
    contract = contract or world.contract_a
    failed_findings(contract, manager, failures or {"CL-01": 5, "CL-02": 2}, month)
    return services.compute_assessment(
        contract=contract, month=month, by=manager, now=local(add_months(month, 1).replace(day=2))
    )


def sent(world: World, manager: User, **options: Any) -> Assessment:
    assessment = computed(world, manager, **options)
    return services.send_assessment(assessment=assessment, by=manager, now=SENT_AT)


def line(assessment: Assessment, code: str) -> AssessmentLine:
    return AssessmentLine.objects.select_related("standard").get(
        assessment=assessment, standard__code=code
    )
