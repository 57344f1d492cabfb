"""Contract pages: the list, one contract with its terms, versions and amendments, and the
managers' actions on it. Every action calls a service in contracts.services; a refusal shows
the service's message (under the field it names where the form has that field) and changes
nothing.

Provider staff see their own company's contracts, read-only; any other contract is a 404.
"""

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parkpact.core.forms import add_service_errors
from parkpact.core.money import format_cny
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user
from parkpact.parks.models import Zone

from . import services
from .forms import (
    AmendmentForm,
    ClauseForm,
    CloseForm,
    ContractFilterForm,
    ContractForm,
    DecisionForm,
    PayBandForm,
    StandardForm,
    VersionForm,
)
from .models import (
    LOCKED_MESSAGE,
    Amendment,
    Clause,
    Contract,
    ContractVersion,
    PayBand,
    PerformanceStandard,
    terms_on,
)


@dataclass(frozen=True)
class PartKind:
    """One kind of term part (standard, pay band, clause) as the URLs name it."""

    model: type[PerformanceStandard] | type[PayBand] | type[Clause]
    form_class: type[forms.ModelForm]
    noun: Promise
    anchor: str


PART_KINDS = {
    "standards": PartKind(
        PerformanceStandard, StandardForm, gettext_lazy("performance standard"), "standards"
    ),
    "pay-bands": PartKind(PayBand, PayBandForm, gettext_lazy("pay band"), "pay-bands"),
    "clauses": PartKind(Clause, ClauseForm, gettext_lazy("clause"), "clauses"),
}


@dataclass(frozen=True)
class VersionRow:
    """A version in the selector: its number and where it stands."""

    version: ContractVersion
    state: str  # in_force, draft, amendment_draft, rejected
    in_force_today: bool


def _percent(rate: Decimal) -> str:
    """0.05 → "5 %"; stored rates carry four places that mean nothing to a reader."""
    return f"{(rate * 100).normalize():f} %"


def _detail_url(contract_pk: int, version: int | None = None, anchor: str = "") -> str:
    url = reverse("contracts:contract_detail", kwargs={"pk": contract_pk})
    if version is not None:
        url += "?" + urlencode({"version": version})
    return url + (f"#{anchor}" if anchor else "")


def _version_state(version: ContractVersion) -> str:
    if version.in_force:
        return "in_force"
    if hasattr(version, "amendment"):
        return (
            "amendment_draft"
            if version.amendment.status == Amendment.Status.DRAFT
            else version.amendment.status
        )
    return "draft"


def _chosen_version(
    request: HttpRequest, versions: list[ContractVersion], today: ContractVersion | None
) -> ContractVersion:
    """?version=N, else the terms in force today, else the newest in force, else the draft."""
    requested = request.GET.get("version")
    if requested:
        for version in versions:
            if str(version.number) == requested:
                return version
        raise Http404
    if today is not None:
        return next(v for v in versions if v.pk == today.pk)
    in_force = [v for v in versions if v.in_force]
    return in_force[-1] if in_force else versions[0]


