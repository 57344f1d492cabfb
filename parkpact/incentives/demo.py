"""Demo: the Donghu cleaning contract's cost breakdown (docs/demo.md, "Deterrence check").

A zone-day of cleaning costs the contractor 3 staff hours at 22 CNY plus 14 CNY of bags and
agents: 80 CNY. Against the 1,730 CNY that one more CL-01 occurrence costs it, a skipped zone-day
is deterred only where detection reaches 1.5 × 80 ÷ 1,730 ≈ 0.07 — about two visits a month
with the public's reports. The lakeside zones, seldom drawn by the CL-01 plan and seldom
reported by visitors, fall short; the busy paths and plazas do not.
"""

from decimal import Decimal
from typing import Any

from .models import CostBreakdown
from .services import save_cost_breakdown

CLEANING_COSTS = {
    "staff_hours_per_zone_day": Decimal("3.00"),
    "wage_per_hour": Decimal("22.00"),
    "consumables_per_zone_day": Decimal("14.00"),
    "inspector_hours_per_visit": Decimal("1.50"),
    "inspector_wage_per_hour": Decimal("45.00"),
}


def has_data() -> bool:
    return CostBreakdown.objects.exists()


def seed(context: dict[str, Any]) -> None:
    contract = context["contracts"]["cleaning"]
    if CostBreakdown.objects.filter(contract=contract).exists():
        return
    save_cost_breakdown(contract=contract, by=context["users"]["manager"], **CLEANING_COSTS)
