"""The monthly assessment's arithmetic as pure functions over plain values (no Django).

How a month's score and payment are reached (docs/assessments.md walks through an example):

1. Each performance standard deducts points by its rule: ``per_occurrence`` deducts the points
   per occurrence times the occurrences; ``rate`` deducts the points once when the share of checks
   passed falls below the acceptable quality level. Either way a standard never deducts more than
   its monthly cap, nor more than its weight (its share of the 100 points).
2. The score is 100 minus the deductions, never below 0.
3. The pay band holding the score gives the share of the fee paid (a fixed factor, or score ÷ 100
   for a proportional band) and any bonus rate.
4. The rating comes from the score and the contract's thresholds.
5. The payment certificate: every amount is computed at full precision and rounded once, half up,
   to the fen when it is written; the deduction is split over the standards by the largest
   remainder so its lines add up to it exactly; the net payable is the exact sum of the lines.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
FEN = Decimal("0.01")

PER_OCCURRENCE = "per_occurrence"
RATE = "rate"

EXCEPTIONAL = "exceptional"
VERY_GOOD = "very_good"
SATISFACTORY = "satisfactory"
MARGINAL = "marginal"
UNSATISFACTORY = "unsatisfactory"
GRADES = (EXCEPTIONAL, VERY_GOOD, SATISFACTORY, MARGINAL, UNSATISFACTORY)


def to_fen(amount: Decimal) -> Decimal:
    """The one rounding rule: half up, to the fen."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


# ---- Deductions and score ------------------------------------------------------------------------


@dataclass(frozen=True)
class StandardTerms:
    """What a standard's deduction rule needs from the contract."""

    rule: str
    points: Decimal
    cap: Decimal
    weight: Decimal
    acceptable_quality_level: Decimal  # per cent of checks that must pass


def pass_rate(*, passed: int, checked: int) -> Decimal | None:
    """Share of checks passed, in per cent to two places (None when nothing was checked)."""
    if checked < 0 or passed < 0 or passed > checked:
        raise ValueError("passed must lie between 0 and checked")
    if checked == 0:
        return None
    return (Decimal(passed) * HUNDRED / Decimal(checked)).quantize(FEN, rounding=ROUND_HALF_UP)


def deduction(terms: StandardTerms, *, occurrences: int, passed: int, checked: int) -> Decimal:
    """Points one standard deducts in a month."""
    if occurrences < 0:
        raise ValueError("occurrences cannot be negative")
    limit = min(terms.cap, terms.weight)
    if terms.rule == PER_OCCURRENCE:
        return min(terms.points * occurrences, limit)
    if terms.rule == RATE:
        if checked == 0:
            return ZERO
        # Compared exactly, not on the rounded rate: 94.996 % misses a 95 % level.
        missed = Decimal(passed) * HUNDRED < terms.acceptable_quality_level * checked
        return min(terms.points, limit) if missed else ZERO
    raise ValueError(f"unknown rule {terms.rule!r}")


def score(deductions: Sequence[Decimal]) -> Decimal:
    """100 less the deductions, never below 0."""
    return max(ZERO, HUNDRED - sum(deductions, ZERO))


# ---- Pay band and rating ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    min_score: Decimal
    max_score: Decimal  # exclusive, except a band ending at 100 includes 100
    payment_factor: Decimal | None  # None for a proportional band
    proportional: bool
    bonus_rate: Decimal


class NoBandError(ValueError):
    """The pay bands leave the score uncovered: the terms have a gap."""


def band_for(value: Decimal, bands: Sequence[Band]) -> Band:
    for band in bands:
        top_included = band.max_score == HUNDRED and value == HUNDRED
        if band.min_score <= value < band.max_score or top_included:
            return band
    raise NoBandError(value)


def payment_factor(value: Decimal, band: Band) -> Decimal:
    """The share of the monthly fee the band pays for this score."""
    if band.proportional:
        return value / HUNDRED
    assert band.payment_factor is not None
    return band.payment_factor


def rating(value: Decimal, thresholds: tuple[Decimal, Decimal, Decimal, Decimal]) -> str:
    """Exceptional, Very good, Satisfactory, Marginal from the thresholds; Unsatisfactory below."""
    for grade, threshold in zip(GRADES, thresholds, strict=False):
        if value >= threshold:
            return grade
    return UNSATISFACTORY


