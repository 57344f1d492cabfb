"""Forms for the park pages. The models validate (boundary, position in zone); services save."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.core.forms import StyledFormMixin

from .models import Facility, Park, Zone


class ZoneForm(StyledFormMixin, forms.ModelForm):
    """A zone with its boundary pasted as GeoJSON; Zone's validator says what is wrong with it."""

    class Meta:
        model = Zone
        fields = ["code", "name", "kind", "boundary"]
        widgets = {
            "boundary": forms.Textarea(
                attrs={"rows": 8, "class": "font-monospace small", "spellcheck": "false"}
            )
        }


class FacilityForm(StyledFormMixin, forms.ModelForm):
    """A facility placed in one of the park's zones; Facility.clean checks it lies inside."""

    class Meta:
        model = Facility
        fields = ["zone", "code", "name", "kind", "longitude", "latitude", "in_service"]
        help_texts = {
            "longitude": _("Degrees east, WGS84, e.g. 118.600500. Click the map to fill it in."),
            "latitude": _("Degrees north, WGS84, e.g. 24.930500."),
        }

    def __init__(self, *args: Any, park: Park, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone_field = self.fields["zone"]
        assert isinstance(zone_field, forms.ModelChoiceField)
        zone_field.queryset = park.zones.order_by("code")


class RenewQrTokenForm(StyledFormMixin, forms.Form):
    """Why a zone's QR code is replaced; the reason is kept in the audit ledger."""

    reason = forms.CharField(
        label=_("Why"),
        max_length=500,
        help_text=_("For example: the sign was defaced."),
        error_messages={
            "required": _("Say why the code is renewed: the reason is kept in the audit ledger.")
        },
        widget=forms.TextInput(),
    )
