"""The deterrence check: does each performance standard of a contract make cutting corners cost
more than it saves? The arithmetic is in ``deterrence``; here its inputs are read from the
database, each with where it comes from (docs/incentives.md states every assumption)."""

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpact.assessments import scoring
from parkpact.assessments.models import Assessment, AssessmentLine
from parkpact.contracts.models import (
    Contract,
    ContractVersion,
    PerformanceStandard,
    terms_on,
)
from parkpact.core.models import Role, User
from parkpact.core.services import record_event
from parkpact.inspections import sampling as plan_sampling
from parkpact.inspections.models import SurveillancePlan
from parkpact.inspections.services import (
    MAX_SAMPLE_SIZE,
    MAX_VISITS_PER_ZONE,
    days_in_term,
)
from parkpact.parks.models import Facility, Zone
from parkpact.patrols.models import PatrolSchedule
from parkpact.sensors.models import Device, SensorRule
from parkpact.servicerequests.models import ServiceRequest

from . import deterrence
from .models import MAX_CONSUMABLES, MAX_HOURS, MAX_WAGE, ContractFigures, CostBreakdown

Source = PerformanceStandard.Source

# Sources the system records in full: every scan, alert, order deadline, report deadline and
# incident response time is timed, so a skipped task there is always seen.
FULL_RECORD_SOURCES = frozenset({Source.RECTIFICATION, Source.SLA, Source.INCIDENTS})
PUBLIC_HISTORY_DAYS = 365
TYPICAL_MONTHS = 3

# ---- The cost breakdown ---------------------------------------------------------------------------

COST_FIELDS = (
    "staff_hours_per_zone_day",
    "wage_per_hour",
    "consumables_per_zone_day",
    "inspector_hours_per_visit",
    "inspector_wage_per_hour",
)


def _limits() -> dict[str, tuple[Decimal, str]]:
    return {
        "staff_hours_per_zone_day": (
            MAX_HOURS,
            _("A zone-day has 24 hours: give at most 24 staff hours."),
        ),
        "wage_per_hour": (MAX_WAGE, _("Give a wage of at most 1,000 CNY an hour.")),
        "consumables_per_zone_day": (
            MAX_CONSUMABLES,
            _("Give consumables of at most 10,000 CNY per zone-day."),
        ),
        "inspector_hours_per_visit": (
            MAX_HOURS,
            _("A visit cannot take more than 24 hours."),
        ),
        "inspector_wage_per_hour": (MAX_WAGE, _("Give a wage of at most 1,000 CNY an hour.")),
    }


M = TypeVar("M", bound=ContractFigures)


def check_figures(
    values: dict[str, Decimal | None],
    limits: dict[str, tuple[Decimal, str]],
    *,
    missing: ValidationError,
    positive: frozenset[str] = frozenset(),
) -> None:
    """Refuse, field by field, a figure that is missing, negative, zero where it must not be,
    or beyond its plausible limit."""
    errors: dict[str, ValidationError] = {}
    for name, (limit, too_much) in limits.items():
        value = values[name]
        if value is None or not Decimal(value).is_finite():
            errors[name] = missing
        elif value < 0:
            errors[name] = ValidationError(_("A cost cannot be negative."), code="cost_negative")
        elif value == 0 and name in positive:
            errors[name] = ValidationError(
                _("Give more than 0: the centre cannot do the work without staff or wages."),
                code="comparator_missing",
            )
        elif value > limit:
            errors[name] = ValidationError(too_much, code="cost_absurd")
    if errors:
        raise ValidationError(errors)


def save_for_contract(
    model: type[M],
    *,
    contract: Contract,
    by: User,
    values: dict[str, Any],
    action: str,
    summary: Callable[[M], dict[str, Any]] = lambda _row: {},
) -> M:
    """Create or change the contract's one row of ``model`` (a cost breakdown, a comparator)
    under a row lock, with a ledger event holding the figures before and after."""
    with transaction.atomic():
        row = model._default_manager.select_for_update().filter(contract=contract).first()
        before = {name: getattr(row, name) for name in values} if row else None
        if row is None:
            row = model(contract=contract)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by = by
        row.full_clean()
        row.save()
        record_event(
            actor=by,
            action=action,
            obj=row,
            before=before,
            after={"contract": contract.pk, **values, **summary(row)},
        )
    return row


