"""The tender pages: the list (managers filter by status; providers see the open tenders), a
new tender, and one tender's page — its lots, requirements, scoring method (with the method's
problems shown as it stands), evaluation panel and the steps of its life (publish, close
submissions, cancel, mark unsuccessful). A provider sees a published tender's lots and
requirements with what the company holds or lacks, and its own bids only.

The evaluation and scoring pages are in views_evaluation.py, a provider's bids in
views_bids.py. Every change goes through ``services``; a refusal is shown on the page in the
user's language and changes nothing.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpact.core.forms import add_service_errors
from parkpact.core.models import CENTRE_ROLES, User
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user
from parkpact.providers.models import Provider

from . import services
from .forms import (
    CriterionForm,
    EvaluatorForm,
    LotForm,
    ReasonForm,
    RequirementForm,
    TenderFilterForm,
    TenderForm,
)
from .models import Bid, Tender

Status = Tender.Status
LIST_LIMIT = 200


def refusal(request: HttpRequest, error: ValidationError) -> None:
    """A service's refusal as messages on the next page."""
    for message in error.messages:
        messages.error(request, message)


def visible_tenders(user: User) -> QuerySet[Tender]:
    """Centre staff see every tender; a provider only the published ones."""
    if user.is_centre_staff:
        return Tender.objects.all()
    return Tender.objects.published()


def get_tender(request: HttpRequest, pk: int) -> Tender:
    return get_object_or_404(visible_tenders(signed_in_user(request)), pk=pk)


@role_required(SIGNED_IN_ROLES)
def tender_list(request: HttpRequest) -> HttpResponse:
    """Centre staff: every tender, filtered by status. Providers: the tenders open for bids."""
    user = signed_in_user(request)
    filters = TenderFilterForm(request.GET or None)
    tenders = visible_tenders(user).annotate(
        lot_count=Count("lots", distinct=True),
        bid_count=Count("lots__bids", filter=Q(lots__bids__status=Bid.Status.VALID), distinct=True),
    )
    if not user.is_centre_staff:
        tenders = tenders.filter(status=Status.ACTIVE)
    elif filters.is_valid() and filters.cleaned_data["status"]:
        tenders = tenders.filter(status=filters.cleaned_data["status"])
    provider = user.provider
    return render(
        request,
        "procurement/tender_list.html",
        {
            "tenders": list(tenders.order_by("-submission_end", "reference")[:LIST_LIMIT]),
            "filters": filters,
            "may_manage": user.has_role(*MANAGING_ROLES),
            "provider": provider,
            "now": timezone.now(),
        },
    )


@role_required(MANAGING_ROLES)
def tender_create(request: HttpRequest) -> HttpResponse:
    form = TenderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tender = services.create_tender(by=signed_in_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Tender drafted: add its lots, requirements and scoring method.")
            )
            return redirect("procurement:tender_detail", pk=tender.pk)
    return render(request, "procurement/tender_form.html", {"form": form})


def _centre_context(tender: Tender, user: User) -> dict[str, Any]:
    criteria = list(tender.criteria.all())
    evaluators = list(
        tender.evaluators.select_related("user").prefetch_related(
            Prefetch("conflicts", queryset=Provider.objects.order_by("name"))
        )
    )
    lots = list(
        tender.lots.prefetch_related("zones__park")
        .select_related("award__bid__provider", "award__contract")
        .annotate(
            bid_count=Count("bids", filter=Q(bids__status=Bid.Status.VALID)),
        )
    )
    planned = tender.status == Status.PLANNED
    may_manage = user.has_role(*MANAGING_ROLES)
    return {
        "lots": lots,
        "requirements": list(tender.requirements.all()),
        "criteria": criteria,
        "weight_total": sum((c.weight for c in criteria), start=0),
        "method_errors": [m for e in services.method_errors(tender) for m in e.messages],
        "evaluators": evaluators,
        "is_evaluator": any(e.user_id == user.pk for e in evaluators),
        "may_manage": may_manage,
        "may_build": may_manage and planned,
        "lot_form": LotForm(initial={"number": len(lots) + 1}),
        "requirement_form": RequirementForm(),
        "criterion_form": CriterionForm(),
        "evaluator_form": EvaluatorForm(),
        "cancel_form": ReasonForm(auto_id="cancel_%s"),
        "unsuccessful_form": ReasonForm(auto_id="unsuccessful_%s"),
        "may_close": tender.status == Status.ACTIVE and timezone.now() >= tender.submission_end,
        "may_cancel": tender.can_become(Status.CANCELLED),
        "may_mark_unsuccessful": tender.can_become(Status.UNSUCCESSFUL),
        "may_change_panel": tender.status in (Status.PLANNED, Status.ACTIVE, Status.EVALUATION),
    }


