"""Forms of the patrol pages: a guard's scan, an incident report and an incident's next step,
and a manager's routes, schedules and response target for a security contract."""

import re
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.core.forms import StyledFormMixin
from parkpact.parks.models import Zone

from .models import Checkpoint, Incident, PatrolRoute, PatrolSchedule
from .services import MAX_RESPONSE_MINUTES, MIN_RESPONSE_MINUTES


class ScanForm(forms.Form):
    """The guard page: the token typed, pasted or read from the QR link, and where the phone is.

    ``client_uuid`` is made when the page is drawn, so sending the same page twice (a double
    tap, a reload) records one scan."""

    token = forms.CharField(label=_("Checkpoint code"), max_length=300)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    longitude = forms.DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=10, decimal_places=6
    )
    latitude = forms.DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6
    )


class IncidentForm(forms.Form):
    contract = forms.ModelChoiceField(label=_("Contract"), queryset=Contract.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Incident.Kind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Incident.Severity.choices)
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none(), required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: object, contracts: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]
        self.fields["zone"].queryset = Zone.objects.filter(  # type: ignore[attr-defined]
            contracts__in=contracts
        ).distinct()


class MoveForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo"))


class RouteForm(StyledFormMixin, forms.Form):
    """A new route: its checkpoints by code, in the order a guard walks them, and the order rule."""

    name = forms.CharField(label=_("Name"), max_length=100)
    checkpoints = forms.CharField(
        label=_("Checkpoints, in order"),
        max_length=2000,
        help_text=_("Checkpoint codes separated by commas or spaces, e.g. CP-01, CP-04, CP-02."),
    )
    order_mode = forms.ChoiceField(
        label=_("Order"), choices=PatrolRoute.OrderMode.choices, initial=PatrolRoute.OrderMode.FIXED
    )

    def __init__(self, *args: Any, available: list[Checkpoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.available = available

    def clean_checkpoints(self) -> list[Checkpoint]:
        by_code = {checkpoint.facility.code.casefold(): checkpoint for checkpoint in self.available}
        codes = [
            code for code in re.split(r"[\s,，、;；]+", self.cleaned_data["checkpoints"]) if code
        ]
        unknown = [code for code in codes if code.casefold() not in by_code]
        if unknown:
            raise forms.ValidationError(
                _("Not a checkpoint in this contract's zones: %(codes)s."),
                code="unknown_checkpoint",
                params={"codes": ", ".join(unknown)},
            )
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise forms.ValidationError(
                _("A route visits each checkpoint once: %(codes)s is given twice."),
                code="repeated_checkpoint",
                params={"codes": ", ".join(repeated)},
            )
        if not codes:
            raise forms.ValidationError(_("Give the route at least one checkpoint."))
        return [by_code[code.casefold()] for code in codes]


class ScheduleForm(StyledFormMixin, forms.ModelForm):
    """A new schedule for one of the contract's routes."""

    class Meta:
        model = PatrolSchedule
        fields = ["route", "every_minutes", "daily_from", "daily_to", "window_minutes"]
        widgets = {
            "daily_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "daily_to": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, routes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = routes  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        """The service validates and saves; here only the fields are read."""


class ResponseTargetForm(StyledFormMixin, forms.Form):
    minutes = forms.IntegerField(
        label=_("Minutes from report to a guard on scene"),
        min_value=MIN_RESPONSE_MINUTES,
        max_value=MAX_RESPONSE_MINUTES,
    )
