"""What-if: the deterrence check under other plan sizes, points per occurrence and caps, without
touching the contract; saved as a scenario, and turned by a manager into a draft amendment (points,
caps) or next month's surveillance plans (sizes) through the contracts' and inspections' own
services (docs/incentives.md, "What-if")."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpact.contracts import services as contract_services
from parkpact.contracts.models import Amendment, Contract, ContractVersion, PerformanceStandard
from parkpact.core.models import CENTRE_ROLES, Role, User
from parkpact.core.services import record_event
from parkpact.inspections import services as plan_services
from parkpact.inspections.models import SurveillancePlan

from .models import Scenario
from .services import Changes, Source, Table, build_table, month_bounds

POINT = Decimal("0.1")
DEFAULT_WINDOWS = [["08:00", "11:00"], ["14:00", "17:00"]]


def sampled(standard: PerformanceStandard) -> bool:
    return standard.source == Source.INSPECTIONS


def size_limit(standard: PerformanceStandard) -> int:
    if standard.method == PerformanceStandard.Method.FULL_CHECK:
        return plan_services.MAX_VISITS_PER_ZONE
    return plan_services.MAX_SAMPLE_SIZE


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def clean_changes(
    *, version: ContractVersion, data: Mapping[str, str], table: Table | None = None
) -> Changes:
    """The what-if form's fields (``size-<code>``, ``points-<code>``, ``cap-<code>``; empty means
    unchanged) as Changes, each checked against the standard: a size within what a plan may
    have, points and caps with one decimal and within the standard's weight. Values equal to
    today's are dropped. Refused field by field, with codes."""
    errors: dict[str, ValidationError] = {}
    sizes: dict[str, int] = {}
    points: dict[str, Decimal] = {}
    caps: dict[str, Decimal] = {}
    for standard in version.standards.order_by("code"):
        code = standard.code
        size_text = (data.get(f"size-{code}") or "").strip()
        if size_text and sampled(standard):
            size = _number(size_text)
            most = size_limit(standard)
            if size is None or size != size.to_integral_value():
                errors[f"size-{code}"] = ValidationError(
                    _("Give a whole number of visits."), code="whatif_not_a_number"
                )
            elif not 0 <= size <= most:
                errors[f"size-{code}"] = ValidationError(
                    _("Give from 0 to %(most)s visits.") % {"most": most},
                    code="whatif_out_of_range",
                )
            else:
                current = table.designs.get(code) if table else None
                if current is None or current.sample_size != int(size):
                    sizes[code] = int(size)
        for name, target, today in (
            ("points", points, standard.points_per_occurrence),
            ("cap", caps, standard.monthly_cap),
        ):
            text = (data.get(f"{name}-{code}") or "").strip()
            if not text:
                continue
            value = _number(text)
            if value is None or value != value.quantize(POINT):
                errors[f"{name}-{code}"] = ValidationError(
                    _("Give a number of points with at most one decimal."),
                    code="whatif_not_a_number",
                )
            elif not 0 <= value <= standard.weight:
                errors[f"{name}-{code}"] = ValidationError(
                    _("Give from 0 to the standard's weight, %(weight)s points.")
                    % {"weight": standard.weight},
                    code="whatif_out_of_range",
                )
            elif value != today:
                target[code] = value.quantize(POINT)
    if errors:
        raise ValidationError(errors)
    return Changes(sample_sizes=sizes, points=points, caps=caps)


def what_if(
    *, contract: Contract, month: date, changes: Changes, user: User
) -> tuple[Table, Table]:
    """The check as it is and as it would be: two tables, nothing written."""
    if not user.has_role(*CENTRE_ROLES):
        raise PermissionDenied
    return build_table(contract=contract, month=month), build_table(
        contract=contract, month=month, changes=changes
    )


def changes_of(scenario: Scenario) -> Changes:
    return Changes(
        sample_sizes={code: int(size) for code, size in scenario.sample_sizes.items()},
        points={code: Decimal(value) for code, value in scenario.points.items()},
        caps={code: Decimal(value) for code, value in scenario.caps.items()},
    )


def _manager(by: User) -> None:
    if not by.has_role(Role.MANAGER, Role.ADMIN):
        raise PermissionDenied


def save_scenario(
    *, contract: Contract, month: date, name: str, changes: Changes, by: User
) -> Scenario:
    """Keep a what-if under a name; the contract is not touched."""
    _manager(by)
    name = name.strip()
    errors: dict[str, ValidationError] = {}
    if not name:
        errors["name"] = ValidationError(_("Name the scenario."), code="scenario_name_missing")
    elif len(name) > 120:
        errors["name"] = ValidationError(
            _("Keep the name within 120 characters."), code="scenario_name_long"
        )
    if not changes:
        errors["__all__"] = ValidationError(
            _("The scenario changes nothing: change a plan size, points or a cap first."),
            code="scenario_empty",
        )
    if errors:
        raise ValidationError(errors)
    first, _days = month_bounds(month)
    with transaction.atomic():
        scenario = Scenario.objects.create(
            contract=contract,
            month=first,
            name=name,
            sample_sizes=dict(changes.sample_sizes),
            points={code: str(value) for code, value in changes.points.items()},
            caps={code: str(value) for code, value in changes.caps.items()},
            created_by=by,
        )
        record_event(
            actor=by,
            action="scenario.save",
            obj=scenario,
            after={
                "contract": contract.pk,
                "month": first,
                "name": name,
                "sample_sizes": scenario.sample_sizes,
                "points": scenario.points,
                "caps": scenario.caps,
            },
        )
    return scenario


