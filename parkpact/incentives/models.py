"""What a contract's work costs, so that ParkPact can weigh what skipping it saves against what
the monitoring and the deductions make it cost (docs/incentives.md)."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract

FEN = Decimal("0.01")

# Beyond these a figure is a typing mistake, not a cost: a zone-day has 24 hours, and no park
# worker or inspector in Quanzhou earns more than 1,000 CNY an hour.
MAX_HOURS = Decimal(24)
MAX_WAGE = Decimal(1000)
MAX_CONSUMABLES = Decimal(10000)

HOURS: dict[str, Any] = {"max_digits": 5, "decimal_places": 2}
MONEY: dict[str, Any] = {"max_digits": 10, "decimal_places": 2}


class CostBreakdown(models.Model):
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
