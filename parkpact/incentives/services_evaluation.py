"""The yearly outsourcing evaluation of a park (docs/incentives.md): for each contract serving
it that year, cost, quality, complaints, incidents, monitoring, the in-house comparator and the
deterrence findings — the one context the page, the PDF and the XLSX are built from."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpact.assessments import scoring
from parkpact.assessments.models import Grade
from parkpact.contracts.models import Contract, terms_on
from parkpact.parks.models import Park
from parkpact.patrols.models import Incident
from parkpact.servicerequests.models import ServiceRequest

from . import deterrence, services, value
from .models import (
    InHouseComparator,
)
from .services_value import HOUR, MINUTE, Shown, ValueRow, shown_totals, start_of, value_rows


def _hours(delta: timedelta, unit: Decimal = HOUR) -> Decimal:
    return (Decimal(delta.total_seconds()) / unit).quantize(value.TENTH)


def _tenth(amount: Decimal | None) -> Decimal | None:
    return amount.quantize(value.TENTH) if amount is not None else None


@dataclass
class Complaints:
    """Reports from the public in the park's zones routed to the contract in the year
    (rejected and duplicate reports left out), and how long their resolution took."""

    count: int
    validated_at_fault: int
    resolved: int
    median_hours: Decimal | None
    p90_hours: Decimal | None


@dataclass
class Incidents:
    """Security incidents of the contract in the park in the year, and the guards' response."""

    count: int
    serious: int
    responded: int
    within_target: int
    median_minutes: Decimal | None
    p90_minutes: Decimal | None


@dataclass
class Finding:
    """A not-deterred row of the deterrence check, with its smallest fix in words."""

    standard: str
    zone: str
    detection: Decimal
    expected: Decimal | None
    saving: Decimal | None
    fix: str


@dataclass
class Deterrence:
    """The deterrence check of the last month of the year with terms."""

    month: date | None
    counts: dict[str, int]
    missing: int
    not_deterred: list[Finding]


@dataclass
class ContractEvaluation:
    contract: Contract
    months: list[ValueRow]
    totals: dict[str, Shown]
    approved_months: int
    rating: str
    rating_label: str
    grades: list[tuple[str, int]]
    complaints: Complaints
    incidents: Incidents
    comparator: InHouseComparator | None
    deterrence: Deterrence


@dataclass
class Evaluation:
    park: Park
    year: int
    contracts: list[ContractEvaluation]


def contracts_serving(park: Park, year: int) -> list[Contract]:
    """The contracts with zones in the park whose term overlaps the year (drafts left out)."""
    return list(
        Contract.objects.filter(
            zones__park=park,
            start_date__lte=date(year, 12, 31),
            end_date__gte=date(year, 1, 1),
        )
        .exclude(status=Contract.Status.DRAFT)
        .select_related("provider")
        .distinct()
        .order_by("number")
    )


def _complaints(
    contracts: Sequence[Contract], park: Park, start: datetime, end: datetime
) -> dict[int, Complaints]:
    found: dict[int, list[tuple[bool, datetime, datetime | None, bool]]] = defaultdict(list)
    for contract_id, at_fault, validated_at, requested_at, resolved_at in (
        ServiceRequest.objects.filter(
            contract__in=contracts,
            zone__park=park,
            requested_at__gte=start,
            requested_at__lt=end,
        )
        .exclude(status__in=[ServiceRequest.Status.REJECTED, ServiceRequest.Status.DUPLICATE])
        .values_list(
            "contract_id", "contractor_at_fault", "validated_at", "requested_at", "resolved_at"
        )
    ):
        found[contract_id].append((at_fault, requested_at, resolved_at, validated_at is not None))
    result: dict[int, Complaints] = {}
    for contract in contracts:
        requests = found.get(contract.pk, [])
        hours = [
            _hours(resolved - requested)
            for _fault, requested, resolved, _valid in requests
            if resolved is not None
        ]
        result[contract.pk] = Complaints(
            count=len(requests),
            validated_at_fault=sum(1 for fault, _r, _s, valid in requests if fault and valid),
            resolved=len(hours),
            median_hours=_tenth(value.median(hours)),
            p90_hours=_tenth(value.percentile(hours, 90)),
        )
    return result


def _incidents(
    contracts: Sequence[Contract], park: Park, start: datetime, end: datetime
) -> dict[int, Incidents]:
    found: dict[int, list[tuple[str, datetime, datetime | None, int]]] = defaultdict(list)
    for contract_id, severity, reported_at, on_scene_at, target in (
        Incident.objects.filter(contract__in=contracts, reported_at__gte=start, reported_at__lt=end)
        .filter(Q(zone__park=park) | Q(zone__isnull=True))
        .values_list("contract_id", "severity", "reported_at", "on_scene_at", "target_minutes")
    ):
        found[contract_id].append((severity, reported_at, on_scene_at, target))
    result: dict[int, Incidents] = {}
    for contract in contracts:
        incidents = found.get(contract.pk, [])
        minutes = [
            (_hours(on_scene - reported, MINUTE), target)
            for _severity, reported, on_scene, target in incidents
            if on_scene is not None
        ]
        result[contract.pk] = Incidents(
            count=len(incidents),
            serious=sum(1 for s, *_rest in incidents if s in Incident.SERIOUS_SEVERITIES),
            responded=len(minutes),
            within_target=sum(1 for taken, target in minutes if taken <= target),
            median_minutes=_tenth(value.median([taken for taken, _t in minutes])),
            p90_minutes=_tenth(value.percentile([taken for taken, _t in minutes], 90)),
        )
    return result