def _locked(scenario: Scenario) -> Scenario:
    return (
        Scenario.objects.select_for_update(of=("self",))
        .select_related("contract")
        .get(pk=scenario.pk)
    )


def amend_from_scenario(*, scenario: Scenario, by: User, effective_from: date) -> Amendment:
    """Draft an amendment carrying the scenario's points and caps (contracts' own services: the
    new version copies the terms in force, then each changed standard is saved). The amendment
    still goes through approval; until then the contract is as it was."""
    _manager(by)
    with transaction.atomic():
        scenario = _locked(scenario)
        if not (scenario.points or scenario.caps):
            raise ValidationError(
                _("This scenario changes no points or caps: there is nothing to amend."),
                code="scenario_no_terms",
            )
        if scenario.amendment_id is not None:
            raise ValidationError(
                _("This scenario has already been drafted as an amendment."),
                code="scenario_applied",
            )
        reason = _("What-if scenario “%(name)s” (deterrence check of %(month)s).") % {
            "name": scenario.name,
            "month": f"{scenario.month:%Y-%m}",
        }
        amendment = contract_services.draft_amendment(
            contract=scenario.contract, by=by, reason=reason, effective_from=effective_from
        )
        for standard in amendment.version.standards.filter(
            code__in=set(scenario.points) | set(scenario.caps)
        ):
            if standard.code in scenario.points:
                standard.points_per_occurrence = Decimal(scenario.points[standard.code])
            if standard.code in scenario.caps:
                standard.monthly_cap = Decimal(scenario.caps[standard.code])
            try:
                standard.full_clean()
            except ValidationError as error:
                raise ValidationError(
                    _("Standard %(code)s: %(problem)s")
                    % {"code": standard.code, "problem": " ".join(error.messages)},
                    code="scenario_terms_invalid",
                ) from error
            contract_services.save_term_part(part=standard, by=by)
        scenario.amendment = amendment
        scenario.save(update_fields=["amendment"])
        record_event(
            actor=by,
            action="scenario.amend",
            obj=scenario,
            after={"amendment": amendment.pk, "effective_from": effective_from},
        )
    return amendment


def next_plan_month(today: date | None = None) -> date:
    """The month a scenario's plans are drafted for: the next one (this one has begun)."""
    day = today or timezone.localdate()
    return plan_services.next_month(plan_services.first_of_month(day))


def plan_from_scenario(
    *, scenario: Scenario, by: User, now: datetime | None = None
) -> list[SurveillancePlan]:
    """Draft next month's surveillance plans with the scenario's sizes (inspections' own
    services). A draft plan already there for a standard is replaced; a committed one is final
    and refuses the whole change. Windows are kept from the scenario month's plan."""
    _manager(by)
    now = now or timezone.now()
    month = next_plan_month(timezone.localdate(now))
    with transaction.atomic():
        scenario = _locked(scenario)
        if not scenario.sample_sizes:
            raise ValidationError(
                _("This scenario changes no plan sizes: there is nothing to plan."),
                code="scenario_no_plans",
            )
        contract = scenario.contract
        standards = {s.code: s for s in plan_services.plannable_standards(contract, month)}
        plans = []
        for code, size in sorted(scenario.sample_sizes.items()):
            standard = standards.get(code)
            if standard is None:
                raise ValidationError(
                    _("Standard %(code)s cannot be planned for %(month)s.")
                    % {"code": code, "month": plan_services.month_label(month)},
                    code="scenario_standard_unplannable",
                )
            existing = SurveillancePlan.objects.filter(
                contract=contract, standard=standard, month=month
            ).first()
            if existing is not None:
                if existing.status != SurveillancePlan.Status.DRAFT:
                    raise ValidationError(
                        _(
                            "The plan for %(code)s in %(month)s is already committed and cannot "
                            "change."
                        )
                        % {"code": code, "month": plan_services.month_label(month)},
                        code="scenario_plan_committed",
                    )
                plan_services.discard_plan(plan=existing, by=by)
            model = (
                SurveillancePlan.objects.filter(
                    contract=contract, standard__code=code, month=scenario.month
                )
                .values_list("windows", flat=True)
                .first()
            )
            full = standard.method == PerformanceStandard.Method.FULL_CHECK
            plans.append(
                plan_services.create_plan(
                    contract=contract,
                    standard=standard,
                    month=month,
                    sample_size=size,
                    visits_per_zone=size if full else 1,
                    windows=model or DEFAULT_WINDOWS,
                    by=by,
                    now=now,
                )
            )
        scenario.plans.add(*plans)
        record_event(
            actor=by,
            action="scenario.plan",
            obj=scenario,
            after={"month": month, "plans": [plan.pk for plan in plans]},
        )
    return plans
