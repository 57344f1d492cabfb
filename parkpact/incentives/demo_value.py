"""Demo: the in-house comparators of the Donghu cleaning and security contracts (docs/demo.md,
"Value for money"), entered by the contract manager through ``save_comparator``.

Figures a Quanzhou park centre would give for doing the work with its own staff, wages with
social insurance and the housing fund (about 38 % on top of the take-home pay):

- cleaning: 21 cleaners × 5,400 CNY, 5,600 CNY of sweeper and electric-cart depreciation and
  upkeep, 4,200 CNY of bags, agents and water, 18 % overhead → 145,376 CNY a month, about 10 %
  above what the contract has cost the centre in 2026 with its monitoring (≈ 132,000 a month:
  the net after deductions and retention, plus the inspections);
- security: 16 guards × 5,000 CNY, 2,200 CNY of radios, patrol devices and upkeep, 800 CNY of
  uniforms and consumables, 20 % overhead (shifts, training) → 99,600 CNY a month, about 9 %
  above the 91,200 CNY the contract pays net. The security contract has no cost breakdown, so
  its monitoring cost and the comparison say "input missing": the page shows what to enter.
"""

from decimal import Decimal
from typing import Any

from .models import InHouseComparator
from .services_value import save_comparator

COMPARATORS: dict[str, dict[str, Any]] = {
    "cleaning": {
        "staff": Decimal(21),
        "monthly_wage_per_staff": Decimal(5400),
        "equipment_per_month": Decimal(5600),
        "consumables_per_month": Decimal(4200),
        "overhead_rate": Decimal(18),
        "note": "按2026年泉州市环卫岗位工资（含五险一金）测算",
    },
    "security": {
        "staff": Decimal(16),
        "monthly_wage_per_staff": Decimal(5000),
        "equipment_per_month": Decimal(2200),
        "consumables_per_month": Decimal(800),
        "overhead_rate": Decimal(20),
        "note": "按三班倒自建保安队伍测算（含五险一金、培训）",
    },
}


def has_data() -> bool:
    return InHouseComparator.objects.exists()


def seed(context: dict[str, Any]) -> None:
    manager = context["users"]["manager"]
    for key, figures in COMPARATORS.items():
        contract = context["contracts"][key]
        if InHouseComparator.objects.filter(contract=contract).exists():
            continue
        save_comparator(contract=contract, by=manager, **figures)
