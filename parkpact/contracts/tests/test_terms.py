"""Pay bands must cover 0–100 exactly once; weights must share 100 points."""

import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from parkpact.contracts.terms import pay_band_problems, weight_total_problem

cuts = st.lists(st.integers(1, 9999), unique=True, max_size=6).map(
    lambda xs: [Decimal(0), *sorted(Decimal(x) / 100 for x in xs), Decimal(100)]
)


def bands_from(points: list[Decimal]) -> list[tuple[Decimal, Decimal]]:
    return list(itertools.pairwise(points))


@given(cuts)
def test_it_accepts_any_partition_of_0_to_100(points: list[Decimal]) -> None:
    assert pay_band_problems(bands_from(points)) == []


@given(cuts.filter(lambda p: len(p) > 2), st.data())
def test_it_finds_the_gap_left_by_a_removed_band(
    points: list[Decimal], data: st.DataObject
) -> None:
    bands = bands_from(points)
    index = data.draw(st.integers(0, len(bands) - 1))
    removed = bands.pop(index)
    codes = {p.code for p in pay_band_problems(bands)}
    if index == 0:
        assert "starts_above_zero" in codes
    elif index == len(bands):
        assert "ends_below_full" in codes
    else:
        assert [p.at for p in pay_band_problems(bands) if p.code == "gap"] == [removed[0]]


def test_it_finds_an_overlap() -> None:
    problems = pay_band_problems([(Decimal(0), Decimal(91)), (Decimal(90), Decimal(100))])
    assert [(p.code, p.at) for p in problems] == [("overlap", Decimal(90))]


def test_it_needs_bands() -> None:
    assert [p.code for p in pay_band_problems([])] == ["empty"]


def test_weights_must_add_up_to_100() -> None:
    assert weight_total_problem([Decimal(60), Decimal(40)]) is None
    assert weight_total_problem([Decimal(60), Decimal(30)]) == Decimal(90)
