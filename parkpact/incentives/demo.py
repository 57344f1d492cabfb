"""Demo: the Donghu cleaning contract's cost breakdown and two what-if scenarios (docs/demo.md,
"Deterrence check").

A zone-day of cleaning costs the contractor 3 staff hours at 22 CNY plus 14 CNY of bags and
agents: 80 CNY. Against the 1,730 CNY that one more CL-01 occurrence costs it, a skipped zone-day
is deterred only where detection reaches 1.5 × 80 ÷ 1,730 ≈ 0.07. CL-01's plan (24 visits a
month) is drawn by area within each zone kind, so the four small lakeshore zones expect about half
a visit each, and visitors seldom report litter there: they fall short, while the busy paths and
plazas do not. The two scenarios are the two fixes the check proposes for them — a plan large
enough for the lakeshore (dear in inspector hours) or a higher deduction (free) — computed from
this month's table, so that they stay true to the demo's data.
"""

from decimal import Decimal
from typing import Any

from django.utils import timezone

from parkpact.parks.models import Zone

from . import demo_value
from .models import CostBreakdown
from .services import Changes, build_table, save_cost_breakdown
from .services_whatif import save_scenario

CLEANING_COSTS = {
    "staff_hours_per_zone_day": Decimal("3.00"),
    "wage_per_hour": Decimal("22.00"),
    "consumables_per_zone_day": Decimal("14.00"),
    "inspector_hours_per_visit": Decimal("1.50"),
    "inspector_wage_per_hour": Decimal("45.00"),
}
# A guarded zone-day: a quarter of a guard's 8-hour shift at 24 CNY, no consumables to speak of.
SECURITY_COSTS = {
    "staff_hours_per_zone_day": Decimal("2.00"),
    "wage_per_hour": Decimal("24.00"),
    "consumables_per_zone_day": Decimal("2.00"),
    "inspector_hours_per_visit": Decimal("1.00"),
    "inspector_wage_per_hour": Decimal("45.00"),
}
STANDARD = "CL-01"


def has_data() -> bool:
    return CostBreakdown.objects.exists() or demo_value.has_data()


def seed(context: dict[str, Any]) -> None:
    contract = context["contracts"]["cleaning"]
    manager = context["users"]["manager"]
    if CostBreakdown.objects.filter(contract=contract).exists():
        return
    save_cost_breakdown(contract=contract, by=manager, **CLEANING_COSTS)
    save_cost_breakdown(contract=context["contracts"]["security"], by=manager, **SECURITY_COSTS)
    demo_value.seed(context)
    month = timezone.localdate().replace(day=1)
    fixes = [
        row.fix
        for row in build_table(contract=contract, month=month).rows
        if row.standard.code == STANDARD
        and row.zone is not None
        and row.zone.kind == Zone.Kind.LAKESHORE
        and row.fix is not None
    ]
    sizes = [fix.sample_size for fix in fixes if fix.sample_size is not None]
    points = [fix.points for fix in fixes if fix.points is not None]
    if sizes:
        save_scenario(
            contract=contract,
            month=month,
            name="湖岸区域加密抽查（CL-01）",
            changes=Changes(sample_sizes={STANDARD: max(sizes)}),
            by=manager,
        )
    if points:
        save_scenario(
            contract=contract,
            month=month,
            name="提高 CL-01 每次扣分",
            changes=Changes(points={STANDARD: max(points)}),
            by=manager,
        )
