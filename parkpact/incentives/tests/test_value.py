"""Value for money, the arithmetic: a month worked out by hand, missing inputs, and properties."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from parkpact.incentives import value

MONTH = date(2026, 3, 1)

# The worked example (docs/incentives.md, "Value for money"), by hand:
#   in-house: (24 staff × 5,800 + 6,500 + 4,200) × 1.18 = 149,900 × 1.18 = 176,882.00
#   paid 159,600.00 over 80,000 m²: 1.995 → 2.00 per m² (half-up)
#   per score point at 95: 159,600 ÷ 95 = 1,680.00
#   monitoring: 12 inspections × 67.50 (1.5 h × 45 CNY) = 810.00
#   total cost to the centre: 159,600 + 810 = 160,410.00
#   in-house − total = 16,472.00, i.e. 16,472 ÷ 160,410 = 10.27 % → 10.3 % dearer in-house
IN_HOUSE = {
    "staff": D(24),
    "monthly_wage_per_staff": D(5800),
    "equipment_per_month": D(6500),
    "consumables_per_month": D(4200),
    "overhead_rate": D(18),
}
FACTS = value.MonthFacts(
    month=MONTH,
    net=D("159600.00"),
    fee=D("168000.00"),
    deduction=D("0.00"),
    bonus=D("0.00"),
    score=D("95.00"),
    grade="exceptional",
    area_m2=D("80000.0"),
    inspections=12,
    cost_per_visit=D("67.50"),
    in_house=D("176882.00"),
)


def test_it_works_out_a_month_as_by_hand() -> None:
    assert value.in_house_monthly_cost(**IN_HOUSE) == D("176882.00")
    month = value.month_value(FACTS, value.peers_of([D("1.80"), D("2.40"), None], [D(90)] * 3))
    assert month.approved
    assert month.paid.value == D("159600.00")
    assert month.cost_per_m2.value == D("2.00")
    assert month.cost_per_point.value == D("1680.00")
    assert month.monitoring.value == D("810.00")
    assert month.total.value == D("160410.00")
    assert month.in_house.value == D("176882.00")
    assert month.difference.value == D("16472.00")
    assert month.difference_percent.value == D("10.3")
    assert month.peers.count == 3
    assert month.peers_cost_per_m2.value == D("2.10")  # median of those with an area
    assert month.peers_score.value == D("90.00")
    assert set(month.total.inputs) == {value.NET, value.INSPECTIONS, value.COST_PER_VISIT}
    assert not month.total.missing


def test_the_overhead_rounds_half_up_to_the_fen() -> None:
    # 1 × 0.05 + 0 + 0 = 0.05; × 1.1 = 0.055 → 0.06
    assert value.in_house_monthly_cost(
        staff=D(1),
        monthly_wage_per_staff=D("0.05"),
        equipment_per_month=D(0),
        consumables_per_month=D(0),
        overhead_rate=D(10),
    ) == D("0.06")


def test_a_missing_input_gives_no_number_and_says_which() -> None:
    bare = value.MonthFacts(month=MONTH, net=D(1000), score=D(0), inspections=3)
    month = value.month_value(bare)
    assert month.paid.value == D(1000)
    assert month.cost_per_m2.value is None and month.cost_per_m2.missing == (value.AREA,)
    assert month.cost_per_point.value is None and month.cost_per_point.missing == (value.SCORE,)
    assert month.monitoring.value is None and month.monitoring.missing == (value.COST_PER_VISIT,)
    assert month.total.value is None
    assert month.difference.value is None
    assert set(month.difference.missing) == {value.COMPARATOR, value.COST_PER_VISIT}
    assert month.peers_cost_per_m2.missing == (value.PEERS,)


def test_a_month_without_an_approved_certificate_says_so() -> None:
    month = value.month_value(value.MonthFacts(month=MONTH, area_m2=D(100), in_house=D(5)))
    assert not month.approved
    assert month.paid.value is None and month.paid.missing == (value.NET,)
    assert month.cost_per_m2.missing == (value.NET,)
    assert month.in_house.value == D(5)


def test_totals_count_only_approved_months_and_the_comparator_for_them() -> None:
    empty = value.MonthFacts(month=date(2026, 4, 1), in_house=D("176882.00"), cost_per_visit=D(1))
    added = value.totals([value.month_value(FACTS), value.month_value(empty)])
    assert added.months == 1
    assert added.paid.value == D("159600.00")
    assert added.in_house.value == D("176882.00")  # the approved month only
    assert added.difference.value == D("16472.00")
    assert added.mean_score.value == D("95.00")
    assert value.totals([]).paid.value is None


def test_percentiles_interpolate_like_a_spreadsheet() -> None:
    hours = [D(1), D(2), D(3), D(4), D(10)]
    assert value.median(hours) == D(3)
    assert value.percentile(hours, 90) == D("7.6")  # 4 + (10 − 4) × 0.6
    assert value.median([D(1), D(2)]) == D("1.5")
    assert value.median([]) is None


money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False)


@given(
    staff=st.decimals(min_value=D("0.01"), max_value=500, places=2),
    wage=st.decimals(min_value=D("0.01"), max_value=100_000, places=2),
    equipment=money,
    consumables=money,
    overhead=st.decimals(min_value=0, max_value=100, places=2),
)
def test_overhead_never_lowers_the_in_house_cost(
    staff: D, wage: D, equipment: D, consumables: D, overhead: D
) -> None:
    parts = {
        "staff": staff,
        "monthly_wage_per_staff": wage,
        "equipment_per_month": equipment,
        "consumables_per_month": consumables,
    }
    cost = value.in_house_monthly_cost(**parts, overhead_rate=overhead)
    direct = value.in_house_monthly_cost(**parts, overhead_rate=D(0))
    assert direct <= cost <= value.in_house_monthly_cost(**parts, overhead_rate=D(100))
    assert cost == cost.quantize(D("0.01"))


@given(st.lists(st.decimals(min_value=0, max_value=10_000, places=1), min_size=1, max_size=40))
def test_a_percentile_lies_between_the_extremes(values: list[D]) -> None:
    low, mid, high = (value.percentile(values, rank) for rank in (0, 50, 90))
    assert low == min(values)
    assert mid is not None and high is not None
    assert min(values) <= mid <= high <= max(values)


@given(net=money, in_house=money, visits=st.integers(0, 200), per_visit=money)
def test_the_difference_says_which_is_dearer(
    net: D, in_house: D, visits: int, per_visit: D
) -> None:
    facts = value.MonthFacts(
        month=MONTH,
        net=net,
        score=D(90),
        area_m2=D(1000),
        inspections=visits,
        cost_per_visit=per_visit,
        in_house=in_house,
    )
    month = value.month_value(facts)
    assert month.total.value == net + visits * per_visit
    assert month.difference.value == in_house - month.total.value
    percent = month.difference_percent.value
    if month.total.value > 0:
        assert percent is not None
        assert (percent > 0) <= (in_house > month.total.value)
    else:
        assert percent is None and month.difference_percent.is_missing
