"""Forms of the sensors pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.parks.models import Facility

from .models import Device


class DeviceForm(forms.Form):
    code = forms.SlugField(
        label=_("Device id"),
        max_length=40,
        help_text=_("Letters, digits and hyphens; the device sends it, e.g. bin-dh-001."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Device.Kind.choices)
    facility = forms.ModelChoiceField(
        label=_("Facility"),
        queryset=Facility.objects.filter(in_service=True).select_related("zone"),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if Device.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Another device already has this id."))
        return code


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)
