"""Value for money: the in-house comparator, and each contract's months against it and against
the other contracts of the same kind (docs/incentives.md; the yearly evaluation of a park built
on them is in ``services_evaluation``). The arithmetic is in ``value``; here its inputs are read from the
database in a bounded number of grouped queries, whatever the number of months or contracts."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpact.assessments import scoring
from parkpact.assessments.models import Assessment, Grade
from parkpact.contracts.models import Contract
from parkpact.core.models import Role, User
from parkpact.inspections.models import Inspection
from parkpact.parks.models import Park

from . import services, value
from .models import (
    MAX_MONTHLY_COST,
    MAX_MONTHLY_WAGE,
    MAX_OVERHEAD_RATE,
    MAX_STAFF,
    CostBreakdown,
    InHouseComparator,
)

# ---- The in-house comparator ----------------------------------------------------------------------

COMPARATOR_FIELDS = (
    "staff",
    "monthly_wage_per_staff",
    "equipment_per_month",
    "consumables_per_month",
    "overhead_rate",
)
# Staff and wages must be more than 0: the centre cannot do the work with nobody.
_POSITIVE = frozenset({"staff", "monthly_wage_per_staff"})


def _comparator_limits() -> dict[str, tuple[Decimal, str]]:
    return {
        "staff": (MAX_STAFF, _("Give at most 500 full-time staff.")),
        "monthly_wage_per_staff": (
            MAX_MONTHLY_WAGE,
            _("Give a monthly wage of at most 100,000 CNY per person."),
        ),
        "equipment_per_month": (
            MAX_MONTHLY_COST,
            _("Give equipment costs of at most 1,000,000 CNY a month."),
        ),
        "consumables_per_month": (
            MAX_MONTHLY_COST,
            _("Give consumables of at most 1,000,000 CNY a month."),
        ),
        "overhead_rate": (MAX_OVERHEAD_RATE, _("Give an overhead of at most 100 %.")),
    }


def save_comparator(
    *,
    contract: Contract,
    by: User,
    staff: Decimal | None,
    monthly_wage_per_staff: Decimal | None,
    equipment_per_month: Decimal | None,
    consumables_per_month: Decimal | None,
    overhead_rate: Decimal | None,
    note: str = "",
) -> InHouseComparator:
    """Record what the centre would spend a month doing the contract's work itself. Managers
    only; a missing, negative or absurd figure is refused field by field and nothing is saved."""
    if not by.has_role(Role.MANAGER, Role.ADMIN):
        raise PermissionDenied
    values: dict[str, Decimal | None] = {
        "staff": staff,
        "monthly_wage_per_staff": monthly_wage_per_staff,
        "equipment_per_month": equipment_per_month,
        "consumables_per_month": consumables_per_month,
        "overhead_rate": overhead_rate,
    }
    services.check_figures(
        values,
        _comparator_limits(),
        missing=ValidationError(_("The comparator needs this figure."), code="comparator_missing"),
        positive=_POSITIVE,
    )
    return services.save_for_contract(
        InHouseComparator,
        contract=contract,
        by=by,
        values={**values, "note": note},
        action="in_house_comparator.save",
        summary=lambda comparator: {"monthly_cost": comparator.monthly_cost()},
    )


# ---- Inputs, in words -----------------------------------------------------------------------------


def input_labels() -> dict[str, str]:
    """Each input a figure may rest on, in the user's language."""
    return {
        value.NET: _("the approved certificate's net payable"),
        value.FEE: _("the certificate's monthly fee"),
        value.DEDUCTION: _("the certificate's deduction"),
        value.BONUS: _("the certificate's bonus"),
        value.SCORE: _("the approved assessment's score"),
        value.AREA: _("the area of the contract's zones"),
        value.INSPECTIONS: _("inspections carried out in the month"),
        value.COST_PER_VISIT: _("the cost per inspection visit (cost breakdown)"),
        value.COMPARATOR: _("the in-house comparator"),
        value.PEERS: _("other contracts of the same kind approved in the month"),
    }


@dataclass(frozen=True)
class Shown:
    """A figure as a page, a PDF and a workbook show it: its value (None: input missing), what
    it rests on and what is missing, in words."""

    value: Decimal | None
    rests_on: str
    missing: str

    @property
    def is_missing(self) -> bool:
        return self.value is None


def shown(figure: value.Figure, labels: dict[str, str]) -> Shown:
    return Shown(
        figure.value,
        "; ".join(labels[name] for name in figure.inputs),
        "; ".join(labels[name] for name in figure.missing),
    )