def termination_warning(scores: Sequence[Decimal], *, below: Decimal, months: int) -> bool:
    """Whether the newest ``months`` scores (oldest first, newest last, consecutive months)
    were all below the termination score."""
    return len(scores) >= months and all(s < below for s in scores[-months:])


# ---- Payment certificate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """The money of one month, each amount in fen. ``net`` is the exact sum of the lines:
    fee − deduction + bonus + adjustments − retention + retention released."""

    fee: Decimal
    deduction: Decimal
    deduction_by_standard: list[tuple[str, Decimal]]
    bonus: Decimal
    adjustments: list[tuple[str, Decimal]]
    retention: Decimal
    retention_released: Decimal
    net: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "net",
            self.fee
            - self.deduction
            + self.bonus
            + self.adjustment_total
            - self.retention
            + self.retention_released,
        )

    @property
    def adjustment_total(self) -> Decimal:
        return sum((amount for _label, amount in self.adjustments), ZERO)

    def problems(self) -> list[str]:
        """Why the lines would not stand: codes, empty when all is well."""
        found = []
        amounts = [self.fee, self.deduction, self.bonus, self.retention, self.retention_released]
        amounts += [a for _l, a in self.deduction_by_standard] + [a for _l, a in self.adjustments]
        if any(a != a.quantize(FEN) for a in amounts):
            found.append("not_in_fen")
        if sum((a for _l, a in self.deduction_by_standard), ZERO) != self.deduction:
            found.append("deductions_do_not_sum")
        if min(self.fee, self.deduction, self.bonus, self.retention, self.retention_released) < 0:
            found.append("negative_line")
        if self.deduction > self.fee:
            found.append("deduction_above_fee")
        return found


def split(total: Decimal, weights: Sequence[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Share a fen amount over labelled weights in proportion, to the fen, by the largest
    remainder (ties to the earlier label), so the shares add up to the total exactly."""
    positive = [(label, w) for label, w in weights if w > 0]
    weight_sum = sum((w for _label, w in positive), ZERO)
    if not positive or total == 0:
        return [(label, ZERO) for label, _w in weights]
    exact = [(label, total * w / weight_sum) for label, w in positive]
    floors = {label: share.quantize(FEN, rounding=ROUND_DOWN) for label, share in exact}
    left = int((total - sum(floors.values(), ZERO)) / FEN)
    by_remainder = sorted(
        range(len(exact)), key=lambda i: (-(exact[i][1] - floors[exact[i][0]]), i)
    )
    for i in itertools.islice(by_remainder, left):
        floors[exact[i][0]] += FEN
    return [(label, floors.get(label, ZERO)) for label, _w in weights]


def certificate(
    *,
    fee: Decimal,
    factor: Decimal,
    bonus_rate: Decimal,
    retention_rate: Decimal,
    points_by_standard: Sequence[tuple[str, Decimal]],
    adjustments: Sequence[tuple[str, Decimal]] = (),
    retention_released: Decimal = ZERO,
    final: bool = False,
) -> Certificate:
    """A month's certificate from the fee (in fen), the band's factor and bonus rate and the
    contract's retention rate; adjustments and the retention held in earlier months (released
    in the contract's ``final`` month, with that month's own) are already in fen."""
    if not ZERO <= factor <= 1:
        raise ValueError("the payment factor lies between 0 and 1")
    deducted = to_fen(fee * (1 - factor))
    bonus = to_fen(fee * bonus_rate)
    adjustment_total = sum((amount for _label, amount in adjustments), ZERO)
    payable = fee - deducted + bonus + adjustment_total
    retention = to_fen(max(payable, ZERO) * retention_rate)
    return Certificate(
        fee=fee,
        deduction=deducted,
        deduction_by_standard=split(deducted, points_by_standard),
        bonus=bonus,
        adjustments=list(adjustments),
        retention=retention,
        retention_released=retention_released + (retention if final else ZERO),
    )


# ---- Appeal window ---------------------------------------------------------------------------------


def add_working_days(start: date, days: int) -> date:
    """The day ``days`` working days (Monday to Friday) after ``start``."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)
