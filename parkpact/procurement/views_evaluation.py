"""The evaluation of a lot: the table the centre reads (each valid bid's price, price score,
each criterion's mean, past performance and its basis, total and rank; the lot's flags; the
abnormally low bids with their explanations and the manager's decision), the award, and the
evaluators' scoring page (a form per bid and judged criterion, conflicted bids withheld).

Prices are shown only once submissions have closed (``services.bid_is_visible_price``);
providers never reach these pages (404).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parkpact.core.models import CENTRE_ROLES
from parkpact.core.permissions import MANAGING_ROLES, role_required, signed_in_user

from . import evaluation, services
from .forms import ExplanationDecisionForm, ScoreForm
from .models import Bid, BidScore, Criterion, Evaluator, Lot, Tender
from .views import refusal

Status = Tender.Status

FLAG_LABELS = {
    "single_bidder": gettext_lazy("Single bidder: the lot had no competition."),
    "identical_prices": gettext_lazy("Identical prices: two or more bids offer the same price."),
}
TRIGGER_LABELS = {
    evaluation.MEAN_OF_OTHERS: gettext_lazy("below the set share of the other bids' mean"),
    evaluation.SECOND_LOWEST: gettext_lazy("below the set share of the second-lowest bid"),
    evaluation.CEILING: gettext_lazy("below the set share of the lot's ceiling"),
}
# Tenders whose bids the evaluation table shows.
EVALUATED = (Status.EVALUATION, Status.AWARDED, Status.UNSUCCESSFUL, Status.CANCELLED)


def _centre_lot(request: HttpRequest, pk: int) -> Lot:
    if not signed_in_user(request).has_role(*CENTRE_ROLES):
        raise Http404
    return get_object_or_404(Lot.objects.select_related("tender"), pk=pk)


def trigger_labels(bid: Bid) -> list[str]:
    return [str(TRIGGER_LABELS.get(code, code)) for code in bid.abnormal_triggers]


@role_required(CENTRE_ROLES)
def lot_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    lot = _centre_lot(request, pk)
    tender = lot.tender
    criteria = list(tender.criteria.all())
    all_bids = list(lot.bids.select_related("provider", "explanation_decided_by"))
    for bid in all_bids:
        bid.trigger_labels = trigger_labels(bid)  # type: ignore[attr-defined]
    sealed = tender.status in (Status.PLANNED, Status.ACTIVE) or bool(
        all_bids and not services.bid_is_visible_price(all_bids[0])
    )
    result = None
    rows = []
    if not sealed and tender.status in EVALUATED:
        result = services.evaluate_lot(lot)
        rows = [
            {
                "result": r,
                "cells": [(c, r.by_criterion.get(c.pk)) for c in criteria],
            }
            for r in result.results
        ]
    award = getattr(lot, "award", None)
    return render(
        request,
        "procurement/lot_evaluation.html",
        {
            "tender": tender,
            "lot": lot,
            "criteria": criteria,
            "sealed": sealed,
            "bid_count": sum(1 for b in all_bids if b.status == Bid.Status.VALID),
            "result": result,
            "rows": rows,
            "flags": [str(FLAG_LABELS[f]) for f in result.flags] if result else [],
            "abnormal": [b for b in all_bids if b.abnormal_triggers],
            "others": [b for b in all_bids if b.status != Bid.Status.VALID],
            "award": award,
            "may_manage": user.has_role(*MANAGING_ROLES),
            "may_award": user.has_role(*MANAGING_ROLES)
            and tender.status == Status.EVALUATION
            and award is None,
            "decision_form": ExplanationDecisionForm(),
            "is_evaluator": tender.evaluators.filter(user=user).exists(),
        },
    )


@role_required(MANAGING_ROLES)
@require_POST
def explanation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    bid = get_object_or_404(Bid.objects.select_related("lot"), pk=pk)
    form = ExplanationDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or reject and give the reason."))
    else:
        try:
            services.decide_explanation(
                bid=bid,
                by=signed_in_user(request),
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            refusal(request, error)
        else:
            messages.success(request, _("Decision recorded."))
    return redirect("procurement:lot_evaluation", pk=bid.lot_id)


@role_required(MANAGING_ROLES)
@require_POST
def lot_award(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _centre_lot(request, pk)
    try:
        award = services.award_lot(lot=lot, by=signed_in_user(request))
    except ValidationError as error:
        refusal(request, error)
    else:
        messages.success(
            request,
            _("Awarded to %(provider)s: the contract draft %(number)s is ready to complete.")
            % {"provider": award.bid.provider.name, "number": award.contract.number}
            if award.contract
            else _("Awarded."),
        )
    return redirect("procurement:lot_evaluation", pk=lot.pk)


# ---- Evaluators' scoring -------------------------------------------------------------------------


def _evaluator(request: HttpRequest, lot: Lot) -> Evaluator:
    evaluator = (
        Evaluator.objects.filter(tender=lot.tender, user=signed_in_user(request))
        .prefetch_related("conflicts")
        .first()
    )
    if evaluator is None:
        raise PermissionDenied
    return evaluator


@role_required(CENTRE_ROLES)
def lot_scoring(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluator's sheet: each valid bid (except those of companies they declared a
    conflict with) × each judged criterion, scored once."""
    lot = _centre_lot(request, pk)
    evaluator = _evaluator(request, lot)
    conflicted = {p.pk for p in evaluator.conflicts.all()}
    judged = list(lot.tender.criteria.filter(kind=Criterion.Kind.JUDGED))
    bids = list(lot.bids.valid().select_related("provider").order_by("provider__name"))
    mine = {
        (s.bid_id, s.criterion_id): s
        for s in BidScore.objects.filter(evaluator=evaluator, bid__lot=lot)
    }
    sheets: list[dict[str, Any]] = []
    for bid in bids:
        if bid.provider_id in conflicted:
            continue
        sheets.append(
            {
                "bid": bid,
                "items": [
                    {
                        "criterion": c,
                        "given": mine.get((bid.pk, c.pk)),
                        "form": ScoreForm(prefix=f"b{bid.pk}c{c.pk}", initial={"criterion": c.pk}),
                    }
                    for c in judged
                ],
            }
        )
    return render(
        request,
        "procurement/lot_scoring.html",
        {
            "tender": lot.tender,
            "lot": lot,
            "sheets": sheets,
            "withheld": sum(1 for b in bids if b.provider_id in conflicted),
            "open": lot.tender.status == Status.EVALUATION,
        },
    )


@role_required(CENTRE_ROLES)
@require_POST
def bid_score(request: HttpRequest, pk: int) -> HttpResponse:
    bid = get_object_or_404(Bid.objects.select_related("lot__tender", "provider"), pk=pk)
    if not signed_in_user(request).has_role(*CENTRE_ROLES):
        raise Http404
    prefix = request.POST.get("prefix", "")
    form = ScoreForm(request.POST, prefix=prefix or None)
    if not form.is_valid():
        messages.error(request, _("Give a score and, if you like, a note."))
        return redirect("procurement:lot_scoring", pk=bid.lot_id)
    criterion = Criterion.objects.filter(
        pk=form.cleaned_data["criterion"], tender_id=bid.lot.tender_id
    ).first()
    if criterion is None:
        raise Http404
    try:
        services.score_bid(
            bid=bid,
            criterion=criterion,
            by=signed_in_user(request),
            score=form.cleaned_data["score"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        refusal(request, error)
    else:
        messages.success(
            request,
            _("Score recorded: %(criterion)s for %(provider)s.")
            % {"criterion": criterion.name, "provider": bid.provider.name},
        )
    return redirect("procurement:lot_scoring", pk=bid.lot_id)