def fix_text(fix: deterrence.Fix | None, *, full_check: bool = False) -> str:
    """The smallest change that deters, in words, as the deterrence check proposes it."""
    if fix is None:
        return ""
    if fix.cap_reached:
        if fix.cap is not None:
            return _("A monthly cap of %(cap)s points") % {"cap": fix.cap}
        return _("Cap reached: raise the monthly cap")
    proposals = []
    if fix.sample_size is not None:
        proposals.append(
            _("%(visits)s visits to each zone") % {"visits": fix.sample_size}
            if full_check
            else _("a plan of %(visits)s zone-visits in the month") % {"visits": fix.sample_size}
        )
    if fix.points is not None:
        proposals.append(_("%(points)s points per occurrence") % {"points": fix.points})
    if not proposals and fix.flat_band:
        return _("Flat pay band: a point less pays the same; make the band proportional")
    if not proposals:
        return _("No single lever reaches it: review the pay bands")
    return _(" or ").join(proposals)


def deterrence_month(contract: Contract, year: int, today: date | None = None) -> date | None:
    """December of the year, or the last month of the year in the contract's term and not in
    the future."""
    today = today or timezone.localdate()
    last = min(date(year, 12, 31), contract.end_date, today)
    if last < max(date(year, 1, 1), contract.start_date):
        return None
    return last.replace(day=1)


def _deterrence(contract: Contract, year: int, today: date | None) -> Deterrence:
    verdicts = (deterrence.DETERRED, deterrence.WEAKLY_DETERRED, deterrence.NOT_DETERRED)
    month = deterrence_month(contract, year, today)
    if month is None or terms_on(contract, month) is None:
        return Deterrence(None, dict.fromkeys(verdicts, 0), 0, [])
    table = services.build_table(contract=contract, month=month)
    return Deterrence(
        month=table.month,
        counts={v: sum(1 for row in table.rows if row.verdict == v) for v in verdicts},
        missing=sum(1 for row in table.rows if row.verdict is None),
        not_deterred=[
            Finding(
                standard=row.standard.code,
                zone=row.zone.code if row.zone else _("all zones"),
                detection=row.detection,
                expected=row.expected,
                saving=row.saving,
                fix=fix_text(row.fix, full_check=row.full_check),
            )
            for row in table.rows
            if row.verdict == deterrence.NOT_DETERRED
        ],
    )


def park_evaluation(*, park: Park, year: int, today: date | None = None) -> Evaluation:
    """The year's outsourcing evaluation of every contract serving the park: what it cost,
    how well it was done, what the public and the incidents say, against doing it in-house,
    and whether its terms deter shirking."""
    contracts = contracts_serving(park, year)
    if not contracts:
        return Evaluation(park, year, [])
    first, last = date(year, 1, 1), date(year, 12, 1)
    rows = value_rows(contracts, first, last)
    start, end = start_of(first), start_of(date(year + 1, 1, 1))
    complaints = _complaints(contracts, park, start, end)
    incidents = _incidents(contracts, park, start, end)
    comparators = {
        comparator.contract_id: comparator
        for comparator in InHouseComparator.objects.filter(contract__in=contracts)
    }
    grades = dict(Grade.choices)
    evaluations: list[ContractEvaluation] = []
    for contract in contracts:
        in_term = [
            (result, row)
            for result, row in rows[contract.pk]
            if contract.start_date.replace(day=1) <= row.month <= contract.end_date
        ]
        results = [result for result, _row in in_term]
        added, totals = shown_totals(results)
        rating = ""
        if added.mean_score.value is not None:
            version = (
                terms_on(contract, date(year, 12, 31))
                or contract.versions.order_by("-number").first()
            )
            if version is not None:
                rating = scoring.rating(added.mean_score.value, version.rating_thresholds)
        counted: dict[str, int] = defaultdict(int)
        for result in results:
            if result.approved:
                counted[result.grade] += 1
        evaluations.append(
            ContractEvaluation(
                contract=contract,
                months=[row for _result, row in in_term],
                totals=totals,
                approved_months=added.months,
                rating=rating,
                rating_label=str(grades.get(rating, "")),
                grades=[(str(label), counted[key]) for key, label in Grade.choices],
                complaints=complaints[contract.pk],
                incidents=incidents[contract.pk],
                comparator=comparators.get(contract.pk),
                deterrence=_deterrence(contract, year, today),
            )
        )
    return Evaluation(park, year, evaluations)
