"""A provider's bids: the bid form per lot (monthly price, PDF technical proposal, the
qualifications relied on), the company's own bids with their status, withdrawal while the
tender is open and the written explanation of an abnormally low price when asked.

Another company's bid answers 404; centre staff may open any bid, but its price only once
submissions have closed (``services.bid_is_visible_price``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkpact.core.forms import add_service_errors
from parkpact.core.models import Role
from parkpact.core.permissions import SIGNED_IN_ROLES, role_required, signed_in_user

from . import services
from .forms import BidForm, ExplanationForm
from .models import Bid, Lot, Tender
from .views import refusal
from .views_evaluation import trigger_labels

PROVIDER = frozenset({Role.PROVIDER})
LIST_LIMIT = 200


@role_required(PROVIDER)
def bid_create(request: HttpRequest, pk: int) -> HttpResponse:
    provider = signed_in_user(request).provider
    if provider is None:
        raise Http404
    lot = get_object_or_404(
        Lot.objects.select_related("tender").filter(tender__status=Tender.Status.ACTIVE), pk=pk
    )
    form = BidForm(request.POST or None, request.FILES or None, provider=provider)
    if request.method == "POST" and form.is_valid():
        try:
            bid = services.submit_bid(
                lot=lot,
                by=signed_in_user(request),
                price=form.cleaned_data["price"],
                qualifications=list(form.cleaned_data["qualifications"]),
                proposal=form.cleaned_data["proposal"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your bid is in. It stays sealed until submissions close."))
            return redirect("procurement:bid_detail", pk=bid.pk)
    today = timezone.localdate()
    return render(
        request,
        "procurement/bid_form.html",
        {
            "tender": lot.tender,
            "lot": lot,
            "form": form,
            "missing": services.missing_requirements(lot.tender, provider, today),
        },
    )


@role_required(PROVIDER)
def bid_list(request: HttpRequest) -> HttpResponse:
    """The company's own bids, newest first."""
    bids = (
        Bid.objects.visible_to(signed_in_user(request))
        .select_related("lot__tender", "award")
        .order_by("-submitted_at")
    )
    return render(request, "procurement/bid_list.html", {"bids": list(bids[:LIST_LIMIT])})


def _visible_bid(request: HttpRequest, pk: int) -> Bid:
    return get_object_or_404(
        Bid.objects.visible_to(signed_in_user(request)).select_related(
            "lot__tender", "provider", "submitted_by"
        ),
        pk=pk,
    )


@role_required(SIGNED_IN_ROLES)
def bid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    bid = _visible_bid(request, pk)
    tender = bid.lot.tender
    own = not user.is_centre_staff
    now = timezone.now()
    return render(
        request,
        "procurement/bid_detail.html",
        {
            "bid": bid,
            "tender": tender,
            "own": own,
            "show_price": own or services.bid_is_visible_price(bid),
            "qualifications": list(bid.qualifications.all()),
            "may_withdraw": own
            and bid.status == Bid.Status.VALID
            and tender.status == Tender.Status.ACTIVE
            and now <= tender.submission_end,
            "may_explain": own and bid.explanation_status == Bid.Explanation.REQUESTED,
            "explanation_form": ExplanationForm(),
            "trigger_labels": trigger_labels(bid),
        },
    )


@role_required(PROVIDER)
@require_POST
def bid_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    bid = _visible_bid(request, pk)
    try:
        services.withdraw_bid(bid=bid, by=signed_in_user(request))
    except ValidationError as error:
        refusal(request, error)
    else:
        messages.success(request, _("Your bid is withdrawn."))
    return redirect("procurement:bid_detail", pk=bid.pk)


@role_required(PROVIDER)
@require_POST
def bid_explain(request: HttpRequest, pk: int) -> HttpResponse:
    bid = _visible_bid(request, pk)
    try:
        services.explain_bid(
            bid=bid, by=signed_in_user(request), text=request.POST.get("explanation", "")
        )
    except ValidationError as error:
        refusal(request, error)
    else:
        messages.success(request, _("Your explanation was sent: the manager decides on it."))
    return redirect("procurement:bid_detail", pk=bid.pk)


@role_required(SIGNED_IN_ROLES)
@require_GET
def bid_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    bid = _visible_bid(request, pk)
    if not bid.proposal:
        raise Http404
    with bid.proposal.open("rb") as proposal:
        response = HttpResponse(proposal.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bid-{bid.pk}.pdf"'
    return response
