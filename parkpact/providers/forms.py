"""Forms for the provider pages. The models validate (credit code, dates); services save."""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpact.core.forms import DateInput, StyledFormMixin
from parkpact.core.models import User

from .models import Provider, Qualification
from .services import PROVIDER_FIELDS

USERNAME_TAKEN = _("This user name is taken: choose another.")
ACCOUNT_FIELDS = ["username", "first_name", "last_name", "email"]


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


class StaffAccountForm(StyledFormMixin, forms.ModelForm):
    """A sign-in account for one of a company's people; add_staff_member saves it.

    The User model checks the user name's characters; the password is checked by the project's
    AUTH_PASSWORD_VALIDATORS against the account as typed (user name, name and email).
    """

    position = forms.CharField(
        label=pgettext_lazy("job", "Position"), max_length=100, required=False
    )
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ACCOUNT_FIELDS
        field_classes = {"username": UsernameField}
        labels = {"username": _("User name")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser must not fill in the manager's own saved sign-in here.
        self.fields["username"].widget.attrs["autocomplete"] = "off"

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        # Names differing only in case would be told apart by the database but not by people.
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(USERNAME_TAKEN, code="username_taken")
        return username

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            self.add_error(
                "password_again",
                ValidationError(
                    _("The two passwords differ: type the same password in both fields."),
                    code="password_mismatch",
                ),
            )
        if password:
            # The account as typed, so that the similarity validator can compare with it.
            typed = User(**{name: cleaned.get(name) or "" for name in ACCOUNT_FIELDS})
            try:
                password_validation.validate_password(password, typed)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned
