from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.core.forms import StyledFormMixin

from .services import MAX_PER_HOUR


class ApiKeyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Integrator"),
        max_length=100,
        help_text=_("Who will use the key, e.g. “12345 city hotline” or “WeChat mini-program”."),
    )
    requests_per_hour = forms.IntegerField(
        label=_("Requests per hour"),
        min_value=1,
        max_value=MAX_PER_HOUR,
        initial=600,
        help_text=_("Posts beyond this in an hour are refused with HTTP 429."),
    )


class RevokeKeyForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the audit ledger, e.g. “The integration was retired”."),
    )
