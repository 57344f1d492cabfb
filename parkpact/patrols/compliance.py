"""Patrol compliance and incident response arithmetic, without Django.

Compliance of a contract for a month = checkpoints scanned ÷ checkpoints scheduled, over the
rounds whose window opened in that month and has closed; a checkpoint scanned twice on one
round counts once.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Compliance:
    scheduled: int
    scanned: int

    @property
    def rate(self) -> Decimal | None:
        """Per cent, one decimal place; None when nothing was scheduled."""
        return compliance_rate(scanned=self.scanned, scheduled=self.scheduled)


def compliance_rate(*, scanned: int, scheduled: int) -> Decimal | None:
    if scanned < 0 or scheduled < 0 or scanned > scheduled:
        raise ValueError("scanned must lie between 0 and scheduled")
    if scheduled == 0:
        return None
    return (Decimal(scanned) * HUNDRED / Decimal(scheduled)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def response_minutes(response: timedelta) -> Decimal:
    """A response time in minutes, one decimal place."""
    return (Decimal(response.total_seconds()) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def within_target(response: timedelta, target_minutes: int) -> bool:
    return response <= timedelta(minutes=target_minutes)
