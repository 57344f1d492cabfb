"""Value for money: the arithmetic, over plain values (no Django; docs/incentives.md, "Value for
money"). Every figure carries the names of the inputs it rests on and of those that are missing:
a figure with a missing input has no value, and the page says "input missing" instead.

Input names are stable keys (``NET``, ``AREA``…); the services give them words.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal(0)
HUNDRED = Decimal(100)

# The inputs a figure may rest on.
NET = "net"  # the approved certificate's net payable
FEE = "fee"
DEDUCTION = "deduction"
BONUS = "bonus"
SCORE = "score"  # the approved assessment's score
AREA = "area"  # the contract's zones' area in m²
INSPECTIONS = "inspections"  # inspections carried out in the month
COST_PER_VISIT = "cost_per_visit"  # the cost breakdown's inspector hours × wage
COMPARATOR = "comparator"  # the in-house comparator's monthly cost
PEERS = "peers"  # the other contracts of the same kind approved in the month


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    """One number, the inputs it rests on, and those of them that are missing (value None)."""

    value: Decimal | None
    inputs: tuple[str, ...]
    missing: tuple[str, ...] = ()

    @property
    def is_missing(self) -> bool:
        return self.value is None


def figure(value: Decimal | None, inputs: Sequence[str], missing: Sequence[str] = ()) -> Figure:
    """``value`` unless an input is missing."""
    return Figure(None if missing else value, tuple(inputs), tuple(missing))


def in_house_monthly_cost(
    *,
    staff: Decimal,
    monthly_wage_per_staff: Decimal,
    equipment_per_month: Decimal,
    consumables_per_month: Decimal,
    overhead_rate: Decimal,
) -> Decimal:
    """(staff × wage + equipment + consumables) × (1 + overhead ÷ 100), half-up to the fen."""
    direct = staff * monthly_wage_per_staff + equipment_per_month + consumables_per_month
    return to_fen(direct * (1 + overhead_rate / HUNDRED))


def per_unit(amount: Decimal, divisor: Decimal | int | None) -> Decimal | None:
    """``amount ÷ divisor`` to the fen; None when there is nothing to divide by."""
    if divisor is None or divisor <= 0:
        return None
    return to_fen(amount / Decimal(divisor))


def monitoring_cost(*, inspections: int, cost_per_visit: Decimal | None) -> Decimal | None:
    """What the month's inspections cost the centre; None without a cost per visit."""
    if cost_per_visit is None:
        return None
    return to_fen(cost_per_visit * inspections)