def _detail_page(
    request: HttpRequest,
    contract_pk: int,
    *,
    bound_forms: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The contract page; after a refused action, with that action's form and its errors."""
    user = signed_in_user(request)
    contract = get_object_or_404(
        Contract.objects.visible_to(user)
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "zones", queryset=Zone.objects.select_related("park").order_by("park__name", "code")
            )
        ),
        pk=contract_pk,
    )
    versions = list(contract.versions.select_related("amendment").order_by("number"))
    in_force_today = terms_on(contract, timezone.localdate())
    version = _chosen_version(request, versions, in_force_today)
    standards = list(version.standards.all())
    amendments = list(
        contract.amendments.select_related("version", "drafted_by", "decided_by").order_by(
            "-drafted_at"
        )
    )
    open_amendment = next((a for a in amendments if a.status == Amendment.Status.DRAFT), None)
    can_manage = user.has_role(*MANAGING_ROLES)
    can_edit_terms = can_manage and version.is_editable
    context: dict[str, Any] = {
        "contract": contract,
        "version": version,
        "version_state": _version_state(version),
        "is_in_force_today": in_force_today is not None and version.pk == in_force_today.pk,
        "version_rows": [
            VersionRow(
                version=v,
                state=_version_state(v),
                in_force_today=in_force_today is not None and v.pk == in_force_today.pk,
            )
            for v in versions
        ],
        "monthly_fee": format_cny(version.monthly_fee),
        "retention": _percent(version.retention_rate),
        "standards": standards,
        "weight_total": sum((s.weight for s in standards), Decimal(0)),
        "pay_bands": [
            {
                "band": band,
                "payment": None
                if band.proportional
                else _percent(band.payment_factor or Decimal(0)),
                "bonus": _percent(band.bonus_rate),
            }
            for band in version.pay_bands.all()
        ],
        "clauses": list(version.clauses.all()),
        "amendments": amendments,
        "open_amendment": open_amendment,
        "can_manage": can_manage,
        "can_edit_terms": can_edit_terms,
        "terms_problems": services.terms_problems(version) if can_edit_terms else [],
        "close_form": CloseForm(),
        "amendment_form": AmendmentForm(),
        "decision_form": DecisionForm(),
        **(bound_forms or {}),
    }
    return render(request, "contracts/contract_detail.html", context, status=status)


def _refused(
    request: HttpRequest,
    contract: Contract,
    error: ValidationError,
    form: forms.Form | None = None,
    form_name: str = "",
) -> HttpResponse:
    """Show why a service refused an action: errors on the form's own fields beside them, the
    rest (terms, zones in scope, transitions, four-eyes) as messages at the top of the page."""
    if form is None:
        for message in error.messages:
            messages.error(request, message)
        return _detail_page(request, contract.pk, status=400)
    add_service_errors(form, error)
    for problem in form.non_field_errors():
        messages.error(request, str(problem))
    return _detail_page(request, contract.pk, bound_forms={form_name: form}, status=400)


def _managed_contract(request: HttpRequest, pk: int) -> Contract:
    return get_object_or_404(
        Contract.objects.visible_to(signed_in_user(request)).select_related("provider"), pk=pk
    )


@role_required(SIGNED_IN_ROLES)
def contract_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    filters = ContractFilterForm(request.GET)
    contracts = (
        Contract.objects.visible_to(user)
        .select_related("provider")
        .annotate(zone_count=Count("zones"))
        .order_by("-start_date", "number")
    )
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            contracts = contracts.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["service"]:
            contracts = contracts.filter(service_kind=filters.cleaned_data["service"])
    return render(
        request,
        "contracts/contract_list.html",
        {
            "contracts": contracts,
            "filters": filters,
            "is_filtered": any(request.GET.get(name) for name in ("status", "service")),
            "can_manage": user.has_role(*MANAGING_ROLES),
        },
    )


@role_required(SIGNED_IN_ROLES)
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


@role_required(MANAGING_ROLES)
def contract_create(request: HttpRequest) -> HttpResponse:
    form = ContractForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            contract = services.create_contract(
                by=signed_in_user(request),
                provider=fields.pop("provider"),
                zones=list(fields.pop("zones")),
                monthly_fee=fields.pop("monthly_fee"),
                retention_rate=fields.pop("retention_rate"),
                **fields,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Draft contract %(number)s created: add its standards, pay bands and "
                    "clauses, then activate it."
                )
                % {"number": contract.number},
            )
            return redirect("contracts:contract_detail", pk=contract.pk)
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "contract": None},
        status=400 if form.errors else 200,
    )