def save_cost_breakdown(
    *,
    contract: Contract,
    by: User,
    staff_hours_per_zone_day: Decimal,
    wage_per_hour: Decimal,
    consumables_per_zone_day: Decimal,
    inspector_hours_per_visit: Decimal,
    inspector_wage_per_hour: Decimal,
) -> CostBreakdown:
    """Record what a zone-day of the contract's work and an inspection visit cost. Managers
    only; negative or absurd figures are refused field by field and nothing is saved."""
    if not by.has_role(Role.MANAGER, Role.ADMIN):
        raise PermissionDenied
    values: dict[str, Decimal | None] = {
        "staff_hours_per_zone_day": staff_hours_per_zone_day,
        "wage_per_hour": wage_per_hour,
        "consumables_per_zone_day": consumables_per_zone_day,
        "inspector_hours_per_visit": inspector_hours_per_visit,
        "inspector_wage_per_hour": inspector_wage_per_hour,
    }
    check_figures(
        values, _limits(), missing=ValidationError(_("Give a number."), code="cost_missing")
    )
    return save_for_contract(
        CostBreakdown, contract=contract, by=by, values=values, action="cost_breakdown.save"
    )


# ---- The table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One figure a row rests on, where it comes from, and whether it is a default or missing."""

    label: str
    value: Any
    source: str
    default: bool = False
    missing: bool = False


@dataclass
class Row:
    """One standard (in one zone, for sampled standards): detection by channel, the penalty in
    CNY, the saving, the verdict and the smallest fix — None wherever an input is missing."""

    standard: PerformanceStandard
    zone: Zone | None
    sampled: bool
    sampling: Decimal | None
    full_record: Decimal | None
    public: Decimal | None
    detection: Decimal
    penalty: Decimal | None
    expected: Decimal | None
    saving: Decimal | None
    ratio: Decimal | None
    verdict: str | None
    visits: Decimal  # expected visits to the zone in the month, as the plan is designed
    fix: deterrence.Fix | None
    full_check: bool = False
    inputs: list[Input] = field(default_factory=list)
    arithmetic: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [i.label for i in self.inputs if i.missing]

    @property
    def defaults(self) -> list[str]:
        return [i.label for i in self.inputs if i.default]


@dataclass
class Table:
    """The deterrence table of one contract in one month, and what sits beside it."""

    contract: Contract
    month: date
    days: int
    version: ContractVersion | None
    rows: list[Row]
    breakdown: CostBreakdown | None
    typical_score: Decimal
    typical_score_is_default: bool
    visits: int  # zone-visits planned in the month, over all standards
    monitoring_cost: Decimal | None
    changes: "Changes | None" = None
    designs: dict[str, "Design"] = field(default_factory=dict)


@dataclass(frozen=True)
class Changes:
    """A what-if: the terms and plans as they might be, per standard code. ``sample_sizes`` are
    the plan's zone-visits in the month (visits per zone for a 100 % check); ``points`` the
    points per occurrence; ``caps`` the monthly caps. What is not named stays as it is."""

    sample_sizes: dict[str, int] = field(default_factory=dict)
    points: dict[str, Decimal] = field(default_factory=dict)
    caps: dict[str, Decimal] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sample_sizes or self.points or self.caps)


