"""Forms of the assessment pages. The services check the rules; these collect input."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpact.core.forms import StyledFormMixin

from . import scoring


def last_month() -> date:
    return scoring.add_months(timezone.localdate().replace(day=1), -1)


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (the browser's month input), read as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class MonthForm(StyledFormMixin, forms.Form):
    month = MonthField(label=_("month"))

    def clean_month(self) -> date:
        month: date = self.cleaned_data["month"]
        if month > timezone.localdate():
            raise forms.ValidationError(_("A month that has not begun cannot be assessed."))
        return month


class DecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("uphold", _("Uphold: remove the deduction")), ("dismiss", _("Dismiss: keep it"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AdjustmentForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(
        label=_("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Positive pays the provider more; negative recovers an overpayment."),
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))