@role_required(MANAGING_ROLES)
def contract_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft's identity, term or zones; an active contract changes by amendment."""
    contract = _managed_contract(request, pk)
    if request.method != "POST" and contract.status != Contract.Status.DRAFT:
        messages.error(request, LOCKED_MESSAGE)
        return redirect("contracts:contract_detail", pk=contract.pk)
    # The form changes the object it is given; the service needs the contract as it was.
    form = ContractForm(
        request.POST if request.method == "POST" else None,
        instance=copy.copy(contract),
        with_terms=False,
    )
    if form.is_bound and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            services.update_draft_contract(
                contract=contract,
                by=signed_in_user(request),
                zones=list(fields.pop("zones")),
                **fields,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Contract %(number)s saved.") % {"number": fields["number"]}
            )
            return redirect("contracts:contract_detail", pk=contract.pk)
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "contract": contract},
        status=400 if form.errors else 200,
    )


def _version_for(pk: int, number: int) -> ContractVersion:
    return get_object_or_404(
        ContractVersion.objects.select_related("contract", "amendment"),
        contract_id=pk,
        number=number,
    )


@role_required(MANAGING_ROLES)
def version_update(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The money terms of a version not yet in force; a version in force refuses."""
    version = _version_for(pk, number)
    if request.method != "POST" and not version.is_editable:
        messages.error(request, LOCKED_MESSAGE)
        return HttpResponseRedirect(_detail_url(pk, number))
    form = VersionForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(version)
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_version(
                version=version, by=signed_in_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The terms of version %(number)s are saved.") % {"number": number}
            )
            return HttpResponseRedirect(_detail_url(pk, number))
    return render(
        request,
        "contracts/version_form.html",
        {"form": form, "version": version, "contract": version.contract},
        status=400 if form.errors else 200,
    )


def _part_kind(kind: str) -> PartKind:
    if kind not in PART_KINDS:
        raise Http404
    return PART_KINDS[kind]


def _part_form_page(
    request: HttpRequest,
    part_kind: PartKind,
    form: forms.ModelForm,
    version: ContractVersion,
    *,
    is_new: bool,
) -> HttpResponse:
    if form.is_bound and form.is_valid():
        try:
            services.save_term_part(part=form.save(commit=False), by=signed_in_user(request))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The %(part)s is saved.") % {"part": part_kind.noun},
            )
            return HttpResponseRedirect(
                _detail_url(version.contract_id, version.number, part_kind.anchor)
            )
    return render(
        request,
        "contracts/term_part_form.html",
        {
            "form": form,
            "version": version,
            "contract": version.contract,
            "noun": part_kind.noun,
            "is_new": is_new,
        },
        status=400 if form.errors else 200,
    )


@role_required(MANAGING_ROLES)
def term_part_create(request: HttpRequest, pk: int, number: int, kind: str) -> HttpResponse:
    part_kind = _part_kind(kind)
    version = _version_for(pk, number)
    if request.method != "POST" and not version.is_editable:
        messages.error(request, LOCKED_MESSAGE)
        return HttpResponseRedirect(_detail_url(pk, number))
    # On a version in force the model's own check refuses, with the amendment message.
    form = part_kind.form_class(
        request.POST if request.method == "POST" else None,
        instance=part_kind.model(version=version),
    )
    return _part_form_page(request, part_kind, form, version, is_new=True)


def _part_for(part_kind: PartKind, contract_pk: int, part_pk: int) -> Any:
    return get_object_or_404(
        part_kind.model.objects.select_related("version__contract", "version__amendment"),
        pk=part_pk,
        version__contract_id=contract_pk,
    )


@role_required(MANAGING_ROLES)
def term_part_update(request: HttpRequest, pk: int, kind: str, part_pk: int) -> HttpResponse:
    part_kind = _part_kind(kind)
    part = _part_for(part_kind, pk, part_pk)
    if request.method != "POST" and not part.version.is_editable:
        messages.error(request, LOCKED_MESSAGE)
        return HttpResponseRedirect(_detail_url(pk, part.version.number))
    form = part_kind.form_class(request.POST if request.method == "POST" else None, instance=part)
    return _part_form_page(request, part_kind, form, part.version, is_new=False)


@role_required(MANAGING_ROLES)
@require_POST
def term_part_delete(request: HttpRequest, pk: int, kind: str, part_pk: int) -> HttpResponse:
    part_kind = _part_kind(kind)
    part = _part_for(part_kind, pk, part_pk)
    try:
        services.delete_term_part(part=part, by=signed_in_user(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The %(part)s is deleted.") % {"part": part_kind.noun})
    return HttpResponseRedirect(_detail_url(pk, part.version.number, part_kind.anchor))


@role_required(MANAGING_ROLES)
@require_POST
def contract_activate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed_contract(request, pk)
    try:
        services.activate_contract(contract=contract, by=signed_in_user(request))
    except ValidationError as error:
        return _refused(request, contract, error)
    messages.success(request, _("Contract %(number)s is now active.") % {"number": contract.number})
    return redirect("contracts:contract_detail", pk=contract.pk)


@role_required(MANAGING_ROLES)
@require_POST
def contract_close(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed_contract(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, pk, bound_forms={"close_form": form}, status=400)
    try:
        services.close_contract(
            contract=contract,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            by=signed_in_user(request),
        )
    except ValidationError as error:
        return _refused(request, contract, error, form, "close_form")
    if form.cleaned_data["status"] == Contract.Status.TERMINATED:
        message = _("Contract %(number)s is terminated.")
    else:
        message = _("Contract %(number)s is ended.")
    messages.success(request, message % {"number": contract.number})
    return redirect("contracts:contract_detail", pk=contract.pk)


@role_required(MANAGING_ROLES)
@require_POST
def amendment_draft(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed_contract(request, pk)
    form = AmendmentForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, pk, bound_forms={"amendment_form": form}, status=400)
    effective_from: date = form.cleaned_data["effective_from"]
    try:
        amendment = services.draft_amendment(
            contract=contract,
            by=signed_in_user(request),
            reason=form.cleaned_data["reason"],
            effective_from=effective_from,
        )
    except ValidationError as error:
        return _refused(request, contract, error, form, "amendment_form")
    messages.success(
        request,
        _(
            "Amendment drafted as version %(number)s: change its terms below, then ask another "
            "manager to approve it."
        )
        % {"number": amendment.version.number},
    )
    return HttpResponseRedirect(_detail_url(pk, amendment.version.number))


def _amendment_for(contract: Contract, amendment_pk: int) -> Amendment:
    return get_object_or_404(
        Amendment.objects.select_related("version", "contract"),
        pk=amendment_pk,
        contract=contract,
    )


@role_required(MANAGING_ROLES)
@require_POST
def amendment_approve(request: HttpRequest, pk: int, amendment_pk: int) -> HttpResponse:
    contract = _managed_contract(request, pk)
    amendment = _amendment_for(contract, amendment_pk)
    form = DecisionForm(request.POST)
    form.is_valid()  # the note is optional
    try:
        services.approve_amendment(
            amendment=amendment, by=signed_in_user(request), note=form.cleaned_data.get("note", "")
        )
    except ValidationError as error:
        return _refused(request, contract, error, form, "decision_form")
    messages.success(
        request,
        _("The amendment is approved: version %(number)s is in force from %(date)s.")
        % {"number": amendment.version.number, "date": amendment.version.effective_from},
    )
    return HttpResponseRedirect(_detail_url(pk, amendment.version.number))


@role_required(MANAGING_ROLES)
@require_POST
def amendment_reject(request: HttpRequest, pk: int, amendment_pk: int) -> HttpResponse:
    contract = _managed_contract(request, pk)
    amendment = _amendment_for(contract, amendment_pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        services.reject_amendment(
            amendment=amendment, by=signed_in_user(request), note=form.cleaned_data.get("note", "")
        )
    except ValidationError as error:
        return _refused(request, contract, error, form, "decision_form")
    messages.success(request, _("The amendment is rejected; the terms in force are unchanged."))
    return redirect("contracts:contract_detail", pk=contract.pk)