def _provider_context(tender: Tender, provider: Provider | None) -> dict[str, Any]:
    today = timezone.localdate()
    requirements = list(tender.requirements.all())
    if provider is not None:
        missing = set(services.missing_requirements(tender, provider, today))
        held = {
            q.kind: q
            for q in provider.qualifications.order_by("valid_until")
            if not q.is_expired(today)
        }
    else:
        missing, held = {r.kind for r in requirements}, {}
    rows = [
        {"requirement": r, "holds": r.kind not in missing, "qualification": held.get(r.kind)}
        for r in requirements
    ]
    own = (
        list(
            Bid.objects.filter(lot__tender=tender, provider=provider)
            .select_related("lot")
            .order_by("lot__number", "-submitted_at")
        )
        if provider is not None
        else []
    )
    now = timezone.now()
    return {
        "lots": list(tender.lots.prefetch_related("zones__park")),
        "requirement_rows": rows,
        "eligible": not missing,
        "own_bids": own,
        "bidding_open": tender.status == Status.ACTIVE
        and tender.submission_start <= now <= tender.submission_end,
        "has_bid": {b.lot_id for b in own if b.status == Bid.Status.VALID},
    }


@role_required(SIGNED_IN_ROLES)
def tender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    tender = get_tender(request, pk)
    context: dict[str, Any] = {"tender": tender, "now": timezone.now()}
    if user.is_centre_staff:
        context.update(_centre_context(tender, user))
        template = "procurement/tender_detail.html"
    else:
        context.update(_provider_context(tender, user.provider))
        template = "procurement/tender_provider.html"
    return render(request, template, context)


# ---- Building the tender (managers, while it is planned) -----------------------------------------


@role_required(MANAGING_ROLES)
def lot_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A lot with its zones: a page of its own, for the zone picker."""
    tender = get_tender(request, pk)
    form = LotForm(request.POST or None, initial={"number": tender.lots.count() + 1})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_lot(tender=tender, by=signed_in_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Lot added."))
            return redirect("procurement:tender_detail", pk=tender.pk)
    return render(request, "procurement/lot_form.html", {"tender": tender, "form": form})


def _add_part(request: HttpRequest, pk: int, form_class: Any, action: Any, done: str) -> Any:
    tender = get_tender(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    else:
        try:
            action(tender=tender, by=signed_in_user(request), **form.cleaned_data)
        except ValidationError as error:
            refusal(request, error)
        else:
            messages.success(request, done)
    return redirect("procurement:tender_detail", pk=tender.pk)


@role_required(MANAGING_ROLES)
@require_POST
def requirement_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _add_part(
        request, pk, RequirementForm, services.add_requirement, _("Requirement added.")
    )


@role_required(MANAGING_ROLES)
@require_POST
def criterion_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _add_part(request, pk, CriterionForm, services.add_criterion, _("Criterion added."))


@role_required(MANAGING_ROLES)
@require_POST
def evaluator_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _add_part(
        request,
        pk,
        EvaluatorForm,
        services.add_evaluator,
        _("The evaluator is on the panel, with the conflicts declared."),
    )


# ---- The tender's life ---------------------------------------------------------------------------


def _step(request: HttpRequest, pk: int, action: Any, done: str, **kwargs: Any) -> HttpResponse:
    tender = get_tender(request, pk)
    try:
        action(tender=tender, by=signed_in_user(request), **kwargs)
    except ValidationError as error:
        refusal(request, error)
    else:
        messages.success(request, done)
    return redirect("procurement:tender_detail", pk=tender.pk)


@role_required(MANAGING_ROLES)
@require_POST
def tender_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.publish_tender, _("Published: bids are open."))


@role_required(MANAGING_ROLES)
@require_POST
def tender_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        services.close_submissions,
        _("Submissions closed: the tender is under evaluation."),
    )


@role_required(MANAGING_ROLES)
@require_POST
def tender_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        services.cancel_tender,
        _("The tender is cancelled."),
        reason=request.POST.get("reason", ""),
    )


@role_required(MANAGING_ROLES)
@require_POST
def tender_unsuccessful(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        services.mark_unsuccessful,
        _("The tender is marked unsuccessful."),
        reason=request.POST.get("reason", ""),
    )


def centre_tender(request: HttpRequest, pk: int) -> Tender:
    """A tender for a centre-only page; a provider gets 404, as for anything not theirs."""
    user = signed_in_user(request)
    if not user.has_role(*CENTRE_ROLES):
        raise Http404
    return get_tender(request, pk)
