from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from parkpact.sensors.measures import current_breach, time_above

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_it_waits_for_the_duration_before_a_breach_is_due() -> None:
    samples = [(at(0), 0.5), (at(10), 0.92), (at(30), 0.95)]
    assert current_breach(samples, threshold=0.9, duration=timedelta(minutes=30)).due is False
    samples.append((at(40), 0.97))
    breach = current_breach(samples, threshold=0.9, duration=timedelta(minutes=30))
    assert breach == type(breach)(since=at(10), due=True)


def test_it_ends_a_breach_when_a_reading_is_normal() -> None:
    samples = [(at(0), 0.95), (at(40), 0.95), (at(50), 0.2)]
    assert current_breach(samples, threshold=0.9, duration=timedelta(0)).since is None


def test_it_counts_time_above_within_the_period_only() -> None:
    samples = [(at(-30), 0.95), (at(20), 0.1), (at(50), 0.93)]
    assert time_above(samples, threshold=0.9, start=at(0), end=at(60)) == timedelta(minutes=30)


@given(st.lists(st.tuples(st.integers(0, 1000), st.floats(0, 1)), min_size=1, max_size=30))
def test_it_never_counts_more_than_the_period(points: list[tuple[int, float]]) -> None:
    samples = sorted((at(minute), value) for minute, value in dict(points).items())
    above = time_above(samples, threshold=0.5, start=at(100), end=at(700))
    below = time_above(
        [(time, 1 - value) for time, value in samples], threshold=0.5, start=at(100), end=at(700)
    )
    assert timedelta(0) <= above <= timedelta(minutes=600)
    assert below <= timedelta(minutes=600)
