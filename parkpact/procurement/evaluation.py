"""Bid evaluation arithmetic as pure functions over plain values (no Django).

Comprehensive scoring (综合评分法, Measures for the Administration of Bidding for Government
Procurement of Goods and Services, MOF Order 87, art. 55):

- **Price score** = (lowest valid price ÷ this bid's price) × price weight. For services the
  price weight is at least 10 points of 100 (art. 55: 10 %–30 %; the ceiling is not enforced
  here because some centres set it per tender).
- **Other criteria** (technical plan, staffing, equipment, past performance) are scored by each
  evaluator; a criterion's score is the evaluators' mean. Past performance is computed from
  ParkPact's own ratings (``past_performance_points``), not typed.
- **Total** = the sum of the criterion scores; bids rank by total, ties broken by the lower price,
  then the higher technical score.
- **Abnormally low** (art. 60): a price below 50 % of the mean of the other valid bids, below
  50 % of the second-lowest, or below 45 % of the ceiling (thresholds per tender); the bidder
  must explain in writing before evaluation goes on.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
SCORE_PLACES = Decimal("0.01")
MIN_PRICE_WEIGHT = Decimal(10)


def round_score(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


# ---- Scoring method ------------------------------------------------------------------------------


def method_problems(weights: Sequence[tuple[str, Decimal]], price_kind: str = "price") -> list[str]:
    """Why a scoring method cannot be used: stable codes, empty when it is sound.
    ``weights`` are (criterion kind, weight) pairs."""
    problems = []
    if sum((w for _k, w in weights), ZERO) != HUNDRED:
        problems.append("weights_not_100")
    price = [w for kind, w in weights if kind == price_kind]
    if len(price) != 1:
        problems.append("one_price_criterion")
    elif price[0] < MIN_PRICE_WEIGHT:
        problems.append("price_weight_too_low")
    if any(w <= 0 for _k, w in weights):
        problems.append("weight_not_positive")
    return problems


# ---- Price ---------------------------------------------------------------------------------------


def price_score(*, lowest: Decimal, price: Decimal, weight: Decimal) -> Decimal:
    """(lowest valid price ÷ this price) × the price weight, to two places."""
    if price <= 0 or lowest <= 0:
        raise ValueError("prices must be positive")
    if lowest > price:
        raise ValueError("the lowest price cannot exceed this bid's")
    return round_score(lowest / price * weight)


# ---- Evaluators ------------------------------------------------------------------------------------


def criterion_score(scores: Sequence[Decimal]) -> Decimal:
    """The evaluators' mean for one criterion of one bid (0 when nobody has scored it)."""
    if not scores:
        return ZERO
    return round_score(sum(scores, ZERO) / len(scores))


# ---- Past performance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastRating:
    months_ago: int  # 0 for the month before the tender closes
    score: Decimal  # the month's assessment score, 0–100


NEUTRAL_SHARE = Decimal("0.6")  # a bidder with no history gets 60 % of the criterion's points


def recency_weight(months_ago: int, window: int) -> Decimal:
    """Newer months weigh more: linearly from ``window`` (last month) down to 1 (oldest)."""
    return Decimal(window - months_ago)


def past_performance_points(
    ratings: Sequence[PastRating], *, points: Decimal, window: int = 36
) -> tuple[Decimal, bool]:
    """The past-performance criterion's points from the bidder's ParkPact ratings of the last
    ``window`` months: the recency-weighted mean score ÷ 100 × the criterion's points. Returns
    (points, whether it rests on history). With no rating in the window the bidder gets the
    documented neutral value, 60 % of the points — neither rewarded nor punished for being new."""
    inside = [r for r in ratings if 0 <= r.months_ago < window]
    if not inside:
        return round_score(points * NEUTRAL_SHARE), False
    weights = [recency_weight(r.months_ago, window) for r in inside]
    mean = sum((w * r.score for w, r in zip(weights, inside, strict=True)), ZERO) / sum(
        weights, ZERO
    )
    return round_score(mean / HUNDRED * points), True


# ---- Abnormally low bids ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    mean_of_others: Decimal = Decimal("0.5")
    second_lowest: Decimal = Decimal("0.5")
    ceiling: Decimal = Decimal("0.45")


MEAN_OF_OTHERS = "below_mean_of_others"
SECOND_LOWEST = "below_second_lowest"
CEILING = "below_ceiling"


def abnormal_triggers(
    price: Decimal, others: Sequence[Decimal], *, ceiling: Decimal, thresholds: Thresholds
) -> list[str]:
    """Which abnormally-low tests a price fails, against the other valid bids of its lot."""
    found = []
    if others and price < thresholds.mean_of_others * (sum(others, ZERO) / len(others)):
        found.append(MEAN_OF_OTHERS)
    ordered = sorted([price, *others])
    # "The second-lowest" is the next price above this one when this is the lowest bid.
    if len(ordered) >= 2 and price == ordered[0] and price < thresholds.second_lowest * ordered[1]:
        found.append(SECOND_LOWEST)
    if price < thresholds.ceiling * ceiling:
        found.append(CEILING)
    return found


def lot_flags(prices: Sequence[Decimal]) -> list[str]:
    """Warnings about a lot's competition: one bidder only; two or more identical prices."""
    flags = []
    if len(prices) == 1:
        flags.append("single_bidder")
    if len(prices) != len(set(prices)):
        flags.append("identical_prices")
    return flags


# ---- Ranking ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    bid: int
    total: Decimal
    price: Decimal
    technical: Decimal


def rank(bids: Sequence[Scored]) -> list[Scored]:
    """Highest total first; ties broken by the lower price, then the higher technical score,
    then the earlier bid (its id), so the order is always the same."""
    return sorted(bids, key=lambda b: (-b.total, b.price, -b.technical, b.bid))