@dataclass(frozen=True)
class Design:
    """A month's surveillance plan for one standard as designed: its size, the days visits may
    fall on, and per zone (id) the visits to the zone's kind and the zone's share of them."""

    sample_size: int  # zone-visits; visits per zone for a 100 % check
    full_check: bool
    days: int
    zones: tuple[tuple[int, str, Decimal], ...]  # (id, kind, area m²) in the plan's scope
    planned: bool  # a plan exists for the month (else: none, or only the what-if's)

    @property
    def zone_visits(self) -> int:
        """Zone-visits the plan makes in the month (what the monitoring cost counts)."""
        return self.sample_size * len(self.zones) if self.full_check else self.sample_size

    def resized(self, sample_size: int) -> "Design":
        return Design(sample_size, self.full_check, self.days, self.zones, self.planned)

    def coverage(self) -> dict[int, tuple[int, Decimal]]:
        """Zone id → (visits to its kind, its share of them): the plan's stratified draw
        (inspections.sampling.allocate by kind, then zones by area) in expectation."""
        if self.full_check:
            return {zone_id: (self.sample_size, deterrence.ONE) for zone_id, _k, _a in self.zones}
        weights = {zone_id: plan_sampling.area_weight(area) for zone_id, _k, area in self.zones}
        by_kind: dict[str, int] = defaultdict(int)
        for zone_id, kind, _area in self.zones:
            by_kind[kind] += weights[zone_id]
        if not by_kind:
            return {}
        allocation = plan_sampling.allocate(self.sample_size, by_kind)
        return {
            zone_id: (allocation[kind], Decimal(weights[zone_id]) / Decimal(by_kind[kind]))
            for zone_id, kind, _area in self.zones
        }


def month_bounds(month: date) -> tuple[date, int]:
    """The first day of the month and its number of days."""
    first = month.replace(day=1)
    return first, calendar.monthrange(first.year, first.month)[1]


def _paid_share(bands: list[scoring.Band]) -> Callable[[Decimal], Decimal]:
    def share(value: Decimal) -> Decimal:
        band = scoring.band_for(value, bands)
        return scoring.payment_factor(value, band) + band.bonus_rate

    return share


def deterrence_table(*, contract: Contract, month: date) -> list[Row]:
    """Every performance standard of the terms in force that month (per zone for sampled
    standards), with its detection, penalty, saving, verdict and smallest fix."""
    return build_table(contract=contract, month=month).rows


def _designs(
    contract: Contract, standards: list[PerformanceStandard], zones: list[Zone], first: date
) -> dict[str, Design]:
    """The month's plans as designed, per standard code: a committed plan from its frozen
    parameters, a draft one from the zones in scope today."""
    in_term = len(days_in_term(contract, first))
    by_code = {standard.code: standard for standard in standards}
    designs: dict[str, Design] = {}
    for plan in SurveillancePlan.objects.filter(contract=contract, month=first).select_related(
        "standard"
    ):
        standard = by_code.get(plan.standard.code)
        if standard is None:
            continue
        full = standard.method == PerformanceStandard.Method.FULL_CHECK
        if plan.parameters:
            scope = tuple(
                (int(z["id"]), str(z["kind"]), Decimal(str(z["area_m2"])))
                for z in plan.parameters["zones"]
            )
            days = len(plan.parameters["days"])
            size = int(plan.parameters.get("visits_per_zone") or 0) if full else plan.sample_size
        else:
            scope = tuple((z.pk, z.kind, z.area_m2) for z in zones if standard.applies_to(z.kind))
            days = in_term
            size = plan.sample_size // max(1, len(scope)) if full else plan.sample_size
        designs[standard.code] = Design(size, full, max(days, 1), scope, True)
    return designs


def _unplanned(standard: PerformanceStandard, zones: list[Zone], days: int) -> Design:
    scope = tuple((z.pk, z.kind, z.area_m2) for z in zones if standard.applies_to(z.kind))
    full = standard.method == PerformanceStandard.Method.FULL_CHECK
    return Design(0, full, max(days, 1), scope, False)


