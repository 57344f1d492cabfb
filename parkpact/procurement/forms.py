"""Forms of the procurement pages. The services check the rules; these collect the input."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.forms import ZoneChoiceField, ZonePickerMixin
from parkpact.core.forms import DateInput, StyledFormMixin
from parkpact.core.models import CENTRE_ROLES, User
from parkpact.parks.models import Zone
from parkpact.providers.models import Provider, Qualification

from .models import Criterion, Lot, Requirement, Tender

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (local time), which sends ISO values."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)


class TenderFilterForm(forms.Form):
    """The list page's status filter, read from GET parameters."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Tender.Status.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "form-select form-select-sm"


class TenderForm(StyledFormMixin, forms.ModelForm):
    """A tender in planning: what is bought, when bids are taken, the contract term and the
    abnormally-low thresholds. Lots, requirements and criteria are added on its page."""

    class Meta:
        model = Tender
        fields = [
            "reference",
            "title",
            "description",
            "service_kind",
            "submission_start",
            "submission_end",
            "contract_start",
            "contract_end",
            "past_performance_months",
            "abnormal_mean_ratio",
            "abnormal_second_ratio",
            "abnormal_ceiling_ratio",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "submission_start": DateTimeInput(),
            "submission_end": DateTimeInput(),
            "contract_start": DateInput(),
            "contract_end": DateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("submission_start", "submission_end"):
            field = self.fields[name]
            assert isinstance(field, forms.DateTimeField)
            field.input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]


class LotForm(ZonePickerMixin, StyledFormMixin, forms.ModelForm):
    zones = ZoneChoiceField(
        label=_("zones"),
        queryset=Zone.objects.select_related("park").order_by("park__name", "code"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Lot
        fields = ["number", "title", "budget_ceiling", "zones"]


class RequirementForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Requirement
        fields = ["kind", "description"]


class CriterionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["kind", "name", "weight", "is_technical"]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, User)
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class QualificationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Qualification)
        label = f"{obj.get_kind_display()} · {obj.number}"
        if obj.valid_until:
            label += " · " + str(
                _("valid until %(date)s") % {"date": f"{obj.valid_until:%Y-%m-%d}"}
            )
        return label


class EvaluatorForm(StyledFormMixin, forms.Form):
    user = UserChoiceField(
        label=_("evaluator"),
        queryset=User.objects.filter(role__in=CENTRE_ROLES, is_active=True).order_by("username"),
    )
    conflicts = forms.ModelMultipleChoiceField(
        label=_("declared conflicts"),
        queryset=Provider.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Companies this evaluator may not score (relatives, former employer …)."),
    )


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ExplanationDecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            ("accept", _("Accept: the bid stays in the evaluation")),
            ("reject", _("Reject: the bid is rejected as abnormally low")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ScoreForm(StyledFormMixin, forms.Form):
    criterion = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.DecimalField(label=_("score"), max_digits=5, decimal_places=2)
    note = forms.CharField(label=_("note"), required=False, widget=forms.TextInput())


class BidForm(StyledFormMixin, forms.Form):
    """A provider's bid for one lot; the qualifications offered are the company's own."""

    price = forms.DecimalField(
        label=_("monthly price (CNY)"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Not above the lot's monthly ceiling."),
    )
    proposal = forms.FileField(
        label=_("technical proposal (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    qualifications = QualificationChoiceField(
        label=_("qualifications relied on"),
        queryset=Qualification.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, provider: Provider, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["qualifications"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = provider.qualifications.order_by("kind", "number")


class ExplanationForm(StyledFormMixin, forms.Form):
    explanation = forms.CharField(
        label=_("explanation of the price"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("How the company can do the work at this price: wages, staffing, equipment."),
    )
