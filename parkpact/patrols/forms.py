"""Forms of the patrol pages: a guard's scan, an incident report and an incident's next step."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.parks.models import Zone

from .models import Incident


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
