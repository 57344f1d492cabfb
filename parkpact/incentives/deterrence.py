"""Does a contract's monitoring deter shirking? Pure arithmetic over plain values (no Django).

Principal–agent reasoning (docs/incentives.md): a risk-neutral contractor skips a task when the
expected penalty for skipping it is below what skipping saves. For one skipped task — one zone
left uncleaned for one day, one patrol round not walked:

- **Detection probability** p: the chance that some channel catches that skipped zone-day. The
  channels are taken as independent, so p = 1 − Π(1 − pᵢ):
  - random inspections, as the plan is designed (the contractor cannot know the draw): each of
    the plan's visits to the zone's kind lands in this zone with the zone's share of its kind's
    area and on any of the month's days alike, so one skipped zone-day escapes all of them with
    probability (1 − share ÷ days)^visits; an inspection that comes finds the fault with
    probability ``efficacy`` (1 by default);
  - 100 % checks (patrol scans, sensors): 1 where the source watches the task;
  - the public: 1 − e^(−λ), λ = the public's reports of such problems per zone-day in that zone
    (a Poisson rate from the service-request history).
- **Penalty** for one more occurrence, in CNY: what the contractor loses when its score drops by
  the standard's points per occurrence, from a typical month's score, through the pay bands —
  zero once the standard's monthly cap is already reached (a capped standard deters nothing
  beyond its cap).
- **Expected penalty** = p × penalty. **Saving** = the task's cost.
- **Verdict**: deterred when the expected penalty is at least 1.5 × the saving; weakly deterred
  from 1 ×; not deterred below (the margin covers a contractor who doubts detection or hopes
  for leniency on appeal).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
FEN = Decimal("0.01")
PROBABILITY_PLACES = Decimal("0.0001")

DETERRED = "deterred"
WEAKLY_DETERRED = "weakly_deterred"
NOT_DETERRED = "not_deterred"
DETERRED_RATIO = Decimal("1.5")


def _probability(value: Decimal) -> Decimal:
    return min(ONE, max(ZERO, value)).quantize(PROBABILITY_PLACES, rounding=ROUND_HALF_UP)


def sampling_detection(
    *, visits: int, days: int, share: Decimal = ONE, efficacy: Decimal = ONE
) -> Decimal:
    """The chance one of ``visits`` random visits finds the skipped zone-day: each visit lands
    in the zone with probability ``share``, on any of ``days`` days alike, independently.
    1 − (1 − efficacy × share ÷ days)^visits."""
    if visits < 0 or days <= 0 or not ZERO <= share <= ONE:
        raise ValueError("visits cannot be negative, a month has days, a share is a probability")
    hit = efficacy * share / Decimal(days)
    return _probability(ONE - (ONE - hit) ** visits)


def expected_visits(*, visits: int, share: Decimal) -> Decimal:
    """How many of the plan's visits to the zone's kind are expected in this zone."""
    return (Decimal(visits) * share).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def public_detection(*, reports: int, zone_days: int) -> Decimal:
    """The chance the public reports a skipped zone-day: 1 − e^(−λ), λ = reports ÷ zone-days."""
    if reports < 0 or zone_days <= 0:
        raise ValueError("reports cannot be negative and the history needs zone-days")
    rate = Decimal(reports) / Decimal(zone_days)
    return _probability(ONE - (-rate).exp())


def combined_detection(probabilities: Sequence[Decimal]) -> Decimal:
    """Independent channels: the chance at least one catches it."""
    missed = ONE
    for p in probabilities:
        missed *= ONE - min(ONE, max(ZERO, p))
    return _probability(ONE - missed)


# ---- Penalty in money -----------------------------------------------------------------------------


PaidShare = Callable[[Decimal], Decimal]  # score → share of the fee paid, bonus included


def penalty_for_one_more(
    *,
    fee: Decimal,
    paid_share: PaidShare,
    typical_score: Decimal,
    points: Decimal,
    typical_occurrences: int,
    cap: Decimal,
    weight: Decimal,
) -> Decimal:
    """What one more occurrence costs the contractor in a typical month, in CNY: the drop in
    pay when the score falls by the standard's points — only as far as the cap leaves room."""
    limit = min(cap, weight)
    already = min(points * typical_occurrences, limit)
    extra = min(points, limit - already)
    if extra <= 0:
        return ZERO
    after = max(ZERO, typical_score - extra)
    return (fee * (paid_share(typical_score) - paid_share(after))).quantize(
        FEN, rounding=ROUND_HALF_UP
    )


def expected_penalty(*, detection: Decimal, penalty: Decimal) -> Decimal:
    return (detection * penalty).quantize(FEN, rounding=ROUND_HALF_UP)


def verdict(*, expected: Decimal, saving: Decimal) -> str:
    if saving <= 0:
        return DETERRED
    ratio = expected / saving
    if ratio >= DETERRED_RATIO:
        return DETERRED
    return WEAKLY_DETERRED if ratio >= ONE else NOT_DETERRED


# ---- The smallest change that would deter -----------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """Ways to reach deterrence, each alone with the others unchanged; None where that lever
    cannot get there (e.g. more visits when inspections alone could not deter)."""

    sample_size: int | None  # the plan's zone-visits in the month (or visits per zone, 100 %)
    points: Decimal | None  # points per occurrence
    cap: Decimal | None  # the monthly cap that leaves room for one more occurrence
    cap_reached: bool  # the cap is what stops deterrence
    flat_band: bool = False  # one point less pays the same: the pay band, not the levers


def is_deterred(*, detection: Decimal, penalty: Decimal, saving: Decimal) -> bool:
    return (
        verdict(expected=expected_penalty(detection=detection, penalty=penalty), saving=saving)
        == DETERRED
    )


def smallest_deterring(
    candidates: Iterable[int],
    detection_of: Callable[[int], Decimal],
    *,
    penalty: Decimal,
    saving: Decimal,
) -> int | None:
    """The first candidate (e.g. a plan's sample size, counting up) whose detection deters;
    None when none does. The search is by trial because a plan's allocation to the zone's kind
    moves in steps (largest remainder), not smoothly."""
    if penalty <= 0:
        return None
    for candidate in candidates:
        if is_deterred(detection=detection_of(candidate), penalty=penalty, saving=saving):
            return candidate
    return None


def cap_needed(*, points: Decimal, typical_occurrences: int, weight: Decimal) -> Decimal | None:
    """The monthly cap that still leaves one more occurrence its full points after a typical
    month's occurrences; None when even the standard's weight is not enough."""
    cap = points * (typical_occurrences + 1)
    return cap if ZERO < cap <= weight else None


def points_needed(*, detection: Decimal, saving: Decimal, fee_per_point: Decimal) -> Decimal | None:
    """Points per occurrence that make detection × points × CNY per point ≥ 1.5 × saving."""
    if detection <= 0 or fee_per_point <= 0:
        return None
    points = DETERRED_RATIO * saving / (detection * fee_per_point)
    return points.quantize(Decimal("0.1"), rounding=ROUND_CEILING)