def difference_percent(*, in_house: Decimal, outsourced: Decimal) -> Decimal | None:
    """How much dearer (positive) or cheaper (negative) doing the work in-house is, as a
    percentage of what outsourcing costs, to one decimal; None when outsourcing cost nothing."""
    if outsourced <= 0:
        return None
    return ((in_house - outsourced) / outsourced * HUNDRED).quantize(TENTH, ROUND_HALF_UP)


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The middle value (the mean of the two middle ones for an even count); None for none."""
    return percentile(values, 50)


def percentile(values: Sequence[Decimal], rank: int) -> Decimal | None:
    """The ``rank``-th percentile by linear interpolation between the closest ranks (as a
    spreadsheet's PERCENTILE.INC); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = Decimal(len(ordered) - 1) * Decimal(rank) / HUNDRED
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The arithmetic mean to two decimals; None for no values."""
    if not values:
        return None
    return to_fen(sum(values, ZERO) / len(values))


@dataclass(frozen=True)
class MonthFacts:
    """What the database says about one contract in one month. ``net`` is None when the month
    has no approved assessment with a certificate; then nothing else about the money counts."""

    month: date
    net: Decimal | None = None
    fee: Decimal | None = None
    deduction: Decimal | None = None
    bonus: Decimal | None = None
    score: Decimal | None = None
    grade: str = ""
    area_m2: Decimal | None = None
    inspections: int = 0
    cost_per_visit: Decimal | None = None
    in_house: Decimal | None = None


@dataclass(frozen=True)
class Peers:
    """The other contracts of the same service kind approved in the same month."""

    count: int
    median_cost_per_m2: Decimal | None
    mean_score: Decimal | None


@dataclass(frozen=True)
class MonthValue:
    """One contract's month: every figure with its inputs."""

    month: date
    approved: bool
    paid: Figure
    fee: Figure
    deduction: Figure
    bonus: Figure
    score: Figure
    grade: str
    cost_per_m2: Figure
    cost_per_point: Figure
    monitoring: Figure
    total: Figure
    in_house: Figure
    difference: Figure  # in-house − total cost to the centre: positive, outsourcing saves
    difference_percent: Figure
    peers: Peers = field(default_factory=lambda: Peers(0, None, None))
    peers_cost_per_m2: Figure = field(default_factory=lambda: Figure(None, (PEERS,), (PEERS,)))
    peers_score: Figure = field(default_factory=lambda: Figure(None, (PEERS,), (PEERS,)))


def month_value(facts: MonthFacts, peers: Peers | None = None) -> MonthValue:
    """Every value-for-money figure of one month, from its facts."""
    peers = peers or Peers(0, None, None)
    approved = facts.net is not None
    no_month = (NET,) if not approved else ()
    net = facts.net if facts.net is not None else ZERO

    def money(value: Decimal | None, key: str) -> Figure:
        return figure(value, (key,), no_month)

    area_missing = (AREA,) if facts.area_m2 is None or facts.area_m2 <= 0 else ()
    cost_per_m2 = figure(
        per_unit(net, facts.area_m2) if not area_missing else None,
        (NET, AREA),
        no_month + area_missing,
    )
    score_missing = () if facts.score is not None and facts.score > 0 else (SCORE,)
    cost_per_point = figure(
        per_unit(net, facts.score) if not score_missing else None,
        (NET, SCORE),
        no_month + score_missing,
    )
    visit_missing = (COST_PER_VISIT,) if facts.cost_per_visit is None else ()
    monitoring = figure(
        monitoring_cost(inspections=facts.inspections, cost_per_visit=facts.cost_per_visit),
        (INSPECTIONS, COST_PER_VISIT),
        visit_missing,
    )
    total_missing = no_month + visit_missing
    total = figure(
        to_fen(net + (monitoring.value or ZERO)), (NET, INSPECTIONS, COST_PER_VISIT), total_missing
    )
    comparator_missing = (COMPARATOR,) if facts.in_house is None else ()
    in_house = figure(facts.in_house, (COMPARATOR,), comparator_missing)
    difference_inputs = (COMPARATOR, NET, INSPECTIONS, COST_PER_VISIT)
    difference_missing = comparator_missing + total_missing
    difference = percent = None
    if not difference_missing:
        assert facts.in_house is not None and total.value is not None
        difference = to_fen(facts.in_house - total.value)
        percent = difference_percent(in_house=facts.in_house, outsourced=total.value)
    peers_missing = (PEERS,) if peers.count == 0 else ()
    return MonthValue(
        month=facts.month,
        approved=approved,
        paid=money(facts.net, NET),
        fee=money(facts.fee, FEE),
        deduction=money(facts.deduction, DEDUCTION),
        bonus=money(facts.bonus, BONUS),
        score=money(facts.score, SCORE),
        grade=facts.grade,
        cost_per_m2=cost_per_m2,
        cost_per_point=cost_per_point,
        monitoring=monitoring,
        total=total,
        in_house=in_house,
        difference=figure(difference, difference_inputs, difference_missing),
        difference_percent=figure(
            percent,
            difference_inputs,
            difference_missing or (() if percent is not None else (NET,)),
        ),
        peers=peers,
        peers_cost_per_m2=figure(
            peers.median_cost_per_m2,
            (PEERS, NET, AREA),
            peers_missing or (() if peers.median_cost_per_m2 is not None else (AREA,)),
        ),
        peers_score=figure(peers.mean_score, (PEERS, SCORE), peers_missing),
    )


def peers_of(cost_per_m2: Sequence[Decimal | None], scores: Sequence[Decimal]) -> Peers:
    """The peers' median cost per m² (of those with an area) and their mean score."""
    known = [value for value in cost_per_m2 if value is not None]
    return Peers(count=len(scores), median_cost_per_m2=median(known), mean_score=mean(scores))


@dataclass(frozen=True)
class Totals:
    """A run of months added up: only approved months count; a sum whose input is missing in
    any approved month is missing."""

    months: int
    paid: Figure
    fee: Figure
    deduction: Figure
    bonus: Figure
    monitoring: Figure
    total: Figure
    in_house: Figure
    difference: Figure
    difference_percent: Figure
    mean_score: Figure


def totals(values: Sequence[MonthValue]) -> Totals:
    """The approved months of ``values`` added up; the in-house comparator is counted for the
    same months, so the comparison is like for like."""
    approved = [value for value in values if value.approved]
    none = (NET,) if not approved else ()

    def add(name: str) -> Figure:
        figures = [getattr(value, name) for value in approved]
        inputs = tuple(dict.fromkeys(i for f in figures for i in f.inputs)) or (NET,)
        missing = tuple(dict.fromkeys(m for f in figures for m in f.missing)) + none
        amount = sum((f.value for f in figures if f.value is not None), ZERO)
        return figure(to_fen(amount), inputs, missing)

    total, in_house = add("total"), add("in_house")
    difference = percent = None
    missing = tuple(dict.fromkeys(total.missing + in_house.missing))
    if not missing:
        assert total.value is not None and in_house.value is not None
        difference = to_fen(in_house.value - total.value)
        percent = difference_percent(in_house=in_house.value, outsourced=total.value)
    difference_inputs = tuple(dict.fromkeys(in_house.inputs + total.inputs))
    scores = [v.score.value for v in approved if v.score.value is not None]
    return Totals(
        months=len(approved),
        paid=add("paid"),
        fee=add("fee"),
        deduction=add("deduction"),
        bonus=add("bonus"),
        monitoring=add("monitoring"),
        total=total,
        in_house=in_house,
        difference=figure(difference, difference_inputs, missing),
        difference_percent=figure(
            percent, difference_inputs, missing or (() if percent is not None else (NET,))
        ),
        mean_score=figure(mean(scores), (SCORE,), none),
    )
