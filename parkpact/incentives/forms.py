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
