"""The monthly assessment's arithmetic (scoring.py): properties with Hypothesis, and worked
examples whose numbers were computed by hand (the arithmetic is in the comments)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkpact.assessments import scoring

D = Decimal
FEN = D("0.01")
THRESHOLDS = (D(95), D(90), D(80), D(70))

# The bands of parkpact.testing.add_complete_terms: 95–100 full fee and a 2 % bonus, 90–95
# full fee, below 90 in proportion to the score.
BANDS = [
    scoring.Band(D(95), D(100), D(1), False, D("0.02")),
    scoring.Band(D(90), D(95), D(1), False, D(0)),
    scoring.Band(D(0), D(90), None, True, D(0)),
]

points = st.decimals(min_value=0, max_value=100, places=2)
fen_amounts = st.decimals(min_value=D("0.01"), max_value=D("9999999.99"), places=2)
rates = st.decimals(min_value=0, max_value=D("0.3"), places=4)


@st.composite
def standard_terms(draw: st.DrawFn) -> scoring.StandardTerms:
    weight = draw(st.decimals(min_value=D("0.01"), max_value=100, places=2))
    return scoring.StandardTerms(
        rule=draw(st.sampled_from([scoring.PER_OCCURRENCE, scoring.RATE])),
        points=draw(points),
        cap=draw(st.decimals(min_value=0, max_value=weight, places=2)),
        weight=weight,
        acceptable_quality_level=draw(st.decimals(min_value=0, max_value=100, places=2)),
    )


@st.composite
def checks(draw: st.DrawFn) -> tuple[int, int, int]:
    checked = draw(st.integers(0, 500))
    passed = draw(st.integers(0, checked))
    return draw(st.integers(0, 10_000)), passed, checked


# ---- Deductions and score -----------------------------------------------------------------------


@given(st.lists(st.tuples(standard_terms(), checks()), max_size=12))
def test_it_keeps_the_score_between_0_and_100(lines: list) -> None:
    deducted = [
        scoring.deduction(terms, occurrences=o, passed=p, checked=c) for terms, (o, p, c) in lines
    ]
    value = scoring.score(deducted)
    assert 0 <= value <= 100


@given(standard_terms(), checks())
def test_a_standard_never_deducts_more_than_its_cap_or_its_weight(
    terms: scoring.StandardTerms, found: tuple[int, int, int]
) -> None:
    occurrences, passed, checked = found
    deducted = scoring.deduction(terms, occurrences=occurrences, passed=passed, checked=checked)
    assert 0 <= deducted <= min(terms.cap, terms.weight)


def test_it_deducts_per_occurrence_up_to_the_cap() -> None:
    terms = scoring.StandardTerms(scoring.PER_OCCURRENCE, D(2), D(10), D(60), D(95))
    assert scoring.deduction(terms, occurrences=0, passed=0, checked=0) == 0
    assert scoring.deduction(terms, occurrences=3, passed=0, checked=0) == 6  # 3 × 2
    assert scoring.deduction(terms, occurrences=7, passed=0, checked=0) == 10  # 14, capped at 10


def test_it_deducts_a_rate_standard_once_when_the_pass_rate_misses_the_level() -> None:
    terms = scoring.StandardTerms(scoring.RATE, D(5), D(5), D(15), D(95))
    assert scoring.deduction(terms, occurrences=1, passed=19, checked=20) == 0  # 95 % exactly
    assert scoring.deduction(terms, occurrences=2, passed=18, checked=20) == 5  # 90 %
    # 18 999 of 20 000 is 94.995 %, 95.00 % once rounded: still short of the level.
    assert scoring.deduction(terms, occurrences=1001, passed=18_999, checked=20_000) == 5
    assert scoring.deduction(terms, occurrences=0, passed=0, checked=0) == 0  # nothing checked


def test_it_refuses_impossible_counts() -> None:
    terms = scoring.StandardTerms(scoring.PER_OCCURRENCE, D(2), D(10), D(60), D(95))
    with pytest.raises(ValueError):
        scoring.deduction(terms, occurrences=-1, passed=0, checked=0)
    with pytest.raises(ValueError):
        scoring.pass_rate(passed=3, checked=2)
    assert scoring.pass_rate(passed=0, checked=0) is None
    assert scoring.pass_rate(passed=2, checked=3) == D("66.67")


def test_the_score_never_goes_below_zero() -> None:
    assert scoring.score([D(60), D(40), D(10)]) == 0
    assert scoring.score([]) == 100


# ---- Pay band, rating, termination ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (D(100), scoring.EXCEPTIONAL),
        (D(95), scoring.EXCEPTIONAL),
        (D("94.99"), scoring.VERY_GOOD),
        (D(90), scoring.VERY_GOOD),
        (D("89.99"), scoring.SATISFACTORY),
        (D(80), scoring.SATISFACTORY),
        (D("79.99"), scoring.MARGINAL),
        (D(70), scoring.MARGINAL),
        (D("69.99"), scoring.UNSATISFACTORY),
        (D(0), scoring.UNSATISFACTORY),
    ],
)
def test_it_rates_at_the_boundaries(value: Decimal, grade: str) -> None:
    assert scoring.rating(value, THRESHOLDS) == grade


def test_it_rates_by_the_contracts_own_thresholds() -> None:
    assert scoring.rating(D(93), (D(98), D(93), D(85), D(75))) == scoring.VERY_GOOD
    assert scoring.rating(D(97), (D(98), D(93), D(85), D(75))) == scoring.VERY_GOOD


def test_the_band_ending_at_100_includes_100_and_a_band_excludes_its_top() -> None:
    assert scoring.band_for(D(100), BANDS) is BANDS[0]
    assert scoring.band_for(D(95), BANDS) is BANDS[0]
    assert scoring.band_for(D("94.99"), BANDS) is BANDS[1]
    assert scoring.band_for(D(90), BANDS) is BANDS[1]
    assert scoring.band_for(D("89.99"), BANDS) is BANDS[2]
    assert scoring.band_for(D(0), BANDS) is BANDS[2]


def test_it_refuses_a_score_that_falls_in_a_gap_between_bands() -> None:
    gapped = [BANDS[0], scoring.Band(D(0), D(90), None, True, D(0))]  # 90–95 missing
    with pytest.raises(scoring.NoBandError):
        scoring.band_for(D(92), gapped)
    assert scoring.band_for(D(89), gapped) is gapped[1]


@given(points)
def test_the_bands_cover_every_score(value: Decimal) -> None:
    band = scoring.band_for(value, BANDS)
    factor = scoring.payment_factor(value, band)
    assert 0 <= factor <= 1
    assert factor == (1 if value >= 90 else value / 100)


def test_termination_is_warned_after_enough_months_in_a_row_below_the_score() -> None:
    below = D(75)
    assert scoring.termination_warning([D(70), D(74), D("74.99")], below=below, months=3)
    assert not scoring.termination_warning([D(70), D(75), D(60)], below=below, months=3)
    assert not scoring.termination_warning([D(70), D(60)], below=below, months=3)
    # Only the newest months count: a good month long ago does not matter.
    assert scoring.termination_warning([D(99), D(70), D(60), D(50)], below=below, months=3)
    assert scoring.termination_warning([D(10)], below=below, months=1)


def test_the_appeal_window_counts_working_days_over_a_weekend() -> None:
    friday = date(2026, 7, 3)
    assert friday.weekday() == 4
    assert scoring.add_working_days(friday, 1) == date(2026, 7, 6)  # Monday
    assert scoring.add_working_days(friday, 5) == date(2026, 7, 10)  # the next Friday
    saturday = date(2026, 7, 4)
    assert scoring.add_working_days(saturday, 1) == date(2026, 7, 6)
    assert scoring.add_working_days(date(2026, 7, 1), 0) == date(2026, 7, 1)


def test_it_steps_months_across_years() -> None:
    assert scoring.add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert scoring.add_months(date(2026, 1, 15), -1) == date(2025, 12, 1)


# ---- Certificate ---------------------------------------------------------------------------------


@given(
    fen_amounts,
    st.lists(
        st.tuples(st.text(min_size=1, max_size=4), st.decimals(min_value=0, max_value=100)),
        min_size=1,
        max_size=10,
        unique_by=lambda t: t[0],
    ),
)
def test_split_is_exact_for_any_weights(total: Decimal, weights: list) -> None:
    shares = scoring.split(total, weights)
    assert [label for label, _s in shares] == [label for label, _w in weights]
    weight_sum = sum((w for _l, w in weights), D(0))
    if weight_sum == 0:
        assert all(share == 0 for _l, share in shares)
        return
    assert sum((share for _l, share in shares), D(0)) == total
    for (_label, share), (_l, weight) in zip(shares, weights, strict=True):
        assert share == share.quantize(FEN)
        assert share >= 0
        assert abs(share - total * weight / weight_sum) < FEN  # never more than a fen off
        if weight == 0:
            assert share == 0


@st.composite
def certificates(draw: st.DrawFn) -> scoring.Certificate:
    band = draw(st.sampled_from(BANDS))
    value = draw(
        st.decimals(
            min_value=band.min_score,
            max_value=band.max_score,
            places=2,
        ).filter(lambda v: v < band.max_score or v == 100)
    )
    # Points add up to what the score lost; at least one line carries them when the band pays
    # less than the full fee.
    lost = 100 - value
    cut = draw(st.decimals(min_value=0, max_value=lost, places=2))
    lines = [("A", cut), ("B", lost - cut), ("C", D(0))]
    adjustments = draw(
        st.lists(
            st.tuples(
                st.just("correction"),
                st.decimals(min_value=-5000, max_value=5000, places=2).filter(lambda a: a != 0),
            ),
            max_size=3,
        )
    )
    return scoring.certificate(
        fee=draw(fen_amounts),
        factor=scoring.payment_factor(value, band),
        bonus_rate=band.bonus_rate,
        retention_rate=draw(rates),
        points_by_standard=lines,
        adjustments=adjustments,
        retention_released=draw(st.decimals(min_value=0, max_value=100_000, places=2)),
    )


@given(certificates())
def test_a_certificates_lines_add_up_to_its_totals_to_the_fen(cert: scoring.Certificate) -> None:
    assert sum((a for _l, a in cert.deduction_by_standard), D(0)) == cert.deduction
    assert cert.net == (
        cert.fee
        - cert.deduction
        + cert.bonus
        + sum((a for _l, a in cert.adjustments), D(0))
        - cert.retention
        + cert.retention_released
    )
    for amount in (cert.fee, cert.deduction, cert.bonus, cert.retention, cert.net):
        assert amount == amount.quantize(FEN)
    assert cert.problems() == []


def test_worked_example_proportional_band() -> None:
    # Fee 100,000.00; CL-01 deducts 9 points and CL-02 4: score 100 − 13 = 87, in the
    # proportional band → factor 0.87.
    # Deduction = 100,000.00 × (1 − 0.87) = 13,000.00, split 9 : 4 → 9,000.00 and 4,000.00.
    # Payable before retention = 100,000.00 − 13,000.00 = 87,000.00; retention 5 % = 4,350.00.
    # Net = 87,000.00 − 4,350.00 = 82,650.00.
    value = scoring.score([D(9), D(4)])
    assert value == 87
    band = scoring.band_for(value, BANDS)
    factor = scoring.payment_factor(value, band)
    assert factor == D("0.87")
    cert = scoring.certificate(
        fee=D("100000.00"),
        factor=factor,
        bonus_rate=band.bonus_rate,
        retention_rate=D("0.05"),
        points_by_standard=[("CL-01", D(9)), ("CL-02", D(4))],
    )
    assert cert.deduction == D("13000.00")
    assert cert.deduction_by_standard == [("CL-01", D("9000.00")), ("CL-02", D("4000.00"))]
    assert cert.bonus == 0
    assert cert.retention == D("4350.00")
    assert cert.net == D("82650.00")
    assert scoring.rating(value, THRESHOLDS) == scoring.SATISFACTORY


def test_worked_example_bonus_band() -> None:
    # Fee 120,000.00, score 97 (3 points lost) in the 95–100 band: full fee, no deduction,
    # bonus 2 % = 2,400.00. Payable 122,400.00; retention 5 % = 6,120.00; net 116,280.00.
    cert = scoring.certificate(
        fee=D("120000.00"),
        factor=D(1),
        bonus_rate=D("0.02"),
        retention_rate=D("0.05"),
        points_by_standard=[("CL-01", D(3)), ("CL-02", D(0))],
    )
    assert cert.deduction == 0
    assert cert.deduction_by_standard == [("CL-01", D(0)), ("CL-02", D(0))]
    assert cert.bonus == D("2400.00")
    assert cert.retention == D("6120.00")
    assert cert.net == D("116280.00")


def test_worked_example_largest_remainder_over_three_equal_standards() -> None:
    # Fee 33,333.33, score 97 paid in proportion (factor 0.97), three standards 1 point each.
    # Deduction = 33,333.33 × 0.03 = 999.9999 → 1,000.00 (half up, to the fen, once).
    # 1,000.00 ÷ 3 = 333.333…: each floor 333.33, 999.99 in all; the fen left goes to the
    # largest remainder, ties to the earlier line → 333.34, 333.33, 333.33.
    # Payable = 33,333.33 − 1,000.00 = 32,333.33; retention 5 % = 1,616.6665 → 1,616.67.
    # Net = 32,333.33 − 1,616.67 = 30,716.66.
    cert = scoring.certificate(
        fee=D("33333.33"),
        factor=D("0.97"),
        bonus_rate=D(0),
        retention_rate=D("0.05"),
        points_by_standard=[("S1", D(1)), ("S2", D(1)), ("S3", D(1))],
    )
    assert cert.deduction == D("1000.00")
    assert cert.deduction_by_standard == [
        ("S1", D("333.34")),
        ("S2", D("333.33")),
        ("S3", D("333.33")),
    ]
    assert cert.retention == D("1616.67")
    assert cert.net == D("30716.66")


def test_worked_example_where_half_up_differs_from_bankers_rounding() -> None:
    # Fee 33,333.50 × 0.03 = 1,000.005: half up gives 1,000.01 (half even would give 1,000.00).
    # 1,000.01 ÷ 3 = 333.336…: floors 333.33 × 3 = 999.99, two fen left for the first two lines
    # (equal remainders, earlier first) → 333.34, 333.34, 333.33.
    # Payable = 33,333.50 − 1,000.01 = 32,333.49; retention 5 % = 1,616.6745 → 1,616.67.
    # Net = 32,333.49 − 1,616.67 = 30,716.82.
    cert = scoring.certificate(
        fee=D("33333.50"),
        factor=D("0.97"),
        bonus_rate=D(0),
        retention_rate=D("0.05"),
        points_by_standard=[("S1", D(1)), ("S2", D(1)), ("S3", D(1))],
    )
    assert cert.deduction == D("1000.01")
    assert [a for _l, a in cert.deduction_by_standard] == [D("333.34"), D("333.34"), D("333.33")]
    assert cert.retention == D("1616.67")
    assert cert.net == D("30716.82")
    assert scoring.to_fen(D("0.125")) == D("0.13")
    assert scoring.to_fen(D("-0.125")) == D("-0.13")


def test_adjustments_and_released_retention_reach_the_net() -> None:
    # Fee 10,000.00 at full pay; a correction of −300.00 → payable 9,700.00; retention 10 %
    # = 970.00; 2,500.00 released at the end. Net = 9,700.00 − 970.00 + 2,500.00 = 11,230.00.
    cert = scoring.certificate(
        fee=D("10000.00"),
        factor=D(1),
        bonus_rate=D(0),
        retention_rate=D("0.1"),
        points_by_standard=[("S1", D(0))],
        adjustments=[("Correction to 2026-05", D("-300.00"))],
        retention_released=D("2500.00"),
    )
    assert cert.adjustment_total == D("-300.00")
    assert cert.retention == D("970.00")
    assert cert.net == D("11230.00")


def test_a_certificate_whose_lines_would_not_sum_says_so() -> None:
    cert = scoring.Certificate(
        fee=D("100.00"),
        deduction=D("10.00"),
        deduction_by_standard=[("S1", D("4.00")), ("S2", D("5.00"))],
        bonus=D(0),
        adjustments=[],
        retention=D("4.50"),
        retention_released=D(0),
    )
    assert "deductions_do_not_sum" in cert.problems()
    not_fen = scoring.Certificate(
        fee=D("100.005"),
        deduction=D(0),
        deduction_by_standard=[],
        bonus=D(0),
        adjustments=[],
        retention=D(0),
        retention_released=D(0),
    )
    assert "not_in_fen" in not_fen.problems()


def test_it_refuses_a_factor_outside_0_to_1() -> None:
    with pytest.raises(ValueError):
        scoring.certificate(
            fee=D(100),
            factor=D("1.1"),
            bonus_rate=D(0),
            retention_rate=D(0),
            points_by_standard=[],
        )
