"""Business actions of supervision: surveillance plans (draft, commit, reveal), inspectors'
conflicts of interest, and the verification of a revealed plan's sample.

A plan is drafted for a contract, a performance standard and a month. Committing it, before
the month begins, freezes everything the draw depends on, publishes the SHA-256 of a fresh
secret seed and schedules the drawn inspections. After the month the seed is revealed (by the
worker's sweep, or a manager) and anyone can re-draw the sample: see inspections.sampling and
docs/sampling.md.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkpact.contracts.models import Contract, ContractVersion, PerformanceStandard, terms_on
from parkpact.core.models import AuditEvent, Role, User
from parkpact.core.services import record_event, snapshot
from parkpact.parks.models import Zone
from parkpact.providers.models import Provider

from . import sampling
from .models import Inspection, InspectorConflict, SurveillancePlan

# The standards whose surveillance is by inspection, and so by plan.
PLANNED_METHODS = frozenset(
    {
        PerformanceStandard.Method.RANDOM_SAMPLE,
        PerformanceStandard.Method.FULL_CHECK,
        PerformanceStandard.Method.PERIODIC,
    }
)
MAX_SAMPLE_SIZE = 1000
MAX_VISITS_PER_ZONE = 31
# How long one drawn visit lasts: its window opens at a drawn minute inside a daily window.
VISIT_MINUTES = sampling.DEFAULT_VISIT_MINUTES
PLAN_FIELDS = [
    "contract",
    "standard",
    "month",
    "sample_size",
    "windows",
    "status",
    "seed_hash",
    "parameters_hash",
]


# ---- Months ----------------------------------------------------------------------------------


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_begins_at(month: date) -> datetime:
    """Local midnight (Asia/Shanghai) on the first of the month, as an aware datetime."""
    return timezone.make_aware(datetime.combine(first_of_month(month), time()))


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


# ---- What a plan may cover --------------------------------------------------------------------


def terms_for_month(contract: Contract, month: date) -> ContractVersion | None:
    """The terms a month's plans follow: those in force on the first day the contract runs
    in that month (an amendment taking effect later in the month applies from next month's)."""
    return terms_on(contract, max(first_of_month(month), contract.start_date))


def plannable_standards(contract: Contract, month: date) -> list[PerformanceStandard]:
    """The standards of that month's terms that are checked by inspection."""
    terms = terms_for_month(contract, month)
    if terms is None:
        return []
    return [s for s in terms.standards.order_by("code") if s.method in PLANNED_METHODS]


def zones_in_scope(contract: Contract, standard: PerformanceStandard) -> list[Zone]:
    """The contract's zones of a kind the standard is checked in."""
    zones = contract.zones.select_related("park").order_by("park__code", "code")
    return [zone for zone in zones if standard.applies_to(zone.kind)]


def zone_label(zone: Zone) -> str:
    """A zone's name in a plan's parameters: park and zone code, unique across parks."""
    return f"{zone.park.code}/{zone.code}"


def days_in_term(contract: Contract, month: date) -> list[int]:
    """The days of the month on which the contract runs, and so on which visits may fall."""
    last = calendar.monthrange(month.year, month.month)[1]
    return [
        day for day in range(1, last + 1) if contract.is_in_term(date(month.year, month.month, day))
    ]


def eligible_inspectors(provider: Provider) -> list[User]:
    """Active inspectors, minus those who declared a conflict of interest with the provider."""
    return list(
        User.objects.filter(role=Role.INSPECTOR, is_active=True)
        .exclude(conflicts__provider=provider)
        .order_by("username")
    )


def _check_scope(
    *, contract: Contract, standard: PerformanceStandard, month: date, now: datetime
) -> list[Zone]:
    """Refuse a plan the month, contract or standard do not allow; return the zones in scope."""
    label = month_label(month)
    if now >= month_begins_at(month):
        raise ValidationError(
            {
                "month": _(
                    "%(month)s has already begun: plans are made and committed before their "
                    "month, so that nobody can know the visits in advance."
                )
                % {"month": label}
            },
            code="month_begun",
        )
    if contract.status != Contract.Status.ACTIVE:
        raise ValidationError(
            _("Only an active contract is supervised; this one is %(status)s.")
            % {"status": contract.get_status_display()},
            code="contract_not_active",
        )
    last_day = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    if contract.start_date > last_day or contract.end_date < month:
        raise ValidationError(
            {
                "month": _("%(month)s is outside the contract's term, %(start)s to %(end)s.")
                % {"month": label, "start": contract.start_date, "end": contract.end_date}
            },
            code="outside_term",
        )
    if standard.method not in PLANNED_METHODS:
        raise ValidationError(
            {
                "standard": _(
                    "Standard %(code)s is checked by “%(method)s”, not by inspection: it needs "
                    "no surveillance plan."
                )
                % {"code": standard.code, "method": standard.get_method_display()}
            },
            code="not_inspected",
        )
    terms = terms_for_month(contract, month)
    if terms is None or standard.version_id != terms.pk:
        raise ValidationError(
            {
                "standard": _(
                    "Standard %(code)s is not part of this contract's terms in force in %(month)s."
                )
                % {"code": standard.code, "month": label}
            },
            code="standard_not_in_terms",
        )
    zones = zones_in_scope(contract, standard)
    if not zones:
        raise ValidationError(
            {
                "standard": _(
                    "None of this contract's zones is of a kind that standard %(code)s is "
                    "checked in."
                )
                % {"code": standard.code}
            },
            code="no_zones",
        )
    return zones


def clean_windows(windows: Sequence[Sequence[str]]) -> list[list[str]]:
    """Daily time windows as sorted [start, end] pairs; a clear message for a bad one."""
    try:
        checked = sampling.check_windows(windows)
    except sampling.SampleError as error:
        if error.code == "no_windows":
            message = _("Give at least one daily time window, e.g. 07:00-09:00.")
        elif error.code == "window_repeated":
            message = _("Each time window may be given only once.")
        else:
            message = _(
                "Write each time window as HH:MM-HH:MM, opening before it closes and within "
                "one day, e.g. 07:00-09:00."
            )
        raise ValidationError({"windows": message}, code=f"windows_{error.code}") from error
    return [[start, end] for start, end in checked]


def _check_size(
    *, standard: PerformanceStandard, sample_size: int, visits_per_zone: int, zones: list[Zone]
) -> int:
    """The plan's number of zone-visits; a 100 % check visits every zone in scope equally."""
    if standard.method == PerformanceStandard.Method.FULL_CHECK:
        if not 1 <= visits_per_zone <= MAX_VISITS_PER_ZONE:
            raise ValidationError(
                {
                    "visits_per_zone": _(
                        "A 100 %% check visits each zone from 1 to %(max)s times a month."
                    )
                    % {"max": MAX_VISITS_PER_ZONE}
                },
                code="bad_visits_per_zone",
            )
        return len(zones) * visits_per_zone
    if not 1 <= sample_size <= MAX_SAMPLE_SIZE:
        raise ValidationError(
            {
                "sample_size": _("Plan from 1 to %(max)s zone-visits a month.")
                % {"max": MAX_SAMPLE_SIZE}
            },
            code="bad_sample_size",
        )
    return sample_size


def _locked_plan(plan: SurveillancePlan) -> SurveillancePlan:
    return (
        SurveillancePlan.objects.select_for_update(of=("self",))
        .select_related("contract__provider", "standard")
        .get(pk=plan.pk)
    )


# ---- Drafting, committing, revealing ----------------------------------------------------------


def create_plan(
    *,
    contract: Contract,
    standard: PerformanceStandard,
    month: date,
    sample_size: int,
    windows: Sequence[Sequence[str]],
    by: User,
    visits_per_zone: int = 1,
    now: datetime | None = None,
) -> SurveillancePlan:
    """Draft a month's plan for one standard of a contract, to be committed before the month.

    ``sample_size`` is the number of zone-visits; for a 100 % check it is ignored and the plan
    visits every zone in scope ``visits_per_zone`` times. ``now`` is for the demo and tests.
    """
    month = first_of_month(month)
    clean = clean_windows(windows)
    with transaction.atomic():
        contract = (
            Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
        )
        zones = _check_scope(contract=contract, standard=standard, month=month, now=_now(now))
        size = _check_size(
            standard=standard,
            sample_size=sample_size,
            visits_per_zone=visits_per_zone,
            zones=zones,
        )
        if SurveillancePlan.objects.filter(
            contract=contract, standard=standard, month=month
        ).exists():
            raise ValidationError(
                {
                    "standard": _("There is already a plan for standard %(code)s in %(month)s.")
                    % {"code": standard.code, "month": month_label(month)}
                },
                code="plan_exists",
            )
        plan = SurveillancePlan.objects.create(
            contract=contract, standard=standard, month=month, sample_size=size, windows=clean
        )
        record_event(
            actor=by,
            action="surveillance_plan.create",
            obj=plan,
            after=snapshot(plan, PLAN_FIELDS),
        )
    return plan


def discard_plan(*, plan: SurveillancePlan, by: User) -> None:
    """Delete a draft plan; a committed plan is part of the record and stays."""
    with transaction.atomic():
        plan = _locked_plan(plan)
        if plan.status != SurveillancePlan.Status.DRAFT:
            raise ValidationError(
                _("Only a draft plan can be discarded; this one is %(status)s.")
                % {"status": plan.get_status_display()},
                code="bad_transition",
            )
        record_event(
            actor=by,
            action="surveillance_plan.discard",
            obj=plan,
            before=snapshot(plan, PLAN_FIELDS),
        )
        plan.delete()


def plan_parameters(
    *,
    plan: SurveillancePlan,
    zones: list[Zone],
    inspectors: list[User],
    visits_per_zone: int | None,
) -> dict[str, Any]:
    """Everything the draw depends on, as plain JSON values: what parameters_hash covers."""
    contract = plan.contract
    return {
        "algorithm": sampling.ALGORITHM,
        "contract": contract.number,
        "standard": plan.standard.code,
        "method": plan.standard.method,
        "month": month_label(plan.month),
        "timezone": timezone.get_default_timezone_name(),
        "sample_size": plan.sample_size,
        "visits_per_zone": visits_per_zone,
        "zones": [
            {"id": z.pk, "code": zone_label(z), "kind": z.kind, "area_m2": str(z.area_m2)}
            for z in sorted(zones, key=zone_label)
        ],
        "sensitive_kinds": sorted(sampling.SENSITIVE_KINDS),
        "windows": [list(window) for window in plan.windows],
        "visit_minutes": VISIT_MINUTES,
        "days": days_in_term(contract, plan.month),
        "inspectors": [{"id": i.pk, "username": i.username} for i in inspectors],
    }


def _aware(month: date, day: int, hhmm: str) -> datetime:
    hours, minutes = divmod(sampling.minutes(hhmm), 60)
    return timezone.make_aware(datetime(month.year, month.month, day, hours, minutes))


def commit_plan(
    *, plan: SurveillancePlan, by: User, now: datetime | None = None
) -> SurveillancePlan:
    """Freeze the plan, publish the SHA-256 of a new secret seed and schedule the drawn visits.

    Refused once the month has begun. The audit event carries the two hashes, never the seed.
    ``now`` is for the demo and tests.
    """
    moment = _now(now)
    with transaction.atomic():
        plan = _locked_plan(plan)
        if plan.status != SurveillancePlan.Status.DRAFT:
            raise ValidationError(
                _("This plan is already %(status)s: a committed plan cannot change.")
                % {"status": plan.get_status_display()},
                code="bad_transition",
            )
        contract = (
            Contract.objects.select_for_update().select_related("provider").get(pk=plan.contract_id)
        )
        plan.contract = contract
        zones = _check_scope(
            contract=contract, standard=plan.standard, month=plan.month, now=moment
        )
        plan.windows = clean_windows(plan.windows)
        visits_per_zone = None
        if plan.standard.method == PerformanceStandard.Method.FULL_CHECK:
            visits_per_zone, left = divmod(plan.sample_size, len(zones))
            if left or not visits_per_zone:
                raise ValidationError(
                    _(
                        "The zones in this standard's scope changed since the plan was drafted: "
                        "discard it and draft it again."
                    ),
                    code="scope_changed",
                )
        inspectors = eligible_inspectors(contract.provider)
        if not inspectors:
            raise ValidationError(
                _(
                    "No inspector may be drawn: there is no active inspector without a declared "
                    "conflict with %(provider)s."
                )
                % {"provider": contract.provider},
                code="no_inspectors",
            )
        parameters = plan_parameters(
            plan=plan, zones=zones, inspectors=inspectors, visits_per_zone=visits_per_zone
        )
        seed = sampling.new_seed()
        visits = sampling.draw_from_parameters(seed, parameters)
        zone_ids = {z["code"]: z["id"] for z in parameters["zones"]}
        inspector_ids = {i["username"]: i["id"] for i in parameters["inspectors"]}
        Inspection.objects.bulk_create(
            Inspection(
                plan=plan,
                visit_index=visit.index,
                contract=contract,
                zone_id=zone_ids[visit.zone_code],
                inspector_id=inspector_ids[visit.inspector],
                window_start=_aware(plan.month, visit.day, visit.window_start),
                window_end=_aware(plan.month, visit.day, visit.window_end),
                status=Inspection.Status.SCHEDULED,
            )
            for visit in visits
        )
        before = snapshot(plan, PLAN_FIELDS)
        plan.status = SurveillancePlan.Status.COMMITTED
        plan.seed = seed
        plan.seed_hash = sampling.seed_commitment(seed)
        plan.parameters = parameters
        plan.parameters_hash = sampling.parameters_hash(parameters)
        plan.committed_by = by
        plan.committed_at = moment
        plan.save()
        record_event(
            actor=by,
            action="surveillance_plan.commit",
            obj=plan,
            before=before,
            after={
                **snapshot(plan, PLAN_FIELDS),
                "visits": len(visits),
                "inspectors": len(inspectors),
            },
        )
    return plan


def reveal_plan(
    *, plan: SurveillancePlan, by: User | None, now: datetime | None = None
) -> SurveillancePlan:
    """Publish a committed plan's seed, once its month has ended; ``by=None`` is the worker."""
    moment = _now(now)
    with transaction.atomic():
        plan = _locked_plan(plan)
        if plan.status != SurveillancePlan.Status.COMMITTED:
            raise ValidationError(
                _("Only a committed plan can be revealed; this one is %(status)s.")
                % {"status": plan.get_status_display()},
                code="bad_transition",
            )
        ends_at = month_begins_at(next_month(plan.month))
        if moment < ends_at:
            raise ValidationError(
                _(
                    "The seed is revealed only after the month has ended: from %(date)s. "
                    "Revealing it earlier would show which visits are still to come."
                )
                % {"date": f"{next_month(plan.month):%Y-%m-%d}"},
                code="month_not_over",
            )
        before = snapshot(plan, ["status"])
        plan.status = SurveillancePlan.Status.REVEALED
        plan.revealed_at = moment
        plan.save(update_fields=["status", "revealed_at"])
        record_event(
            actor=by,
            action="surveillance_plan.reveal",
            obj=plan,
            before=before,
            after={
                "status": plan.status,
                "seed": plan.seed,
                "seed_hash": plan.seed_hash,
                "parameters_hash": plan.parameters_hash,
            },
        )
    return plan


def reveal_due_plans(*, now: datetime | None = None) -> list[SurveillancePlan]:
    """Reveal every committed plan whose month has ended (the worker's sweep), one by one."""
    moment = _now(now)
    this_month = first_of_month(timezone.localtime(moment).date())
    due = SurveillancePlan.objects.filter(
        status=SurveillancePlan.Status.COMMITTED, month__lt=this_month
    ).order_by("month", "pk")
    return [reveal_plan(plan=plan, by=None, now=moment) for plan in due]


# ---- Conflicts of interest --------------------------------------------------------------------


def declare_conflict(
    *, inspector: User, provider: Provider, reason: str, by: User
) -> InspectorConflict:
    """Record that an inspector must never inspect a company's work (a relative works there,
    a former employer…). From the next commitment on, the draw leaves them out; visits already
    scheduled for them with that company are flagged for the manager to deal with."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the conflict of interest is.")})
    if inspector.role != Role.INSPECTOR:
        raise ValidationError(
            {"inspector": _("Conflicts are declared for quality inspectors only.")},
            code="not_inspector",
        )
    with transaction.atomic():
        if InspectorConflict.objects.filter(inspector=inspector, provider=provider).exists():
            raise ValidationError(
                _("%(inspector)s already has a declared conflict with %(provider)s.")
                % {"inspector": inspector.get_username(), "provider": provider},
                code="conflict_exists",
            )
        conflict = InspectorConflict.objects.create(
            inspector=inspector, provider=provider, reason=reason[:200]
        )
        flagged = Inspection.objects.filter(
            inspector=inspector,
            contract__provider=provider,
            status=Inspection.Status.SCHEDULED,
        ).update(
            needs_review=True,
            review_reason=_(
                "The inspector declared a conflict of interest with this company after the "
                "visit was drawn: assign the visit to someone else."
            ),
        )
        record_event(
            actor=by,
            action="inspector_conflict.declare",
            obj=conflict,
            after={
                "inspector": inspector.pk,
                "provider": provider.pk,
                "scheduled_visits_flagged": flagged,
            },
            reason=reason,
        )
    return conflict


# ---- Verification ----------------------------------------------------------------------------


# What can differ between a drawn and a recorded visit, in words for people.
DIFFERENCES = {
    "zone": gettext_lazy("zone"),
    "day": gettext_lazy("day"),
    "window": gettext_lazy("time window"),
    "inspector": gettext_lazy("inspector"),
    "missing": gettext_lazy("drawn but not recorded"),
    "extra": gettext_lazy("recorded but not drawn"),
}


@dataclass(frozen=True)
class VisitComparison:
    """One visit as drawn from the seed and as recorded in the database (either may be None)."""

    index: int
    drawn: sampling.Visit | None
    recorded: sampling.Visit | None
    drawn_zone_id: int | None = None
    recorded_zone_id: int | None = None
    drawn_inspector_id: int | None = None
    recorded_inspector_id: int | None = None

    @property
    def differences(self) -> list[str]:
        """The codes of what differs (keys of DIFFERENCES)."""
        if self.drawn is None:
            return ["extra"]
        if self.recorded is None:
            return ["missing"]
        found = []
        if self.drawn_zone_id != self.recorded_zone_id:
            found.append("zone")
        if self.drawn.day != self.recorded.day:
            found.append("day")
        if (self.drawn.window_start, self.drawn.window_end) != (
            self.recorded.window_start,
            self.recorded.window_end,
        ):
            found.append("window")
        if self.drawn_inspector_id != self.recorded_inspector_id:
            found.append("inspector")
        return found

    @property
    def matches(self) -> bool:
        return not self.differences


@dataclass
class PlanVerdict:
    """What re-drawing a revealed plan found: problems with its hashes, and visit by visit."""

    plan: SurveillancePlan
    problems: list[str] = field(default_factory=list)
    visits: list[VisitComparison] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(v.matches for v in self.visits)

    def summary(self) -> list[str]:
        """Each problem, then one line per visit that differs."""
        lines = list(self.problems)
        for visit in self.visits:
            if not visit.matches:
                lines.append(
                    _("visit %(index)s differs: %(what)s")
                    % {
                        "index": visit.index,
                        "what": ", ".join(str(DIFFERENCES[code]) for code in visit.differences),
                    }
                )
        return lines


def recorded_visit(inspection: Inspection, month: date) -> sampling.Visit:
    """A stored inspection in the draw's terms: day of the month and local HH:MM. A window
    outside the plan's month, or ending on another day, is written out in full (day 0), so it
    can never look like a drawn one."""
    start = timezone.localtime(inspection.window_start)
    end = timezone.localtime(inspection.window_end)
    in_month = (start.year, start.month) == (month.year, month.month) and end.date() == start.date()
    return sampling.Visit(
        index=inspection.visit_index if inspection.visit_index is not None else -1,
        zone_code=zone_label(inspection.zone),
        day=start.day if in_month else 0,
        window_start=f"{start:%H:%M}" if in_month else f"{start:%Y-%m-%d %H:%M}",
        window_end=f"{end:%H:%M}" if in_month else f"{end:%Y-%m-%d %H:%M}",
        inspector=inspection.inspector.get_username(),
    )


def verify_plan(plan: SurveillancePlan) -> PlanVerdict:
    """Check a revealed plan: the seed against its published hash, the parameters against
    theirs, both hashes against the commitment in the audit ledger, and every stored visit
    against a fresh draw. ``plan.inspections`` may be prefetched with zone and inspector."""
    verdict = PlanVerdict(plan=plan)
    parameters = plan.parameters or {}
    try:
        seed_ok = sampling.seed_commitment(plan.seed) == plan.seed_hash
    except sampling.SampleError:
        seed_ok = False
    if not seed_ok:
        verdict.problems.append(_("the seed does not hash to the published seed hash"))
    if sampling.parameters_hash(parameters) != plan.parameters_hash:
        verdict.problems.append(_("the parameters do not hash to the published parameters hash"))
    committed = (
        AuditEvent.objects.filter(
            object_type=SurveillancePlan._meta.label_lower,
            object_id=str(plan.pk),
            action="surveillance_plan.commit",
        )
        .order_by("seq")
        .values_list("after", flat=True)
        .first()
    )
    if committed is None:
        verdict.problems.append(_("the audit ledger holds no commitment for this plan"))
    elif (committed.get("seed_hash"), committed.get("parameters_hash")) != (
        plan.seed_hash,
        plan.parameters_hash,
    ):
        verdict.problems.append(
            _("the hashes differ from those committed in the audit ledger on %(date)s")
            % {"date": plan.committed_at and f"{timezone.localtime(plan.committed_at):%Y-%m-%d}"}
        )
    expected_labels = (plan.contract.number, plan.standard.code, month_label(plan.month))
    found_labels = (
        parameters.get("contract"),
        parameters.get("standard"),
        parameters.get("month"),
    )
    if found_labels != expected_labels:
        verdict.problems.append(_("the parameters name another contract, standard or month"))

    drawn: list[sampling.Visit] = []
    try:
        drawn = sampling.draw_from_parameters(plan.seed, parameters)
    except sampling.SampleError as error:
        verdict.problems.append(
            _("the sample cannot be re-drawn from these parameters (%(code)s)")
            % {"code": error.code}
        )
    zone_ids = {z.get("code"): z.get("id") for z in parameters.get("zones", [])}
    inspector_ids = {i.get("username"): i.get("id") for i in parameters.get("inspectors", [])}
    recorded = {
        inspection.visit_index: inspection
        for inspection in plan.inspections.all()
        if inspection.visit_index is not None
    }
    drawn_by_index = {visit.index: visit for visit in drawn}
    for index in sorted(set(drawn_by_index) | set(recorded)):
        visit = drawn_by_index.get(index)
        inspection = recorded.get(index)
        stored = recorded_visit(inspection, plan.month) if inspection is not None else None
        verdict.visits.append(
            VisitComparison(
                index=index,
                drawn=visit,
                recorded=stored,
                drawn_zone_id=zone_ids.get(visit.zone_code) if visit else None,
                recorded_zone_id=inspection.zone_id if inspection else None,
                drawn_inspector_id=inspector_ids.get(visit.inspector) if visit else None,
                recorded_inspector_id=inspection.inspector_id if inspection else None,
            )
        )
    return verdict
