"""What a contract's work costs, so that ParkPact can weigh what skipping it saves against what
the monitoring and the deductions make it cost (docs/incentives.md)."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract

from .value import in_house_monthly_cost

FEN = Decimal("0.01")

# Beyond these a figure is a typing mistake, not a cost: a zone-day has 24 hours, and no park
# worker or inspector in Quanzhou earns more than 1,000 CNY an hour.
MAX_HOURS = Decimal(24)
MAX_WAGE = Decimal(1000)
MAX_CONSUMABLES = Decimal(10000)

HOURS: dict[str, Any] = {"max_digits": 5, "decimal_places": 2}
MONEY: dict[str, Any] = {"max_digits": 10, "decimal_places": 2}


class ContractFigures(models.Model):
    """Figures a manager enters for a contract, one row per contract, saved through
    ``services.save_for_contract`` (which records who changed them, in the ledger too)."""

    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CostBreakdown(ContractFigures):
    """What one zone-day of a contract's work costs the contractor (staff hours, wages,
    consumables), entered by the contract manager; and what one inspection visit costs the
    centre. Optional: without it the saving defaults to the zone's share of the fee by area."""

    contract = models.OneToOneField(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="cost_breakdown",
    )
    staff_hours_per_zone_day = models.DecimalField(
        _("staff hours per zone-day"),
        **HOURS,
        help_text=_("Hours of the contractor's staff one zone needs on one day, e.g. 6."),
    )
    wage_per_hour = models.DecimalField(
        _("staff wage per hour (CNY)"),
        **MONEY,
        help_text=_("What an hour of the contractor's staff costs, social insurance included."),
    )
    consumables_per_zone_day = models.DecimalField(
        _("consumables per zone-day (CNY)"),
        **MONEY,
        help_text=_("Bags, cleaning agents, fuel… for one zone on one day."),
    )
    inspector_hours_per_visit = models.DecimalField(
        _("inspector hours per visit"),
        **HOURS,
        help_text=_("Hours one inspection visit takes the centre's inspector, travel included."),
    )
    inspector_wage_per_hour = models.DecimalField(_("inspector wage per hour (CNY)"), **MONEY)

    class Meta:
        verbose_name = _("cost breakdown")
        verbose_name_plural = _("cost breakdowns")
        constraints = [
            models.CheckConstraint(
                condition=Q(staff_hours_per_zone_day__gte=0, staff_hours_per_zone_day__lte=24)
                & Q(inspector_hours_per_visit__gte=0, inspector_hours_per_visit__lte=24),
                name="incentives_cost_hours_in_a_day",
            ),
            models.CheckConstraint(
                condition=Q(wage_per_hour__gte=0, wage_per_hour__lte=1000)
                & Q(inspector_wage_per_hour__gte=0, inspector_wage_per_hour__lte=1000),
                name="incentives_cost_wages_plausible",
            ),
            models.CheckConstraint(
                condition=Q(consumables_per_zone_day__gte=0, consumables_per_zone_day__lte=10000),
                name="incentives_cost_consumables_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.saving_per_zone_day()} CNY per zone-day"

    def saving_per_zone_day(self) -> Decimal:
        """What the contractor keeps by leaving one zone undone for one day."""
        return (
            self.staff_hours_per_zone_day * self.wage_per_hour + self.consumables_per_zone_day
        ).quantize(FEN)

    def cost_per_visit(self) -> Decimal:
        """What one inspection visit costs the centre."""
        return (self.inspector_hours_per_visit * self.inspector_wage_per_hour).quantize(FEN)


# Beyond these an in-house figure is a typing mistake (docs/incentives.md, "Value for money").
MAX_STAFF = Decimal(500)
MAX_MONTHLY_WAGE = Decimal(100000)
MAX_MONTHLY_COST = Decimal(1000000)
MAX_OVERHEAD_RATE = Decimal(100)


class InHouseComparator(ContractFigures):
    """What the centre would spend in a month doing the contract's work itself (its own staff,
    wages, equipment, consumables and management overhead), entered by the contract manager:
    the benchmark the contract's value for money is measured against."""

    contract = models.OneToOneField(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="in_house_comparator",
    )
    staff = models.DecimalField(
        _("full-time staff"),
        max_digits=6,
        decimal_places=2,
        help_text=_("How many full-time staff the centre would need for the same work."),
    )
    monthly_wage_per_staff = models.DecimalField(
        _("monthly wage per staff (CNY)"),
        **MONEY,
        help_text=_("Wage of one full-time staff member per month, social insurance included."),
    )
    equipment_per_month = models.DecimalField(
        _("equipment per month (CNY)"),
        **MONEY,
        help_text=_("Depreciation and maintenance of vehicles, machines and tools."),
    )
    consumables_per_month = models.DecimalField(
        _("consumables per month (CNY)"),
        **MONEY,
        help_text=_("Bags, cleaning agents, fuel, uniforms…"),
    )
    overhead_rate = models.DecimalField(
        _("management overhead (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Supervision, administration and training, as a share of the costs above."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("in-house comparator")
        verbose_name_plural = _("in-house comparators")
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__gt=0, staff__lte=500),
                name="incentives_in_house_staff_plausible",
            ),
            models.CheckConstraint(
                condition=Q(monthly_wage_per_staff__gt=0, monthly_wage_per_staff__lte=100000),
                name="incentives_in_house_wage_plausible",
            ),
            models.CheckConstraint(
                condition=Q(equipment_per_month__gte=0, equipment_per_month__lte=1000000)
                & Q(consumables_per_month__gte=0, consumables_per_month__lte=1000000),
                name="incentives_in_house_costs_plausible",
            ),
            models.CheckConstraint(
                condition=Q(overhead_rate__gte=0, overhead_rate__lte=100),
                name="incentives_in_house_overhead_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.monthly_cost()} CNY per month in-house"

    def monthly_cost(self) -> Decimal:
        """(staff × wage + equipment + consumables) × (1 + overhead ÷ 100), to the fen."""
        return in_house_monthly_cost(
            staff=self.staff,
            monthly_wage_per_staff=self.monthly_wage_per_staff,
            equipment_per_month=self.equipment_per_month,
            consumables_per_month=self.consumables_per_month,
            overhead_rate=self.overhead_rate,
        )


class Scenario(models.Model):
    """A saved what-if on a contract's deterrence check: plan sizes, points per occurrence and
    caps as they might be, per standard code. The contract is untouched until a manager turns
    the scenario into a draft amendment or next month's plans (docs/incentives.md)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="scenarios"
    )
    name = models.CharField(_("name"), max_length=120)
    month = models.DateField(_("month"), help_text=_("The month whose check it changes."))
    sample_sizes = models.JSONField(
        _("plan sizes"),
        default=dict,
        # xgettext:no-python-format
        help_text=_("Standard code → zone-visits in the month (visits per zone, 100 % checks)."),
    )
    points = models.JSONField(_("points per occurrence"), default=dict)
    caps = models.JSONField(_("monthly caps"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    amendment = models.ForeignKey(
        "contracts.Amendment",
        verbose_name=_("draft amendment"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    plans = models.ManyToManyField(
        "inspections.SurveillancePlan",
        verbose_name=_("plans drafted"),
        related_name="+",
        blank=True,
    )

    class Meta:
        verbose_name = _("what-if scenario")
        verbose_name_plural = _("what-if scenarios")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="incentives_scenario_month"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.name}"
