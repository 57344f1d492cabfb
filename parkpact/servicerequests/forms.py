"""Forms of the queues and of a request's page. The services check the rules; these collect input.

Each action form on a request's page has its own prefix (the action's name), so that the page
can hold them all without two fields sharing an id.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.core.forms import StyledFormMixin
from parkpact.core.models import User
from parkpact.parks.models import Park, Zone
from parkpact.providers.models import Provider

from .models import MAX_DESCRIPTION, BlockedContact, Service, ServiceAttribute, ServiceRequest

# Opens the camera on a phone; the server checks the content whatever the browser sends.
PHOTO_WIDGET_ATTRS = {"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
# The status filter's two wider choices, beside the statuses themselves.
OPEN = "open"
ANY = "any"


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Service)
        return obj.name


class ZoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Zone)
        return f"{obj.park.name} · {obj.code} {obj.name}"


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Contract)
        return f"{obj.number} · {obj.provider}"


class RequestFilterForm(forms.Form):
    """The queue's filters, read from GET parameters. Providers get no provider filter."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(OPEN, _("Open")), (ANY, _("Any status")), *ServiceRequest.Status.choices],
        required=False,
    )
    service = ServiceChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Any service"),
    )
    park = forms.ModelChoiceField(
        label=_("Park"), queryset=Park.objects.none(), required=False, empty_label=_("Any park")
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.none(),
        required=False,
        empty_label=_("Any provider"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("Any channel")), *ServiceRequest.Channel.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(
        label=_("Number or tracking code"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 42")}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._field("service").queryset = Service.objects.order_by("order", "code")
        self._field("park").queryset = Park.objects.order_by("name")
        if user.is_centre_staff:
            self._field("provider").queryset = Provider.objects.order_by("name")
        else:
            del self.fields["provider"]
            self.fields["q"].label = _("Request number")
        for name, field in self.fields.items():
            if name == "overdue":
                css = "form-check-input"
            elif name == "q":
                css = "form-control form-control-sm"
            else:
                css = "form-select form-select-sm"
            field.widget.attrs["class"] = css

    def _field(self, name: str) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field


# ---- Actions on a request ------------------------------------------------------------------


class NoteForm(StyledFormMixin, forms.Form):
    """Acknowledge, start or validate: an optional note the reporter may read."""

    note = forms.CharField(
        label=_("Note (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("The reporter can read it."),
    )


class ValidateForm(NoteForm):
    """Validate: the note, and whether the complaint counts against the contractor."""

    contractor_at_fault = forms.BooleanField(
        label=_("The contractor is at fault: count it as a valid complaint"),
        required=False,
        help_text=_("It then counts under the contract's validated-complaints standard."),
    )


class RequiredNoteForm(StyledFormMixin, forms.Form):
    """Send back or reject: the reason, which the reporter and the provider read."""

    note = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,  # the service says what is missing, in the same words everywhere
        help_text=_("The reporter and the provider can read it."),
    )


class ResolveForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("The reporter can read it."),
    )
    photo = forms.FileField(
        label=_("Photo of the result"),
        widget=forms.ClearableFileInput(attrs=PHOTO_WIDGET_ATTRS),
        help_text=_("A JPEG, PNG or WebP photo, at most 15 MB. Required from providers."),
        required=False,
    )


class MergeForm(StyledFormMixin, forms.Form):
    """Close this report as a duplicate: of a nearby candidate, or of a request by its number."""

    candidate = forms.TypedChoiceField(
        label=_("Likely duplicates nearby"),
        coerce=int,
        choices=[],
        required=False,
        widget=forms.RadioSelect,
    )
    number = forms.IntegerField(
        label=_("Or the number of the request it duplicates"), min_value=1, required=False
    )

    def __init__(self, *args: Any, candidates: list[ServiceRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["candidate"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (
                other.pk,
                f"#{other.pk} · {other.service.name} · "
                f"{other.zone or '—'} · {other.get_status_display()}",
            )
            for other in candidates
        ]
        if not candidates:
            field.widget = forms.HiddenInput()
            self.fields["number"].label = _("The number of the request it duplicates")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("number") or data.get("candidate")
        if not number:
            raise forms.ValidationError(
                _("Choose the request it duplicates, or type its number."), code="required"
            )
        data["into"] = number
        return data


class RerouteForm(StyledFormMixin, forms.Form):
    """Put the report in another zone and give it to another contract, or to the centre."""

    zone = ZoneChoiceField(
        label=_("Zone"), queryset=Zone.objects.none(), required=False, empty_label=_("No zone")
    )
    contract = ContractChoiceField(
        label=_("Who answers it"),
        queryset=Contract.objects.none(),
        required=False,
        empty_label=_("The centre itself"),
    )
    reason = forms.CharField(
        label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500, required=False
    )

    def __init__(self, *args: Any, request: ServiceRequest, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"zone": request.zone_id, "contract": request.contract_id})
        super().__init__(*args, **kwargs)
        zones = Zone.objects.select_related("park").order_by("park__name", "code")
        if request.park_id:
            zones = zones.filter(park_id=request.park_id)
        self._field("zone").queryset = zones
        self._field("contract").queryset = (
            Contract.objects.active()
            .filter(service_kind=request.service.kind)
            .select_related("provider")
            .order_by("number")
        )

    def _field(self, name: str) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field


class ModerateForm(StyledFormMixin, forms.Form):
    description = forms.CharField(
        label=_("Text the public reads"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_DESCRIPTION,
        required=False,
    )
    reason = forms.CharField(label=_("Why it was changed"), max_length=300, required=False)


class BlockForm(StyledFormMixin, forms.Form):
    """Block one of the contacts on this request. The value is read from the request itself,
    never from the form, so that nothing else can be blocked from here."""

    kind = forms.ChoiceField(label=_("Contact to block"), choices=[], widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)

    def __init__(self, *args: Any, contacts: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(BlockedContact.Kind.choices)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(kind, f"{labels[kind]}: {value}") for kind, value in contacts.items()]


class UnblockForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)


# ---- A report taken by telephone -----------------------------------------------------------


def attribute_field_name(service: Service, attribute: ServiceAttribute) -> str:
    return f"answer__{service.code}__{attribute.code}"


class HotlineRequestForm(StyledFormMixin, forms.Form):
    """A report the hotline took: what, where (a zone, or a point), and who called. Each
    service's questions are fields of their own; only the chosen service's answers are used."""

    service = ServiceChoiceField(
        label=_("Service"), queryset=Service.objects.none(), empty_label=None
    )
    zone = ZoneChoiceField(
        label=_("Zone"),
        queryset=Zone.objects.none(),
        required=False,
        empty_label=_("— give a point instead —"),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=10, decimal_places=6, required=False
    )
    address_string = forms.CharField(
        label=_("Where, in the caller's words"), max_length=250, required=False
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_DESCRIPTION,
        required=False,
    )
    contact_name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Caller's phone"), max_length=32, required=False)
    contact_email = forms.CharField(label=_("Caller's email"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        services = list(
            Service.objects.filter(active=True).prefetch_related("attributes").order_by("order")
        )
        self.services = services
        super().__init__(*args, **kwargs)
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        service_field.queryset = Service.objects.filter(active=True).order_by("order", "code")
        zone_field = self.fields["zone"]
        assert isinstance(zone_field, forms.ModelChoiceField)
        zone_field.queryset = Zone.objects.select_related("park").order_by("park__name", "code")
        self.attribute_fields: dict[str, list[str]] = {}
        for service in services:
            names = []
            for attribute in service.attributes.all():
                name = attribute_field_name(service, attribute)
                self.fields[name] = self._attribute_field(service, attribute)
                names.append(name)
            self.attribute_fields[service.code] = names
        # StyledFormMixin styled the fields that existed when it ran: style the new ones too.
        for name in (n for names in self.attribute_fields.values() for n in names):
            widget = self.fields[name].widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxSelectMultiple):
                css = "form-check-input"
            widget.attrs["class"] = css

    @staticmethod
    def _attribute_field(service: Service, attribute: ServiceAttribute) -> forms.Field:
        label = f"{service.name}: {attribute.description}"
        hint = attribute.datatype_description
        if attribute.datatype == ServiceAttribute.Datatype.SINGLEVALUELIST:
            return forms.ChoiceField(
                label=label,
                choices=[("", "—"), *attribute.choices()],
                required=False,
                help_text=hint,
            )
        if attribute.datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
            return forms.MultipleChoiceField(
                label=label,
                choices=attribute.choices(),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=hint,
            )
        widget = (
            forms.Textarea(attrs={"rows": 2})
            if attribute.datatype == ServiceAttribute.Datatype.TEXT
            else forms.TextInput()
        )
        return forms.CharField(label=label, required=False, widget=widget, help_text=hint)

    def answers(self) -> dict[str, list[str]]:
        """The chosen service's answers, as clean_attributes takes them (code → values)."""
        service = self.cleaned_data["service"]
        answers: dict[str, list[str]] = {}
        for attribute in next(s for s in self.services if s.pk == service.pk).attributes.all():
            value = self.cleaned_data.get(attribute_field_name(service, attribute))
            values = value if isinstance(value, list) else [value or ""]
            if any(str(v).strip() for v in values):
                answers[attribute.code] = [str(v) for v in values]
        return answers
