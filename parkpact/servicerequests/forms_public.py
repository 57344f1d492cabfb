"""Forms of the public's pages: the report behind a zone's QR code, the tracking code, and the
reporter's word on the fix. They only shape what people type; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.core.forms import StyledFormMixin

from .models import MAX_DESCRIPTION, Service, ServiceAttribute

Datatype = ServiceAttribute.Datatype
# The field that people never see and bots fill in.
HONEYPOT = "website"


def attribute_field_name(attribute: ServiceAttribute) -> str:
    """The same name the services use for an answer's errors, so they land under the field."""
    return f"attribute[{attribute.code}]"


def _attribute_field(attribute: ServiceAttribute) -> forms.Field:
    """A form field for one of the service's questions; the services check the answer."""
    options: dict[str, Any] = {
        "label": attribute.description,
        "required": attribute.required,
        "help_text": attribute.datatype_description,
    }
    datatype = attribute.datatype
    field: forms.Field
    if datatype == Datatype.SINGLEVALUELIST:
        blank: list[tuple[str, Any]] = [("", "—" if not attribute.required else _("Choose…"))]
        field = forms.ChoiceField(
            choices=blank + attribute.choices(),
            widget=forms.Select(attrs={"class": "form-select"}),
            **options,
        )
    elif datatype == Datatype.MULTIVALUELIST:
        field = forms.MultipleChoiceField(
            choices=attribute.choices(),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            **options,
        )
    elif datatype == Datatype.NUMBER:
        field = forms.CharField(
            widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
            max_length=50,
            **options,
        )
    elif datatype == Datatype.DATETIME:
        field = forms.CharField(
            widget=forms.DateTimeInput(
                attrs={"class": "form-control", "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            max_length=50,
            **options,
        )
    elif datatype == Datatype.TEXT:
        field = forms.CharField(
            widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
            max_length=2000,
            **options,
        )
    else:
        field = forms.CharField(
            widget=forms.TextInput(attrs={"class": "form-control"}), max_length=200, **options
        )
    return field


class ReportForm(StyledFormMixin, forms.Form):
    """A report from the public, for one service, in the zone of the QR code scanned."""

    description = forms.CharField(
        label=_("What is wrong?"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text, up to 4000 characters."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=_("A photo helps the team find and fix it. JPEG, PNG or WebP."),
    )
    name = forms.CharField(
        label=_("Your name"), required=False, max_length=100, widget=forms.TextInput()
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=200,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.questions = list(service.attributes.all())
        # The service's questions come right after the description.
        fields = list(self.fields.items())
        added = [(attribute_field_name(a), _attribute_field(a)) for a in self.questions]
        self.fields = dict(fields[:1] + added + fields[1:])

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[attribute_field_name(attribute)] for attribute in self.questions]

    @property
    def contact_fields(self) -> list[forms.BoundField]:
        return [self["name"], self["phone"], self["email"]]

    def is_bot(self) -> bool:
        """Whoever filled in the field people cannot see."""
        return bool(str(self.data.get(HONEYPOT, "")).strip())

    def answers(self) -> dict[str, list[str]]:
        """The answers to the service's questions, as the services take them."""
        answers: dict[str, list[str]] = {}
        for attribute in self.questions:
            value = self.cleaned_data.get(attribute_field_name(attribute))
            values = value if isinstance(value, list) else [value]
            kept = [str(v) for v in values if v not in (None, "")]
            if kept:
                answers[attribute.code] = kept
        return answers


class TrackLookupForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        """People read codes out and type them back: ignore case, spaces and dashes."""
        code = str(self.cleaned_data["code"])
        return "".join(ch for ch in code.upper() if ch.isalnum())


class FeedbackForm(StyledFormMixin, forms.Form):
    """The reporter's word on the fix: fixed or not (a button each), a rating, a comment."""

    fixed = forms.ChoiceField(
        choices=[("", ""), ("yes", _("Fixed")), ("no", _("Not fixed"))],
        required=False,
        widget=forms.HiddenInput(),
    )
    rating = forms.TypedChoiceField(
        label=_("How well was it fixed?"),
        choices=[("", _("No rating"))] + [(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect(),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def said_fixed(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("fixed") or "")
