"""Forms of the order pages. The services check everything; these only collect the input."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.core.forms import StyledFormMixin
from parkpact.core.models import User

from .models import RectificationOrder

# Opens the camera on a phone; the server checks the content whatever the browser sends.
PHOTO_WIDGET_ATTRS = {"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Contract)
        return f"{obj.number} · {obj.provider}"


class OrderFilterForm(forms.Form):
    """The order list's filters, read from GET parameters; contracts are those the user sees."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *RectificationOrder.Status.choices],
        required=False,
    )
    contract = ContractChoiceField(
        label=_("Contract"),
        queryset=Contract.objects.none(),
        required=False,
        empty_label=_("Any contract"),
    )
    late = forms.BooleanField(label=_("Late only"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contract_field = self.fields["contract"]
        assert isinstance(contract_field, forms.ModelChoiceField)
        contract_field.queryset = (
            Contract.objects.visible_to(user).select_related("provider").order_by("number")
        )
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-check-input" if name == "late" else "form-select form-select-sm"
            )


class RectifyForm(StyledFormMixin, forms.Form):
    """The provider's report that the problem is put right."""

    photo = forms.FileField(
        label=_("Photo of the result"),
        widget=forms.ClearableFileInput(attrs=PHOTO_WIDGET_ATTRS),
        help_text=_("A JPEG, PNG or WebP photo, at most 15 MB."),
        required=False,  # the service says what is missing, in the same words everywhere
    )
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class ReinspectForm(StyledFormMixin, forms.Form):
    """The inspector's verdict on the provider's work."""

    result = forms.TypedChoiceField(
        label=_("Re-inspection"),
        choices=[("pass", _("Put right: close the order")), ("fail", _("Not put right: reopen"))],
        coerce=lambda value: value == "pass",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("Required when reopening: say what is still wrong."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs=PHOTO_WIDGET_ATTRS),
        help_text=_("Optional. A JPEG, PNG or WebP photo, at most 15 MB."),
        required=False,
    )
