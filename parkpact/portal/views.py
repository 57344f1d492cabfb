"""The public portal's pages: anyone may read them, signed in or not, in Chinese or English.

Each page reads its figures through portal.figures in a fixed number of queries and caches
nothing, so what it shows is always the database as it stands. See docs/portal.md for what is
public and what is never shown.
"""

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from parkpact.contracts.models import Contract
from parkpact.inspections.models import SurveillancePlan
from parkpact.procurement.models import Bid, Lot, Tender
from parkpact.providers.models import Provider

from . import figures

PAGE_SIZE = 50
TENDER_PAGE_SIZE = 20


def _english() -> bool:
    return (get_language() or "").startswith("en")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"figures": figures.key_figures(timezone.now())})


@require_GET
def parks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/parks.html",
        {"parks": figures.parks_with_contracts(timezone.localdate())},
    )


@require_GET
def contractors(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/contractors.html",
        {
            "contractors": figures.contractors(timezone.localdate()),
            "months": figures.RATING_MONTHS,
        },
    )


@require_GET
def contractor(request: HttpRequest, pk: int) -> HttpResponse:
    """A company with a signed contract: its contracts and its approved monthly ratings.
    A company that never signed one is not public (404)."""
    signed = Contract.objects.exclude(status=Contract.Status.DRAFT).values("provider_id")
    provider = get_object_or_404(Provider.objects.filter(pk__in=signed), pk=pk)
    ratings = figures.provider_ratings(provider)
    return render(
        request,
        "portal/contractor.html",
        {
            "provider": provider,
            "contracts": figures.provider_contracts(provider, timezone.localdate()),
            "ratings": ratings[::-1],
            "chart": figures.ratings_chart(ratings),
        },
    )


@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    data, counted_at = figures.current_request_figures(timezone.now(), english=_english())
    return render(
        request,
        "portal/requests.html",
        {
            "data": data,
            "counted_at": counted_at,
            "every": int(figures.SNAPSHOT_EVERY.total_seconds() // 60),
            "days": figures.REQUEST_DAYS,
            "map_data": data.map_data,
            "heatmap_data": {
                "weekdays": [str(WEEKDAYS_ABBR[day]) for day in range(7)],
                "hours": [f"{hour:02d}" for hour in range(24)],
                "cells": data.heatmap,
                "max": max((cell[2] for cell in data.heatmap), default=0),
                "label": _("reports"),
            },
        },
    )


@require_GET
def inspections(request: HttpRequest) -> HttpResponse:
    months = figures.inspection_months(timezone.localdate())
    return render(
        request,
        "portal/inspections.html",
        {
            "months": months[::-1],
            "chart": {
                "months": [f"{row.month:%Y-%m}" for row in months],
                "inspections": [row.inspections for row in months],
                "passed": [
                    float(row.share_passed) if row.share_passed is not None else None
                    for row in months
                ],
            },
        },
    )


@require_GET
def sampling(request: HttpRequest) -> HttpResponse:
    """Revealed seeds, newest month first, each with a link to re-draw the sample."""
    plans = (
        SurveillancePlan.objects.filter(status=SurveillancePlan.Status.REVEALED)
        .select_related("contract", "standard")
        .order_by("-month", "contract__number", "standard__code", "pk")
    )
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/sampling.html", {"page_obj": page})


@require_GET
def tenders(request: HttpRequest) -> HttpResponse:
    """Published tenders with their lots, and each lot's award (winner, price, score)."""
    lots = (
        Lot.objects.select_related("award__bid__provider")
        .annotate(valid_bids=Count("bids", filter=Q(bids__status=Bid.Status.VALID)))
        .order_by("number")
    )
    published = (
        Tender.objects.published()
        .prefetch_related(Prefetch("lots", queryset=lots))
        .order_by("-submission_end", "reference")
    )
    page = Paginator(published, TENDER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/tenders.html", {"page_obj": page})


@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/ledger.html",
        {"days": figures.ledger_heads(timezone.localdate()), "window": figures.LEDGER_DAYS},
    )
