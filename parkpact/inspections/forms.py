"""Forms for supervision pages. Services validate; these only collect the input."""

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import PerformanceStandard
from parkpact.core.forms import StyledFormMixin

WINDOW = re.compile(r"(\d{1,2}):(\d{2})\s*[-–—~～]\s*(\d{1,2}):(\d{2})")
WINDOW_SEPARATORS = re.compile(r"[\s,;，；、]*")
WINDOW_MESSAGE = _(
    "Write each time window as HH:MM-HH:MM, opening before it closes and within one day, "
    "e.g. 07:00-09:00."
)


def parse_month(value: str | None) -> date | None:
    """ "2026-12" → 1 December 2026; None for anything else."""
    match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value or "")
    if match is None:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


class StandardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, PerformanceStandard)
        return f"{obj.code} {obj.name} · {obj.get_method_display()}"


class PlanForm(StyledFormMixin, forms.Form):
    """A draft plan for one standard of a contract in one month (the month comes with it)."""

    month = forms.CharField(widget=forms.HiddenInput)
    standard = StandardChoiceField(label=_("standard"), queryset=PerformanceStandard.objects.none())
    sample_size = forms.IntegerField(
        label=_("zone-visits in the month"),
        min_value=1,
        required=False,
        help_text=_(
            "For a random sample or periodic inspection: how many visits to draw, spread over "
            "zone kinds by area (toilets and playgrounds get at least one)."
        ),
    )
    visits_per_zone = forms.IntegerField(
        label=_("visits to each zone"),
        min_value=1,
        initial=1,
        required=False,
        # xgettext:no-python-format
        help_text=_("For a 100 % check: every zone in scope is visited this many times."),
    )
    windows = forms.CharField(
        label=_("daily time windows"),
        initial="07:00-09:00, 14:00-16:00",
        help_text=_("When visits may happen, e.g. 07:00-09:00, 14:00-16:00."),
    )

    def __init__(
        self, *args: Any, standards: list[PerformanceStandard] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["standard"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = PerformanceStandard.objects.filter(
            pk__in=[s.pk for s in standards or []]
        ).order_by("code")

    def clean_month(self) -> date:
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError(_("Choose a month, written YYYY-MM."))
        return month

    def clean_windows(self) -> list[list[str]]:
        """ "7:00-9:00, 14:00–16:00" → [["07:00", "09:00"], ["14:00", "16:00"]]; whether each
        window is a real time span is the service's to say."""
        text = self.cleaned_data["windows"]
        windows = [
            [f"{int(h1):02}:{m1}", f"{int(h2):02}:{m2}"] for h1, m1, h2, m2 in WINDOW.findall(text)
        ]
        if not windows or not WINDOW_SEPARATORS.fullmatch(WINDOW.sub("", text)):
            raise forms.ValidationError(WINDOW_MESSAGE)
        return windows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        standard = data.get("standard")
        if standard is not None:
            if standard.method == PerformanceStandard.Method.FULL_CHECK:
                if not data.get("visits_per_zone"):
                    self.add_error("visits_per_zone", _("Say how many times each zone is visited."))
            elif not data.get("sample_size"):
                self.add_error("sample_size", _("Say how many zone-visits to draw."))
        return data
