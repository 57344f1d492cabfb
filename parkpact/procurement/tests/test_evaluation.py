"""evaluation.py's arithmetic with worked examples computed by hand: the price formula, the
scoring method's checks, the evaluators' mean, ranking and its tie-breaks, past performance
(recency weights, the window's edge, the neutral value) and each abnormally-low test alone."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkpact.procurement import evaluation
from parkpact.procurement.evaluation import PastRating, Scored, Thresholds

# ---- Price ---------------------------------------------------------------------------------------


def test_it_scores_the_price_by_the_official_formula() -> None:
    # lowest 80,000, this bid 100,000, price weight 30: 80,000 ÷ 100,000 × 30 = 24.00
    assert evaluation.price_score(lowest=D(80000), price=D(100000), weight=D(30)) == D("24.00")
    # the lowest bid itself gets the whole weight: 80,000 ÷ 80,000 × 30 = 30.00
    assert evaluation.price_score(lowest=D(80000), price=D(80000), weight=D(30)) == D("30.00")
    # 80,000 ÷ 90,000 × 30 = 26.666… → 26.67 (half up to two places)
    assert evaluation.price_score(lowest=D(80000), price=D(90000), weight=D(30)) == D("26.67")
    # 80,000 ÷ 120,000 × 10 = 6.666… → 6.67
    assert evaluation.price_score(lowest=D(80000), price=D(120000), weight=D(10)) == D("6.67")


def test_it_refuses_impossible_prices() -> None:
    with pytest.raises(ValueError):
        evaluation.price_score(lowest=D(0), price=D(100), weight=D(30))
    with pytest.raises(ValueError):
        evaluation.price_score(lowest=D(100), price=D(-5), weight=D(30))
    with pytest.raises(ValueError):
        evaluation.price_score(lowest=D(200), price=D(100), weight=D(30))


# ---- The scoring method --------------------------------------------------------------------------


def test_it_accepts_a_sound_method() -> None:
    assert evaluation.method_problems([("price", D(30)), ("judged", D(70))]) == []
    # exactly 10 points for the price is allowed
    assert evaluation.method_problems([("price", D(10)), ("judged", D(90))]) == []


def test_it_refuses_weights_that_do_not_add_up_to_100() -> None:
    assert evaluation.method_problems([("price", D(30)), ("judged", D(60))]) == ["weights_not_100"]
    assert "weights_not_100" in evaluation.method_problems(
        [("price", D(30)), ("judged", D("70.01"))]
    )


def test_it_refuses_a_price_weight_under_10() -> None:
    assert evaluation.method_problems([("price", D("9.99")), ("judged", D("90.01"))]) == [
        "price_weight_too_low"
    ]


def test_it_wants_exactly_one_price_criterion() -> None:
    assert evaluation.method_problems([("judged", D(100))]) == ["one_price_criterion"]
    assert evaluation.method_problems([("price", D(50)), ("price", D(50))]) == [
        "one_price_criterion"
    ]


# ---- Evaluators and ranking ----------------------------------------------------------------------


def test_it_averages_the_evaluators_scores() -> None:
    # (30 + 35 + 32) ÷ 3 = 32.333… → 32.33
    assert evaluation.criterion_score([D(30), D(35), D(32)]) == D("32.33")
    assert evaluation.criterion_score([]) == D(0)


def test_it_ranks_by_total_then_lower_price_then_higher_technical() -> None:
    bids = [
        Scored(bid=1, total=D("85.00"), price=D(95000), technical=D(50)),
        Scored(bid=2, total=D("88.50"), price=D(99000), technical=D(55)),
        # 3 and 1 tie on 85.00: 3 is cheaper, so it ranks first of the two
        Scored(bid=3, total=D("85.00"), price=D(90000), technical=D(40)),
        # 4 and 5 tie on total and price: 5 has the higher technical score
        Scored(bid=4, total=D("70.00"), price=D(80000), technical=D(30)),
        Scored(bid=5, total=D("70.00"), price=D(80000), technical=D(35)),
    ]
    assert [b.bid for b in evaluation.rank(bids)] == [2, 3, 1, 5, 4]


def test_it_ranks_complete_ties_by_the_earlier_bid() -> None:
    a = Scored(bid=7, total=D(80), price=D(1000), technical=D(50))
    b = Scored(bid=3, total=D(80), price=D(1000), technical=D(50))
    assert [s.bid for s in evaluation.rank([a, b])] == [3, 7]


# ---- Past performance ----------------------------------------------------------------------------


def test_it_weighs_newer_months_more() -> None:
    # window 36: last month weighs 36, the oldest month of the window (35 months ago) 1
    assert evaluation.recency_weight(0, 36) == D(36)
    assert evaluation.recency_weight(35, 36) == D(1)
    # last month 90 (weight 36), a year earlier 60 (weight 24):
    # (36 × 90 + 24 × 60) ÷ 60 = 4,680 ÷ 60 = 78 → 78 % of 10 points = 7.80
    points, on_history = evaluation.past_performance_points(
        [PastRating(months_ago=0, score=D(90)), PastRating(months_ago=12, score=D(60))],
        points=D(10),
    )
    assert (points, on_history) == (D("7.80"), True)
    # the same two scores the other way round: (36 × 60 + 24 × 90) ÷ 60 = 72 → 7.20
    points, _history = evaluation.past_performance_points(
        [PastRating(months_ago=0, score=D(60)), PastRating(months_ago=12, score=D(90))],
        points=D(10),
    )
    assert points == D("7.20")


def test_it_counts_only_the_months_inside_the_window() -> None:
    # 35 months ago is the window's oldest month (weight 1); 36 months ago is outside
    inside = [PastRating(months_ago=35, score=D(80))]
    assert evaluation.past_performance_points(inside, points=D(10)) == (D("8.00"), True)
    outside = [PastRating(months_ago=36, score=D(100))]
    assert evaluation.past_performance_points(outside, points=D(10)) == (D("6.00"), False)
    # with both, only the one inside counts: 80 % of 10
    assert evaluation.past_performance_points(inside + outside, points=D(10)) == (
        D("8.00"),
        True,
    )
    # a 12-month window: 12 months ago is out, 11 in
    assert evaluation.past_performance_points(
        [PastRating(months_ago=12, score=D(50)), PastRating(months_ago=11, score=D(90))],
        points=D(10),
        window=12,
    ) == (D("9.00"), True)


def test_it_gives_a_bidder_with_no_history_the_neutral_value() -> None:
    # 60 % of the criterion's points: 60 % of 10 = 6.00; of 15 = 9.00
    assert evaluation.past_performance_points([], points=D(10)) == (D("6.00"), False)
    assert evaluation.past_performance_points([], points=D(15)) == (D("9.00"), False)


@given(
    scores=st.lists(
        st.tuples(
            st.integers(min_value=-3, max_value=50),
            st.decimals(min_value=0, max_value=100, places=2),
        ),
        max_size=40,
    ),
    weight=st.decimals(min_value=D("0.01"), max_value=100, places=2),
    window=st.integers(min_value=1, max_value=120),
)
def test_it_keeps_past_performance_within_the_criterion_points(
    scores: list[tuple[int, D]], weight: D, window: int
) -> None:
    ratings = [PastRating(months_ago=m, score=s) for m, s in scores]
    points, _on_history = evaluation.past_performance_points(ratings, points=weight, window=window)
    assert D(0) <= points <= weight


# ---- Abnormally low bids -------------------------------------------------------------------------

DEFAULT = Thresholds()


def test_it_flags_a_price_below_half_the_others_mean_alone() -> None:
    # others 200,000 and 220,000: mean 210,000, half 105,000 > 100,000 → flagged;
    # second-lowest 200,000, half 100,000: 100,000 is not below it;
    # ceiling 222,000 × 45 % = 99,900: 100,000 is not below it
    assert evaluation.abnormal_triggers(
        D(100000), [D(200000), D(220000)], ceiling=D(222000), thresholds=DEFAULT
    ) == [evaluation.MEAN_OF_OTHERS]


def test_it_flags_a_price_below_half_the_second_lowest_alone() -> None:
    # With equal thresholds the others' mean is never below the second-lowest, so this test
    # alone needs a lower mean threshold (thresholds are per tender): 40 % of the mean.
    # others 210,000 and 220,000: 40 % of the mean 215,000 = 86,000, 100,000 is not below;
    # half the second-lowest 210,000 = 105,000 > 100,000 → flagged;
    # ceiling 220,000 × 45 % = 99,000: 100,000 is not below it
    thresholds = Thresholds(mean_of_others=D("0.4"))
    assert evaluation.abnormal_triggers(
        D(100000), [D(210000), D(220000)], ceiling=D(220000), thresholds=thresholds
    ) == [evaluation.SECOND_LOWEST]


def test_it_flags_a_price_below_45_percent_of_the_ceiling_alone() -> None:
    # one other bid, 100,000: half is 50,000, 90,000 is above it (mean and second-lowest);
    # ceiling 210,000 × 45 % = 94,500 > 90,000 → flagged
    assert evaluation.abnormal_triggers(
        D(90000), [D(100000)], ceiling=D(210000), thresholds=DEFAULT
    ) == [evaluation.CEILING]
    # a single bidder can only fail the ceiling test
    assert evaluation.abnormal_triggers(D(40000), [], ceiling=D(100000), thresholds=DEFAULT) == [
        evaluation.CEILING
    ]


def test_it_flags_all_three_for_a_very_low_price() -> None:
    # others 149,800 and 158,000 (mean 153,900, half 76,950); second-lowest 149,800 (half
    # 74,900); ceiling 170,000 × 45 % = 76,500: 72,000 is below all three
    assert evaluation.abnormal_triggers(
        D(72000), [D(149800), D(158000)], ceiling=D(170000), thresholds=DEFAULT
    ) == [evaluation.MEAN_OF_OTHERS, evaluation.SECOND_LOWEST, evaluation.CEILING]


def test_it_does_not_flag_a_normal_price_or_the_higher_bids() -> None:
    assert (
        evaluation.abnormal_triggers(
            D(90000), [D(95000), D(99000)], ceiling=D(100000), thresholds=DEFAULT
        )
        == []
    )
    # the second-lowest test only concerns the lowest bid
    assert (
        evaluation.abnormal_triggers(
            D(99000), [D(40000), D(95000)], ceiling=D(100000), thresholds=DEFAULT
        )
        == []
    )


def test_it_flags_single_bidders_and_identical_prices() -> None:
    assert evaluation.lot_flags([D(90000)]) == ["single_bidder"]
    assert evaluation.lot_flags([D(90000), D(90000), D(95000)]) == ["identical_prices"]
    assert evaluation.lot_flags([D(90000), D(95000)]) == []
    assert evaluation.lot_flags([]) == []
