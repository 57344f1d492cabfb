"""The deterrence arithmetic (``incentives/deterrence.py``): properties and worked examples."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from parkpact.assessments import scoring
from parkpact.incentives import deterrence

BANDS = [
    scoring.Band(D(95), D(100), D(1), False, D("0.02")),
    scoring.Band(D(90), D(95), D(1), False, D(0)),
    scoring.Band(D(0), D(90), None, True, D(0)),
]


def share(score: D, bands: list[scoring.Band] = BANDS) -> D:
    band = scoring.band_for(score, bands)
    return scoring.payment_factor(score, band) + band.bonus_rate


def proportional(score: D) -> D:
    return share(score, [scoring.Band(D(0), D(100), None, True, D(0))])


probabilities = st.decimals(min_value=0, max_value=1, places=4)
points = st.decimals(min_value=0, max_value=10, places=1)


@given(
    visits=st.integers(0, 60),
    days=st.integers(28, 31),
    reports=st.integers(0, 5000),
    others=st.lists(probabilities, max_size=4),
)
def test_probabilities_stay_between_0_and_1(
    visits: int, days: int, reports: int, others: list[D]
) -> None:
    sampling = deterrence.sampling_detection(visits=visits, days=days)
    public = deterrence.public_detection(reports=reports, zone_days=365)
    combined = deterrence.combined_detection([sampling, public, *others])
    for p in (sampling, public, combined):
        assert D(0) <= p <= D(1)


@given(visits=st.integers(0, 30), more=st.integers(1, 30), public=probabilities)
def test_more_sample_visits_never_lower_detection(visits: int, more: int, public: D) -> None:
    before = deterrence.combined_detection(
        [deterrence.sampling_detection(visits=visits, days=30), public]
    )
    after = deterrence.combined_detection(
        [deterrence.sampling_detection(visits=visits + more, days=30), public]
    )
    assert after >= before


@given(
    score=st.decimals(min_value=0, max_value=100, places=2),
    points=points,
    occurrences=st.integers(0, 40),
    cap=st.decimals(min_value=0, max_value=30, places=1),
)
def test_the_cap_bounds_the_penalty(score: D, points: D, occurrences: int, cap: D) -> None:
    fee = D("168000.00")
    penalty = deterrence.penalty_for_one_more(
        fee=fee,
        paid_share=share,
        typical_score=score,
        points=points,
        typical_occurrences=occurrences,
        cap=cap,
        weight=D(30),
    )
    full = fee * (share(score) - share(max(D(0), score - points)))
    assert D(0) <= penalty <= full.quantize(D("0.01")) + D("0.01")
    if points * occurrences >= cap:
        assert penalty == 0


def test_worked_example_a_thinly_sampled_zone_is_not_deterred() -> None:
    # By hand: 4 visits in a 30-day month → 4 ÷ 30 = 0.1333.
    sampling = deterrence.sampling_detection(visits=4, days=30)
    assert sampling == D("0.1333")
    # 18 public reports over 365 zone-days → λ = 0.0493, 1 − e^(−0.0493) = 0.0481.
    public = deterrence.public_detection(reports=18, zone_days=365)
    assert public == D("0.0481")
    # Combined: 1 − (1 − 0.1333)(1 − 0.0481) = 1 − 0.8667 × 0.9519 = 1 − 0.8250 = 0.1750.
    detection = deterrence.combined_detection([sampling, public])
    assert detection == D("0.1750")
    # A proportional band pays score ÷ 100 of 168,000 CNY: 1,680 CNY a point; 1 point per
    # occurrence, no occurrence yet, cap 10 → one more occurrence costs 1,680.00 CNY.
    penalty = deterrence.penalty_for_one_more(
        fee=D("168000.00"),
        paid_share=proportional,
        typical_score=D(96),
        points=D(1),
        typical_occurrences=0,
        cap=D(10),
        weight=D(30),
    )
    assert penalty == D("1680.00")
    # Expected: 0.1750 × 1,680 = 294.00 against a saving of 400.00 → 0.735 < 1: not deterred.
    expected = deterrence.expected_penalty(detection=detection, penalty=penalty)
    assert expected == D("294.00")
    assert deterrence.verdict(expected=expected, saving=D("400.00")) == deterrence.NOT_DETERRED
    # Visits needed: detection 1.5 × 400 ÷ 1,680 = 0.3571; with the public's 0.0481 the
    # sample must give 1 − 0.6429 ÷ 0.9519 = 0.3247 → 0.3247 × 30 = 9.7 → 10 visits
    # (10 visits: 1 − 0.6667 × 0.9519 = 0.3654, × 1,680 = 613.9 ≥ 600; 9 give 560.6).
    assert (
        deterrence.visits_needed(
            penalty=penalty, saving=D("400.00"), days=30, other_detection=public
        )
        == 10
    )
    # Or points: 1.5 × 400 ÷ (0.1750 × 1,680) = 2.04 → 2.1 points per occurrence.
    assert deterrence.points_needed(
        detection=detection, saving=D("400.00"), fee_per_point=D(1680)
    ) == D("2.1")


def test_worked_example_a_reached_cap_or_a_flat_band_deters_nothing() -> None:
    # 2 points per occurrence, 5 typical occurrences: 10 points, the cap — one more costs 0.
    capped = deterrence.penalty_for_one_more(
        fee=D("120000.00"),
        paid_share=proportional,
        typical_score=D(80),
        points=D(2),
        typical_occurrences=5,
        cap=D(10),
        weight=D(40),
    )
    assert capped == D("0.00")
    # 98 → 96 stays in the 95–100 band (full fee + 2 % bonus): the drop costs nothing; 96 → 94
    # falls to the 90–95 band and loses the 2 % bonus: 120,000 × 0.02 = 2,400.00 CNY.
    flat = dict(fee=D("120000.00"), paid_share=share, points=D(2), cap=D(10), weight=D(40))
    assert deterrence.penalty_for_one_more(typical_score=D(98), typical_occurrences=0, **flat) == 0
    assert deterrence.penalty_for_one_more(typical_score=D(96), typical_occurrences=0, **flat) == D(
        "2400.00"
    )
    assert (
        deterrence.visits_needed(penalty=D(0), saving=D(80), days=30, other_detection=D(0)) is None
    )