MONTH_FIGURES = (
    "paid",
    "fee",
    "deduction",
    "bonus",
    "score",
    "cost_per_m2",
    "cost_per_point",
    "monitoring",
    "total",
    "in_house",
    "difference",
    "difference_percent",
    "peers_cost_per_m2",
    "peers_score",
)
TOTAL_FIGURES = (
    "paid",
    "fee",
    "deduction",
    "bonus",
    "monitoring",
    "total",
    "in_house",
    "difference",
    "difference_percent",
    "mean_score",
)


@dataclass
class ValueRow:
    """One month of one contract, its figures in words (``figures["cost_per_m2"]``…)."""

    month: date
    approved: bool
    grade: str
    grade_label: str
    peers: int
    inspections: int
    figures: dict[str, Shown]


# ---- Reading the facts ----------------------------------------------------------------------------


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months: list[date] = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = scoring.add_months(month, 1)
    return months


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _zone_areas(contract_ids: Iterable[int]) -> dict[int, Decimal]:
    return {
        pk: Decimal(area).quantize(value.TENTH)
        for pk, area in Contract.objects.filter(pk__in=list(contract_ids))
        .annotate(area=Sum("zones__area_m2"))
        .values_list("pk", "area")
        if area is not None
    }


def _approved_months(
    contracts: Q, first: date, last: date
) -> list[tuple[int, date, Decimal, str, Any]]:
    """(contract, month, score, grade, certificate values) of the approved months with a
    certificate: one query."""
    return [
        (
            row["contract_id"],
            row["month"],
            row["score"],
            row["grade"],
            row,
        )
        for row in Assessment.objects.filter(
            contracts,
            status=Assessment.Status.APPROVED,
            certificate__isnull=False,
            month__gte=first,
            month__lte=last,
        ).values(
            "contract_id",
            "month",
            "score",
            "grade",
            "certificate__net",
            "certificate__fee",
            "certificate__deduction",
            "certificate__bonus",
        )
    ]


def month_facts(
    contracts: Sequence[Contract], first: date, last: date
) -> dict[int, dict[date, value.MonthFacts]]:
    """Per contract and month from ``first`` to ``last``, what the database says: six grouped
    queries for any number of contracts and months."""
    ids = [contract.pk for contract in contracts]
    months = months_between(first, last)
    areas = _zone_areas(ids)
    visit_cost = {
        breakdown.contract_id: breakdown.cost_per_visit()
        for breakdown in CostBreakdown.objects.filter(contract_id__in=ids)
    }
    in_house = {
        comparator.contract_id: comparator.monthly_cost()
        for comparator in InHouseComparator.objects.filter(contract_id__in=ids)
    }
    approved = {
        (contract_id, month): (score, grade, row)
        for contract_id, month, score, grade, row in _approved_months(
            Q(contract_id__in=ids), months[0], months[-1]
        )
    }
    visits: dict[tuple[int, date], int] = {}
    for contract_id, month, count in (
        Inspection.objects.filter(
            contract_id__in=ids,
            status=Inspection.Status.SUBMITTED,
            window_start__gte=start_of(months[0]),
            window_start__lt=start_of(scoring.add_months(months[-1], 1)),
        )
        .annotate(month=TruncMonth("window_start", output_field=DateField()))
        .values("contract_id", "month")
        .annotate(count=Count("pk"))
        .values_list("contract_id", "month", "count")
    ):
        visits[(contract_id, month)] = count
    facts: dict[int, dict[date, value.MonthFacts]] = {}
    for contract in contracts:
        by_month: dict[date, value.MonthFacts] = {}
        for month in months:
            found = approved.get((contract.pk, month))
            common: dict[str, Any] = {
                "month": month,
                "area_m2": areas.get(contract.pk),
                "inspections": visits.get((contract.pk, month), 0),
                "cost_per_visit": visit_cost.get(contract.pk),
                "in_house": in_house.get(contract.pk),
            }
            if found is not None:
                score, grade, row = found
                common |= {
                    "net": row["certificate__net"],
                    "fee": row["certificate__fee"],
                    "deduction": row["certificate__deduction"],
                    "bonus": row["certificate__bonus"],
                    "score": score,
                    "grade": grade,
                }
            by_month[month] = value.MonthFacts(**common)
        facts[contract.pk] = by_month
    return facts


def peers_by_month(
    contracts: Sequence[Contract], first: date, last: date
) -> dict[tuple[int, date], value.Peers]:
    """Per contract and month, the other contracts of its service kind approved in that month:
    two queries."""
    kinds = {contract.service_kind for contract in contracts}
    found = _approved_months(
        Q(contract__service_kind__in=kinds), first.replace(day=1), last.replace(day=1)
    )
    kind_of = dict(
        Contract.objects.filter(service_kind__in=kinds).values_list("pk", "service_kind")
    )
    areas = _zone_areas({contract_id for contract_id, *_rest in found})
    by_kind_month: dict[tuple[str, date], list[tuple[int, Decimal | None, Decimal]]] = defaultdict(
        list
    )
    for contract_id, month, score, _grade, row in found:
        per_m2 = value.per_unit(row["certificate__net"], areas.get(contract_id))
        by_kind_month[(kind_of[contract_id], month)].append((contract_id, per_m2, score))
    peers: dict[tuple[int, date], value.Peers] = {}
    for contract in contracts:
        for month in months_between(first, last):
            others = [
                entry
                for entry in by_kind_month.get((contract.service_kind, month), [])
                if entry[0] != contract.pk
            ]
            peers[(contract.pk, month)] = value.peers_of(
                [per_m2 for _pk, per_m2, _score in others],
                [score for _pk, _per_m2, score in others],
            )
    return peers


