"""Forms for the contract pages. Models and services validate; these only collect the input."""

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.boundfield import BoundWidget
from django.utils.translation import gettext_lazy as _

from parkpact.core.forms import DateInput, StyledFormMixin
from parkpact.parks.models import Zone, ZoneKind

from .models import Clause, Contract, ContractVersion, PayBand, PerformanceStandard
from .services import PART_FIELDS


class ContractFilterForm(forms.Form):
    """The list page's filters, read from GET parameters."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Contract.Status.choices],
        required=False,
    )
    service = forms.ChoiceField(
        label=_("Service"),
        choices=[("", _("Any service")), *Contract.ServiceKind.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


class ZoneChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Zone)
        return f"{obj.code} {obj.name} · {obj.get_kind_display()}"


class ZonePickerMixin(forms.BaseForm):
    """A form with a ``zones`` field of checkboxes, drawn grouped by park by
    templates/partials/zone_picker.html (contracts, tender lots)."""

    def zone_groups(self) -> list[tuple[str, list[BoundWidget]]]:
        """The zone checkboxes grouped by park, for the template."""
        groups: dict[int, tuple[str, list[BoundWidget]]] = {}
        for checkbox in self["zones"]:
            zone = checkbox.data["value"].instance
            groups.setdefault(zone.park_id, (zone.park.name, []))[1].append(checkbox)
        return list(groups.values())


class ContractForm(ZonePickerMixin, StyledFormMixin, forms.ModelForm):
    """A draft contract: who, what, where and when. Version 1's money terms come along when
    the contract is created (``with_terms``); later they are edited on their own."""

    zones = ZoneChoiceField(
        label=_("zones in scope"),
        queryset=Zone.objects.select_related("park").order_by("park__name", "code"),
        widget=forms.CheckboxSelectMultiple,
    )
    monthly_fee = forms.DecimalField(
        label=_("monthly fee (CNY)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    retention_rate = forms.DecimalField(
        label=_("retention rate"),
        max_digits=5,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=Decimal("0.3"),
        help_text=_("Share of each payment held back until the end of the contract, e.g. 0.05."),
    )

    class Meta:
        model = Contract
        fields = [
            "number",
            "title",
            "provider",
            "service_kind",
            "zones",
            "start_date",
            "end_date",
            "signed_on",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "signed_on": DateInput()}

    def __init__(self, *args: Any, with_terms: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_terms:
            del self.fields["monthly_fee"]
            del self.fields["retention_rate"]


class VersionForm(StyledFormMixin, forms.ModelForm):
    """The money terms of a version not yet in force. Version 1 takes effect when the
    contract starts; an amendment's version says from when it applies."""

    class Meta:
        model = ContractVersion
        fields = [
            "effective_from",
            "monthly_fee",
            "retention_rate",
            "termination_score",
            "termination_months",
            "exceptional_score",
            "very_good_score",
            "satisfactory_score",
            "marginal_score",
            "appeal_working_days",
        ]
        widgets = {"effective_from": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.number == 1:
            del self.fields["effective_from"]


class StandardForm(StyledFormMixin, forms.ModelForm):
    zone_kinds = forms.MultipleChoiceField(
        label=_("zone kinds checked"),
        choices=ZoneKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The kinds of zone where inspectors check this standard; none for every zone."),
    )

    class Meta:
        model = PerformanceStandard
        fields = PART_FIELDS[PerformanceStandard]
        widgets = {"measurement": forms.Textarea(attrs={"rows": 3})}


class PayBandForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = PayBand
        fields = PART_FIELDS[PayBand]


class ClauseForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Clause
        fields = PART_FIELDS[Clause]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}


class CloseForm(StyledFormMixin, forms.Form):
    """End a contract at the end of its term, or terminate it early; the service wants a reason."""

    status = forms.ChoiceField(
        label=_("How"),
        choices=[
            (Contract.Status.ENDED, _("End: the term is over")),
            (Contract.Status.TERMINATED, _("Terminate early")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AmendmentForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    effective_from = forms.DateField(label=_("In force from"), widget=DateInput())


class DecisionForm(StyledFormMixin, forms.Form):
    """Approve or reject an amendment; a rejection needs a note saying why."""

    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
