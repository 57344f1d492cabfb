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
    visits=st.integers(0, 1000),
    days=st.integers(1, 31),
    share=probabilities,
    reports=st.integers(0, 5000),
    others=st.lists(probabilities, max_size=4),
)
def test_probabilities_stay_between_0_and_1(
    visits: int, days: int, share: D, reports: int, others: list[D]
) -> None:
    sampling = deterrence.sampling_detection(visits=visits, days=days, share=share)
    public = deterrence.public_detection(reports=reports, zone_days=365)
    combined = deterrence.combined_detection([sampling, public, *others])
    for p in (sampling, public, combined):
        assert D(0) <= p <= D(1)


@given(
    visits=st.integers(0, 300),
    more=st.integers(1, 300),
    share=probabilities,
    public=probabilities,
)
def test_more_sample_visits_never_lower_detection(
    visits: int, more: int, share: D, public: D
) -> None:
    before = deterrence.combined_detection(
        [deterrence.sampling_detection(visits=visits, days=30, share=share), public]
    )
    after = deterrence.combined_detection(
        [deterrence.sampling_detection(visits=visits + more, days=30, share=share), public]
    )
    assert after >= before


@given(visits=st.integers(1, 300), share=probabilities, more=probabilities)
def test_a_larger_share_of_the_visits_never_lowers_detection(
    visits: int, share: D, more: D
) -> None:
    larger = min(D(1), share + more)
    assert deterrence.sampling_detection(
        visits=visits, days=30, share=larger
    ) >= deterrence.sampling_detection(visits=visits, days=30, share=share)


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
    # By hand: the only zone of its kind (share 1) gets the plan's 4 visits of that kind, each
    # on one of 30 days: the skipped day escapes all four with (29/30)^4 = 0.8732 → 0.1268.
    sampling = deterrence.sampling_detection(visits=4, days=30)
    assert sampling == D("0.1268")
    # Half the kind's area: each visit lands there with 0.5, so 8 visits make 4 expected and
    # (1 − 0.5/30)^8 = 0.8742 → 0.1258.
    assert deterrence.sampling_detection(visits=8, days=30, share=D("0.5")) == D("0.1258")
    assert deterrence.expected_visits(visits=8, share=D("0.5")) == D("4.0")
    # 18 public reports over 365 zone-days → λ = 0.0493, 1 − e^(−0.0493) = 0.0481.
    public = deterrence.public_detection(reports=18, zone_days=365)
    assert public == D("0.0481")
    # Combined: 1 − (1 − 0.1268)(1 − 0.0481) = 1 − 0.8732 × 0.9519 = 1 − 0.8312 = 0.1688.
    detection = deterrence.combined_detection([sampling, public])
    assert detection == D("0.1688")
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
    # Expected: 0.1688 × 1,680 = 283.58 against a saving of 400.00 → 0.709 < 1: not deterred.
    expected = deterrence.expected_penalty(detection=detection, penalty=penalty)
    assert expected == D("283.58")
    assert deterrence.verdict(expected=expected, saving=D("400.00")) == deterrence.NOT_DETERRED

    # Visits needed: 1.5 × 400 = 600 CNY expected. 12 visits: 1 − (29/30)^12 = 0.3342, with
    # the public 1 − 0.6658 × 0.9519 = 0.3662, × 1,680 = 615.22 ≥ 600; 11 give 578.59.
    def detection_with(visits: int) -> D:
        found = deterrence.sampling_detection(visits=visits, days=30)
        return deterrence.combined_detection([found, public])

    assert (
        deterrence.smallest_deterring(
            range(5, 100), detection_with, penalty=penalty, saving=D("400.00")
        )
        == 12
    )
    # Or points: 1.5 × 400 ÷ (0.1688 × 1,680) = 2.116 → 2.2 points per occurrence.
    assert deterrence.points_needed(
        detection=detection, saving=D("400.00"), fee_per_point=D(1680)
    ) == D("2.2")


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
    # No penalty: no number of visits deters; the cap that leaves room for a 6th occurrence
    # is 2 × 6 = 12 points (within the weight of 40); 2 × 21 = 42 would exceed it.
    assert (
        deterrence.smallest_deterring(range(1, 1000), lambda n: D(1), penalty=D(0), saving=D(80))
        is None
    )
    assert deterrence.cap_needed(points=D(2), typical_occurrences=5, weight=D(40)) == D(12)
    assert deterrence.cap_needed(points=D(2), typical_occurrences=20, weight=D(40)) is None
