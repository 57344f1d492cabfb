from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.core.forms import StyledFormMixin


def _amount(label: Any, help_text: Any = "") -> forms.DecimalField:
    # No bounds here: the service checks them and says which field is at fault.
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )


class CostBreakdownForm(StyledFormMixin, forms.Form):
    """The manager's cost figures for one contract."""

    staff_hours_per_zone_day = _amount(
        _("staff hours per zone-day"),
        _("Hours of the contractor's staff one zone needs on one day, e.g. 6."),
    )
    wage_per_hour = _amount(
        _("staff wage per hour (CNY)"),
        _("What an hour of the contractor's staff costs, social insurance included."),
    )
    consumables_per_zone_day = _amount(
        _("consumables per zone-day (CNY)"),
        _("Bags, cleaning agents, fuel… for one zone on one day."),
    )
    inspector_hours_per_visit = _amount(
        _("inspector hours per visit"),
        _("Hours one inspection visit takes the centre's inspector, travel included."),
    )
    inspector_wage_per_hour = _amount(_("inspector wage per hour (CNY)"))


def _figure(label: Any, help_text: Any = "", *, max_digits: int = 10) -> forms.DecimalField:
    # Not required here: the service says which part of the comparator is missing, and why.
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        max_digits=max_digits,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )


class InHouseComparatorForm(StyledFormMixin, forms.Form):
    """What the centre would spend a month doing the contract's work itself."""

    staff = _figure(
        _("full-time staff"),
        _("How many full-time staff the centre would need for the same work."),
        max_digits=6,
    )
    monthly_wage_per_staff = _figure(
        _("monthly wage per staff (CNY)"),
        _("Wage of one full-time staff member per month, social insurance included."),
    )
    equipment_per_month = _figure(
        _("equipment per month (CNY)"),
        _("Depreciation and maintenance of vehicles, machines and tools."),
    )
    consumables_per_month = _figure(
        _("consumables per month (CNY)"), _("Bags, cleaning agents, fuel, uniforms…")
    )
    overhead_rate = _figure(
        _("management overhead (%)"),
        _("Supervision, administration and training, as a share of the costs above."),
        max_digits=5,
    )
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the figures come from, e.g. the 2026 wage survey."),
    )