def value_rows(
    contracts: Sequence[Contract], first: date, last: date
) -> dict[int, list[tuple[value.MonthValue, ValueRow]]]:
    """Every contract's months from ``first`` to ``last``, as arithmetic and in words."""
    labels = input_labels()
    grades = dict(Grade.choices)
    facts = month_facts(contracts, first, last)
    peers = peers_by_month(contracts, first, last)
    rows: dict[int, list[tuple[value.MonthValue, ValueRow]]] = {}
    for contract in contracts:
        rows[contract.pk] = []
        for month, month_facts_ in facts[contract.pk].items():
            result = value.month_value(month_facts_, peers[(contract.pk, month)])
            rows[contract.pk].append(
                (
                    result,
                    ValueRow(
                        month=month,
                        approved=result.approved,
                        grade=result.grade,
                        grade_label=str(grades.get(result.grade, "")),
                        peers=result.peers.count,
                        inspections=month_facts_.inspections,
                        figures={
                            name: shown(getattr(result, name), labels) for name in MONTH_FIGURES
                        },
                    ),
                )
            )
    return rows


def shown_totals(results: Sequence[value.MonthValue]) -> tuple[value.Totals, dict[str, Shown]]:
    labels = input_labels()
    added = value.totals(results)
    return added, {name: shown(getattr(added, name), labels) for name in TOTAL_FIGURES}


# ---- One contract's value page --------------------------------------------------------------------


@dataclass
class ValueTable:
    """A contract's months over its life so far, and what sits beside them."""

    contract: Contract
    rows: list[ValueRow]
    totals: dict[str, Shown]
    approved_months: int
    comparator: InHouseComparator | None
    breakdown: CostBreakdown | None
    area_m2: Decimal | None
    years: list[int]
    parks: list[Park]
    chart: dict[str, Any] = field(default_factory=dict)


def contract_life(contract: Contract, today: date | None = None) -> tuple[date, date] | None:
    """The first and last months of the contract's term so far; None before it starts."""
    today = today or timezone.localdate()
    last = min(contract.end_date, today)
    if last < contract.start_date:
        return None
    return contract.start_date.replace(day=1), last.replace(day=1)


def _number(amount: Decimal | None) -> float | None:
    return float(amount) if amount is not None else None


def value_table(*, contract: Contract, today: date | None = None) -> ValueTable:
    """The value page's table: a bounded number of queries for any contract length."""
    comparator = (
        InHouseComparator.objects.filter(contract=contract).select_related("updated_by").first()
    )
    breakdown = CostBreakdown.objects.filter(contract=contract).first()
    area = _zone_areas([contract.pk]).get(contract.pk)
    parks = list(Park.objects.filter(zones__contracts=contract).distinct().order_by("name"))
    life = contract_life(contract, today)
    if life is None:
        _added, totals = shown_totals([])
        return ValueTable(contract, [], totals, 0, comparator, breakdown, area, [], parks)
    first, last = life
    pairs = value_rows([contract], first, last)[contract.pk]
    results = [result for result, _row in pairs]
    added, totals = shown_totals(results)
    rows = [row for _result, row in pairs]
    chart = {
        "months": [f"{row.month:%Y-%m}" for row in rows],
        "paid": [_number(row.figures["paid"].value) for row in rows],
        "total": [_number(row.figures["total"].value) for row in rows],
        "in_house": [_number(row.figures["in_house"].value) for row in rows],
        "score": [_number(row.figures["score"].value) for row in rows],
        "names": {
            "paid": _("Paid (CNY)"),
            "total": _("Total cost to the centre (CNY)"),
            "in_house": _("In-house comparator (CNY)"),
            "score": _("Score"),
        },
    }
    return ValueTable(
        contract=contract,
        rows=rows,
        totals=totals,
        approved_months=added.months,
        comparator=comparator,
        breakdown=breakdown,
        area_m2=area,
        years=list(range(first.year, last.year + 1)),
        parks=parks,
        chart=chart,
    )


# ---- The yearly outsourcing evaluation of a park --------------------------------------------------

HOUR = Decimal(3600)
MINUTE = Decimal(60)
