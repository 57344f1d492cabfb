from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from parkpact.patrols import compliance, ordering


@given(st.lists(st.integers(1, 10_000), unique=True, max_size=30), st.uuids())
def test_it_draws_a_permutation_that_the_round_uuid_reproduces(ids: list[int], uuid: UUID) -> None:
    order = ordering.draw_order(ids, uuid)
    assert sorted(order) == sorted(ids)
    assert order == ordering.draw_order(ids, uuid)


def test_it_keeps_the_documented_seed() -> None:
    uuid = UUID("00000000-0000-4000-8000-000000000000")
    assert ordering.round_seed(uuid) == int.from_bytes(
        __import__("hashlib")
        .sha256(b"parkpact.patrols.round-order:00000000-0000-4000-8000-000000000000")
        .digest()[:8],
        "big",
    )


def test_it_finds_a_checkpoint_out_of_order_only_when_an_earlier_one_is_unscanned() -> None:
    assert ordering.is_out_of_order([1, 2, 3], set(), 2)
    assert not ordering.is_out_of_order([1, 2, 3], {1}, 2)
    assert not ordering.is_out_of_order([1, 2, 3], set(), 1)
    assert not ordering.is_out_of_order([], set(), 3)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_it_keeps_compliance_between_0_and_100(a: int, b: int) -> None:
    scanned, scheduled = min(a, b), max(a, b)
    rate = compliance.compliance_rate(scanned=scanned, scheduled=scheduled)
    if scheduled == 0:
        assert rate is None
    else:
        assert rate is not None and Decimal(0) <= rate <= Decimal(100)


def test_it_measures_response_against_the_target() -> None:
    assert compliance.within_target(timedelta(minutes=5), 5)
    assert not compliance.within_target(timedelta(minutes=5, seconds=1), 5)
    assert compliance.response_minutes(timedelta(seconds=270)) == Decimal("4.5")
