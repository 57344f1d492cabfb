"""Checks on a contract's terms as pure functions over plain values (no Django)."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

FULL_SCORE = Decimal(100)


@dataclass(frozen=True)
class BandProblem:
    """``code`` is stable (gap, overlap, starts_above_zero, ends_below_full, empty, inverted)."""

    code: str
    at: Decimal | None = None


def pay_band_problems(bands: Sequence[tuple[Decimal, Decimal]]) -> list[BandProblem]:
    """Bands are [min, max) score ranges (the top one includes 100); together they must cover
    0–100 exactly once. Returns every problem found, in score order."""
    if not bands:
        return [BandProblem("empty")]
    problems = []
    ordered = sorted(bands)
    for low, high in ordered:
        if low >= high:
            problems.append(BandProblem("inverted", low))
    if ordered[0][0] > 0:
        problems.append(BandProblem("starts_above_zero", ordered[0][0]))
    for (_low, high), (next_low, _next_high) in itertools.pairwise(ordered):
        if next_low > high:
            problems.append(BandProblem("gap", high))
        elif next_low < high:
            problems.append(BandProblem("overlap", next_low))
    top = max(high for _low, high in ordered)
    if top < FULL_SCORE:
        problems.append(BandProblem("ends_below_full", top))
    return problems


def weight_total_problem(weights: Sequence[Decimal]) -> Decimal | None:
    """The standards' weights share the 100-point score: None when they add up to 100,
    else the total they do add up to."""
    total = sum(weights, Decimal(0))
    return None if total == FULL_SCORE else total


def terms_overlap(start_a: date, end_a: date, start_b: date, end_b: date) -> bool:
    """Whether two closed date ranges share at least one day."""
    return start_a <= end_b and start_b <= end_a