def build_table(*, contract: Contract, month: date, changes: Changes | None = None) -> Table:
    """The rows and what the page shows beside them; a bounded number of queries. With
    ``changes``, the table as it would be under them (nothing is saved)."""
    changes = changes or Changes()
    first, days = month_bounds(month)
    last = first + timedelta(days=days - 1)
    version = terms_on(contract, first) or terms_on(contract, last)
    breakdown = CostBreakdown.objects.filter(contract=contract).first()
    if version is None:
        return Table(contract, first, days, None, [], breakdown, scoring.HUNDRED, True, 0, None)

    standards = list(version.standards.order_by("code"))
    bands = [
        scoring.Band(
            min_score=b.min_score,
            max_score=b.max_score,
            payment_factor=b.payment_factor,
            proportional=b.proportional,
            bonus_rate=b.bonus_rate,
        )
        for b in version.pay_bands.all()
    ]
    zones = list(contract.zones.order_by("code"))
    total_area = sum((zone.area_m2 for zone in zones), Decimal(0))

    # Typical month: the last three approved assessments.
    approved = list(
        Assessment.objects.filter(
            contract=contract, status=Assessment.Status.APPROVED, month__lte=first
        )
        .order_by("-month")
        .values_list("pk", "score")[:TYPICAL_MONTHS]
    )
    if approved:
        typical_score = (sum((s for _pk, s in approved), Decimal(0)) / len(approved)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    else:
        typical_score = scoring.HUNDRED
    occurrences: dict[str, list[int]] = defaultdict(list)
    for code, count in AssessmentLine.objects.filter(
        assessment_id__in=[pk for pk, _s in approved]
    ).values_list("standard__code", "occurrences"):
        occurrences[code].append(count)

    # Sampling: the month's plans as designed (what the contractor can know of them).
    in_term = len(days_in_term(contract, first))
    designs = _designs(contract, standards, zones, first)
    for standard in standards:
        if standard.source != Source.INSPECTIONS:
            continue
        planned = designs.get(standard.code) or _unplanned(standard, zones, in_term)
        if standard.code in changes.sample_sizes:
            planned = planned.resized(changes.sample_sizes[standard.code])
        designs[standard.code] = planned
    total_visits = sum(planned.zone_visits for planned in designs.values())

    # 100 % sources.
    patrolled = PatrolSchedule.objects.filter(route__contract=contract, active=True).exists()
    rule_kinds: dict[str, set[str]] = defaultdict(set)
    for code, kind in SensorRule.objects.filter(is_active=True).values_list(
        "standard_code", "device_kind"
    ):
        rule_kinds[code].add(kind)
    service_kinds = {
        k for k, service in Device.SERVICE_OF.items() if service == contract.service_kind
    }
    # Facilities whose upkeep sensors can watch (bins, toilets), and which of them have one.
    facilities: dict[int, tuple[int, str]] = {
        pk: (zone_id, kind)
        for pk, zone_id, kind in Facility.objects.filter(
            zone__in=zones, kind__in=set(Device.WATCHES.values())
        ).values_list("pk", "zone_id", "kind")
    }
    watched: set[tuple[int, str]] = set(
        Device.objects.active()
        .filter(facility__in=list(facilities))
        .values_list("facility_id", "kind")
        .distinct()
    )

    # The public: reports of the contract's kind of problem in the last 12 months, per zone.
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    since = end - timedelta(days=PUBLIC_HISTORY_DAYS)
    reports = dict(
        ServiceRequest.objects.filter(
            zone__in=zones,
            service__kind=contract.service_kind,
            requested_at__gte=since,
            requested_at__lt=end,
        )
        .exclude(status__in=[ServiceRequest.Status.REJECTED, ServiceRequest.Status.DUPLICATE])
        .values_list("zone_id")
        .annotate(n=Count("pk"))
        .values_list("zone_id", "n")
    )

    fee = version.monthly_fee
    share: Callable[[Decimal], Decimal] | None = _paid_share(bands)
    try:
        for point in range(101):  # the bands must cover every score a deduction can reach
            _paid_share(bands)(Decimal(point))
    except scoring.NoBandError:
        share = None

    def saving_for(zone: Zone | None) -> tuple[Decimal | None, Input, str]:
        if breakdown is not None:
            value = breakdown.saving_per_zone_day()
            return (
                value,
                Input(_("Saving per zone-day"), value, _("the contract's cost breakdown")),
                _("%(hours)s h × %(wage)s CNY + %(consumables)s CNY = %(value)s CNY")
                % {
                    "hours": breakdown.staff_hours_per_zone_day,
                    "wage": breakdown.wage_per_hour,
                    "consumables": breakdown.consumables_per_zone_day,
                    "value": value,
                },
            )
        if not zones or total_area <= 0:
            return (
                None,
                Input(
                    _("Saving per zone-day"),
                    None,
                    _("no cost breakdown, no zone area"),
                    missing=True,
                ),
                _("Input missing"),
            )
        area = zone.area_m2 if zone is not None else total_area / len(zones)
        value = (fee * area / total_area / days).quantize(deterrence.FEN, rounding=ROUND_HALF_UP)
        return (
            value,
            Input(
                _("Saving per zone-day"),
                value,
                _("default: the zone's share of the fee by area"),
                default=True,
            ),
            _("%(fee)s CNY × %(area)s m² ÷ %(total)s m² ÷ %(days)s days = %(value)s CNY (default)")
            % {
                "fee": fee,
                "area": area.quantize(Decimal("0.1")),
                "total": total_area,
                "days": days,
                "value": value,
            },
        )

    rows: list[Row] = []
    for standard in standards:
        applicable = [zone for zone in zones if standard.applies_to(zone.kind)]
        sampled = standard.source == Source.INSPECTIONS
        row_zones: list[Zone | None] = list(applicable) if sampled else [None]
        points = changes.points.get(standard.code, standard.points_per_occurrence)
        cap = changes.caps.get(standard.code, standard.monthly_cap)
        limit = min(cap, standard.weight)
        design = designs.get(standard.code)
        coverage = design.coverage() if design is not None and sampled else {}
        typical = occurrences.get(standard.code, [])
        typical_occurrences = (
            int((Decimal(sum(typical)) / len(typical)).to_integral_value(rounding=ROUND_HALF_UP))
            if typical
            else 0
        )
        penalty: Decimal | None = None
        if share is not None:
            penalty = deterrence.penalty_for_one_more(
                fee=fee,
                paid_share=share,
                typical_score=typical_score,
                points=points,
                typical_occurrences=typical_occurrences,
                cap=cap,
                weight=standard.weight,
            )
        cap_reached = points > 0 and points * typical_occurrences >= limit
        for zone in row_zones:
            inputs: list[Input] = []
            arithmetic: dict[str, str] = {}
            channels: list[Decimal] = []
            sampling = full_record = public = None
            visits = Decimal(0)
            if sampled and zone is not None and design is not None:
                kind_visits, zone_share = coverage.get(zone.pk, (0, Decimal(0)))
                visits = deterrence.expected_visits(visits=kind_visits, share=zone_share)
                sampling = deterrence.sampling_detection(
                    visits=kind_visits, days=design.days, share=zone_share
                )
                inputs.append(
                    Input(
                        _("Sample visits"),
                        design.sample_size,
                        _("the month's surveillance plan")
                        if design.planned
                        else _("no surveillance plan this month"),
                        default=not design.planned,
                    )
                )
                arithmetic["sampling"] = (
                    _(
                        "%(visits)s visits to each zone on %(days)s days: "
                        "1 − (1 − 1 ÷ %(days)s)^%(visits)s = %(p)s"
                    )
                    % {"visits": kind_visits, "days": design.days, "p": sampling}
                    if design.full_check
                    else _(
                        "%(kind_visits)s of the plan's %(size)s visits go to %(kind)s zones; "
                        "this zone has %(share)s of their area, so %(visits)s expected visits: "
                        "1 − (1 − %(share)s ÷ %(days)s)^%(kind_visits)s = %(p)s"
                    )
                    % {
                        "kind_visits": kind_visits,
                        "size": design.sample_size,
                        "kind": zone.get_kind_display(),
                        "share": zone_share.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
                        "visits": visits,
                        "days": design.days,
                        "p": sampling,
                    }
                )
            else:
                if standard.source == Source.PATROLS:
                    full_record = deterrence.ONE if patrolled else deterrence.ZERO
                    inputs.append(
                        Input(
                            _("Patrol rounds"),
                            patrolled,
                            _("active patrol schedules of the contract"),
                        )
                    )
                    arithmetic["full_record"] = (
                        _("Every round's scans are checked: 1")
                        if patrolled
                        else _("No active patrol schedule: 0")
                    )
                elif standard.source == Source.SENSORS:
                    kinds = rule_kinds.get(standard.code) or service_kinds
                    facility_kinds = {Device.WATCHES[k] for k in kinds if k in Device.WATCHES}
                    in_scope = {zone.pk for zone in applicable}
                    watchable = [
                        pk
                        for pk, (zone_id, kind) in facilities.items()
                        if zone_id in in_scope and kind in facility_kinds
                    ]
                    covered = [
                        pk
                        for pk in watchable
                        if any((pk, k) in watched for k in kinds if Device.WATCHES.get(k))
                    ]
                    all_watched = bool(watchable) and len(covered) == len(watchable)
                    full_record = deterrence.ONE if all_watched else deterrence.ZERO
                    inputs.append(
                        Input(
                            _("Facilities with a sensor"),
                            f"{len(covered)}/{len(watchable)}",
                            _("sensor devices on the bins and toilets in scope"),
                        )
                    )
                    arithmetic["full_record"] = _(
                        "%(covered)s of the %(facilities)s bins or toilets in scope have a sensor "
                        "of the right kind; a contractor skips where none watches: %(p)s"
                    ) % {"covered": len(covered), "facilities": len(watchable), "p": full_record}
                elif standard.source in FULL_RECORD_SOURCES:
                    full_record = deterrence.ONE
                    arithmetic["full_record"] = _("Every case is timed by ParkPact: 1")
            if full_record is not None:
                channels.append(full_record)
            if sampling is not None:
                channels.append(sampling)
            # The public.
            public_zones = [zone] if zone is not None else applicable
            if public_zones:
                count = sum(reports.get(z.pk, 0) for z in public_zones)
                zone_days = PUBLIC_HISTORY_DAYS * len(public_zones)
                public = deterrence.public_detection(reports=count, zone_days=zone_days)
                channels.append(public)
                inputs.append(
                    Input(
                        _("Public reports in 12 months"),
                        count,
                        _("service requests of this kind in the zone"),
                    )
                )
                arithmetic["public"] = _("1 − e^(−%(reports)s ÷ %(zone_days)s) = %(p)s") % {
                    "reports": count,
                    "zone_days": zone_days,
                    "p": public,
                }
            detection = deterrence.combined_detection(channels)
            arithmetic["detection"] = _("1 − Π(1 − p) over the channels = %(p)s") % {"p": detection}

            inputs.append(
                Input(
                    _("Typical score"),
                    typical_score,
                    _("mean of the last approved assessments")
                    if approved
                    else _("no approved assessment: 100 assumed"),
                    default=not approved,
                )
            )
            inputs.append(Input(_("Monthly fee"), fee, _("the terms in force")))
            if penalty is None:
                inputs.append(
                    Input(
                        _("Pay bands"),
                        None,
                        _("the pay bands leave the score uncovered"),
                        missing=True,
                    )
                )
                arithmetic["penalty"] = _("Input missing")
            else:
                arithmetic["penalty"] = _(
                    "%(fee)s CNY × (share(%(score)s) − share(%(score)s − %(points)s points)), "
                    "%(occurrences)s typical occurrences, cap %(cap)s = %(penalty)s CNY"
                ) % {
                    "fee": fee,
                    "score": typical_score,
                    "points": points,
                    "occurrences": typical_occurrences,
                    "cap": limit,
                    "penalty": penalty,
                }
            saving, saving_input, saving_arithmetic = saving_for(zone)
            inputs.append(saving_input)
            arithmetic["saving"] = saving_arithmetic

            expected = ratio = None
            verdict = None
            fix = None
            if penalty is not None:
                expected = deterrence.expected_penalty(detection=detection, penalty=penalty)
                arithmetic["expected"] = _("%(p)s × %(penalty)s CNY = %(expected)s CNY") % {
                    "p": detection,
                    "penalty": penalty,
                    "expected": expected,
                }
            if expected is not None and saving is not None:
                verdict = deterrence.verdict(expected=expected, saving=saving)
                if saving > 0:
                    ratio = (expected / saving).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
                    arithmetic["ratio"] = _("%(expected)s ÷ %(saving)s = %(ratio)s") % {
                        "expected": expected,
                        "saving": saving,
                        "ratio": ratio,
                    }
                if verdict != deterrence.DETERRED:
                    assert penalty is not None
                    fix = _fix(
                        design=design if sampled and zone is not None else None,
                        zone=zone,
                        penalty=penalty,
                        saving=saving,
                        detection=detection,
                        other=[c for c in (full_record, public) if c is not None],
                        points=points,
                        weight=standard.weight,
                        typical_occurrences=typical_occurrences,
                        cap_reached=cap_reached and penalty == 0,
                    )
            rows.append(
                Row(
                    standard=standard,
                    zone=zone,
                    sampled=sampled,
                    sampling=sampling,
                    full_record=full_record,
                    public=public,
                    detection=detection,
                    penalty=penalty,
                    expected=expected,
                    saving=saving,
                    ratio=ratio,
                    verdict=verdict,
                    visits=visits,
                    fix=fix,
                    full_check=design.full_check if design is not None else False,
                    inputs=inputs,
                    arithmetic=arithmetic,
                )
            )

    monitoring = breakdown.cost_per_visit() * total_visits if breakdown is not None else None
    return Table(
        contract=contract,
        month=first,
        days=days,
        version=version,
        rows=rows,
        breakdown=breakdown,
        typical_score=typical_score,
        typical_score_is_default=not approved,
        visits=total_visits,
        monitoring_cost=monitoring,
        changes=changes or None,
        designs=designs,
    )


def _fix(
    *,
    design: Design | None,
    zone: Zone | None,
    penalty: Decimal,
    saving: Decimal,
    detection: Decimal,
    other: list[Decimal],
    points: Decimal,
    weight: Decimal,
    typical_occurrences: int,
    cap_reached: bool,
) -> deterrence.Fix:
    """The smallest change that deters, each lever alone: a larger plan (sampled standards),
    more points per occurrence, or a cap that leaves room for one more occurrence."""
    sample_size = None
    if design is not None and zone is not None:
        most = MAX_VISITS_PER_ZONE if design.full_check else MAX_SAMPLE_SIZE

        def detection_with(size: int) -> Decimal:
            visits, share = design.resized(size).coverage().get(zone.pk, (0, Decimal(0)))
            found = deterrence.sampling_detection(visits=visits, days=design.days, share=share)
            return deterrence.combined_detection([found, *other])

        sample_size = deterrence.smallest_deterring(
            range(design.sample_size + 1, most + 1), detection_with, penalty=penalty, saving=saving
        )
    fee_per_point = penalty / points if points > 0 and penalty > 0 else Decimal(0)
    needed = deterrence.points_needed(
        detection=detection, saving=saving, fee_per_point=fee_per_point
    )
    cap = (
        deterrence.cap_needed(points=points, typical_occurrences=typical_occurrences, weight=weight)
        if cap_reached
        else None
    )
    return deterrence.Fix(
        sample_size=sample_size,
        points=needed,
        cap=cap,
        cap_reached=cap_reached,
        flat_band=penalty == 0 and not cap_reached,
    )


def parse_month(value: str | None) -> date:
    """``YYYY-MM`` from the query string; this month when absent or malformed."""
    if value:
        try:
            year, month = (int(part) for part in value.split("-", 1))
            return date(year, month, 1)
        except ValueError:
            pass
    return timezone.localdate().replace(day=1)
