"""Threshold arithmetic over readings, for alerts and for the monthly assessment. No Django.

A series of readings is a step function: each value holds from its time until the next
reading (the last one until ``end``). "Above the threshold" means value >= threshold.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

Sample = tuple[datetime, float]


@dataclass(frozen=True)
class Breach:
    """The state of a rule after the latest reading: ``since`` is when the current run above the
    threshold began (None when the latest reading is normal); ``due`` is True once that run
    has lasted at least the rule's duration."""

    since: datetime | None
    due: bool


def current_breach(samples: Sequence[Sample], *, threshold: float, duration: timedelta) -> Breach:
    """Where the latest run above the threshold stands; samples in time order."""
    since = None
    for time, value in samples:
        since = (since or time) if value >= threshold else None
    if since is None:
        return Breach(since=None, due=False)
    return Breach(since=since, due=samples[-1][0] - since >= duration)


def time_above(
    samples: Sequence[Sample], *, threshold: float, start: datetime, end: datetime
) -> timedelta:
    """How long the series stayed at or above the threshold between start and end.

    ``samples`` in time order; the reading before ``start`` (if given) sets the value at start.
    """
    total = timedelta(0)
    for (time, value), following in zip(samples, [*samples[1:], None], strict=True):
        until = following[0] if following else end
        low, high = max(time, start), min(until, end)
        if value >= threshold and high > low:
            total += high - low
    return total
