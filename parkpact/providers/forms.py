"""Forms for the provider pages. The models validate (credit code, dates); services save."""

from django import forms

from parkpact.core.forms import DateInput, StyledFormMixin

from .models import Provider, Qualification
from .services import PROVIDER_FIELDS


class ProviderForm(StyledFormMixin, forms.ModelForm):
    """A company; its unified social credit code is checked by the model's validator."""

    class Meta:
        model = Provider
        fields = PROVIDER_FIELDS
        widgets = {"credit_code": forms.TextInput(attrs={"class": "font-monospace"})}


class QualificationForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Qualification
        fields = ["kind", "number", "issued_by", "valid_from", "valid_until"]
        widgets = {"valid_from": DateInput(), "valid_until": DateInput()}
