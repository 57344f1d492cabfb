"""What a city is built from, and how each table grows with it (docs/city.md).

No Django import: ``bench.city`` imports this before Django is configured.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

# Bump when the builder writes different rows for the same parameters: a database whose marker
# carries another version is rebuilt, not reused. 1: the benchmarks' first builder (100,000
# requests × scale, readings in the last month only); 2: 10,000 requests per park-year and
# readings over every month.
BUILDER_VERSION = 2
FIRST_MONTH = date(2025, 1, 1)
LOCAL = ZoneInfo("Asia/Shanghai")
REQUESTS_PER_PARK_YEAR = 10_000  # × parks × months / 12 × scale: 1,000,000 for 100 parks
READING_SECONDS = 30 * 60  # every sensor's interval at scale 1; divided by the scale
SHORTEST_READING_SECONDS = 60
VISITS = {"CL-01": 24, "CL-02": 12, "SE-03": 6}  # zone-visits a month per plan, at scale 1
INCIDENTS_PER_MONTH = 15  # per security contract, at scale 1
LIMITS = {"parks": (1, 1000), "months": (1, 36), "scale": (0.01, 20.0)}


@dataclass(frozen=True)
class CityParameters:
    """What a city is built from: equal parameters give an equal database."""

    parks: int = 100
    months: int = 12
    scale: float = 1.0
    seed: int = 1
    first_month: str = FIRST_MONTH.isoformat()
    version: int = BUILDER_VERSION

    @property
    def first(self) -> date:
        return date.fromisoformat(self.first_month)

    @property
    def assessed_month(self) -> date:
        """The year's last month: the one ``assess`` and the benchmarks measure."""
        return add_months(self.first, self.months - 1)

    @property
    def service_requests(self) -> int:
        return round(REQUESTS_PER_PARK_YEAR * self.parks * self.months / 12 * self.scale)

    @property
    def reading_seconds(self) -> int:
        """Every sensor reads at this interval over every month: 30 minutes ÷ scale."""
        return max(SHORTEST_READING_SECONDS, round(READING_SECONDS / self.scale))


def check_parameters(*, parks: int, months: int, scale: float) -> list[str]:
    """What is wrong with these sizes, in plain English (empty when they are fine)."""
    problems = []
    for name, value in (("parks", parks), ("months", months), ("scale", scale)):
        low, high = LIMITS[name]
        if not low <= value <= high:
            problems.append(f"--{name} must be between {low:g} and {high:g} (got {value:g}).")
    return problems


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    """The UTC moment a local (Asia/Shanghai) month begins."""
    return datetime.combine(month, clock(), tzinfo=LOCAL).astimezone(UTC)
