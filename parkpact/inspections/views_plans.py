"""Surveillance plan pages: a contract's plans for a month with the managers' actions, one
plan with its visits, and the public verification page where anyone re-draws a revealed
sample. Every action calls a service in inspections.services; a refusal is shown as a message
and changes nothing.

Before a plan's seed is revealed, provider staff do not see the plan at all (404), and nobody
sees the seed: the visits are not to be known in advance by the company inspected.
"""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpact.contracts.models import Contract
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user
from parkpact.parks.models import Zone

from . import sampling, services
from .forms import PlanForm, parse_month
from .models import Inspection, SurveillancePlan

PUBLIC_PAGE_SIZE = 50


def _list_url(contract_pk: int, month: date) -> str:
    url = reverse("inspections:plan_list", kwargs={"contract_pk": contract_pk})
    return f"{url}?{urlencode({'month': services.month_label(month)})}"


def _previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _plan_list_page(
    request: HttpRequest,
    contract: Contract,
    month: date,
    *,
    form: PlanForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    plans = (
        SurveillancePlan.objects.filter(contract=contract, month=month)
        .select_related("standard", "committed_by")
        .annotate(visit_count=Count("inspections"))
        .order_by("standard__code")
    )
    if not user.is_centre_staff:
        plans = plans.filter(status=SurveillancePlan.Status.REVEALED)
    can_manage = user.has_role(*MANAGING_ROLES)
    standards = services.plannable_standards(contract, month) if can_manage else []
    if can_manage and form is None:
        form = PlanForm(initial={"month": services.month_label(month)}, standards=standards)
    planned = SurveillancePlan.objects.filter(contract=contract)
    if not user.is_centre_staff:
        planned = planned.filter(status=SurveillancePlan.Status.REVEALED)
    months_with_plans = planned.values_list("month", flat=True).distinct().order_by("-month")[:24]
    return render(
        request,
        "inspections/plan_list.html",
        {
            "contract": contract,
            "month": month,
            "month_label": services.month_label(month),
            "previous_month": services.month_label(_previous_month(month)),
            "next_month": services.month_label(services.next_month(month)),
            "months_with_plans": [services.month_label(m) for m in months_with_plans],
            "plans": plans,
            "can_manage": can_manage,
            "form": form,
            "has_standards": bool(standards),
            "month_begun": timezone.now() >= services.month_begins_at(month),
            "month_over": timezone.now() >= services.month_begins_at(services.next_month(month)),
        },
        status=status,
    )


def _visible_contract(request: HttpRequest, pk: int) -> Contract:
    return get_object_or_404(
        Contract.objects.visible_to(signed_in_user(request)).select_related("provider"), pk=pk
    )


@role_required(SIGNED_IN_ROLES)
def plan_list(request: HttpRequest, contract_pk: int) -> HttpResponse:
    """A contract's plans for one month (?month=YYYY-MM): by default the month to plan next
    for centre staff, the last month (the latest that can be revealed) for provider staff."""
    user = signed_in_user(request)
    contract = _visible_contract(request, contract_pk)
    if "month" in request.GET:
        month = parse_month(request.GET["month"])
        if month is None:
            raise Http404
    else:
        this_month = services.first_of_month(timezone.localdate())
        month = (
            services.next_month(this_month) if user.is_centre_staff else _previous_month(this_month)
        )
    return _plan_list_page(request, contract, month)


@role_required(MANAGING_ROLES)
@require_POST
def plan_create(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = _visible_contract(request, contract_pk)
    month = parse_month(request.POST.get("month"))
    if month is None:
        raise Http404
    form = PlanForm(request.POST, standards=services.plannable_standards(contract, month))
    if not form.is_valid():
        return _plan_list_page(request, contract, month, form=form, status=400)
    data = form.cleaned_data
    try:
        plan = services.create_plan(
            contract=contract,
            standard=data["standard"],
            month=month,
            sample_size=data["sample_size"] or 0,
            visits_per_zone=data["visits_per_zone"] or 0,
            windows=data["windows"],
            by=signed_in_user(request),
        )
    except ValidationError as error:
        _add_errors(form, error)
        return _plan_list_page(request, contract, month, form=form, status=400)
    messages.success(
        request,
        _(
            "Plan for %(code)s in %(month)s drafted with %(count)s zone-visits: commit it "
            "before the month begins."
        )
        % {
            "code": plan.standard.code,
            "month": services.month_label(month),
            "count": plan.sample_size,
        },
    )
    return HttpResponseRedirect(_list_url(contract.pk, month))


def _add_errors(form: PlanForm, error: ValidationError) -> None:
    """A service's refusal: under the field it names if the form shows it, else at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            visible = name in form.fields and name != "month"
            form.add_error(name if visible else None, errors)
    else:
        form.add_error(None, error)


def _visible_plan(request: HttpRequest, pk: int) -> SurveillancePlan:
    """A plan the user may see: provider staff, only their company's and only once revealed."""
    user = signed_in_user(request)
    plans = SurveillancePlan.objects.select_related(
        "contract__provider", "standard", "committed_by"
    ).filter(contract__in=Contract.objects.visible_to(user))
    if not user.is_centre_staff:
        plans = plans.filter(status=SurveillancePlan.Status.REVEALED)
    return get_object_or_404(plans, pk=pk)


@role_required(SIGNED_IN_ROLES)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    plan = _visible_plan(request, pk)
    visits = list(
        plan.inspections.select_related("zone__park", "inspector").order_by("visit_index", "pk")
    )
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "contract": plan.contract,
            "month_label": services.month_label(plan.month),
            "visits": visits,
            "can_manage": user.has_role(*MANAGING_ROLES),
            "reveal_from": services.next_month(plan.month),
        },
    )


def _plan_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    plan = _visible_plan(request, pk)
    by = signed_in_user(request)
    back = reverse("inspections:plan_detail", kwargs={"pk": plan.pk})
    try:
        if action == "commit":
            services.commit_plan(plan=plan, by=by)
            message = _(
                "Plan committed: its seed hash is published and %(count)s visits are scheduled."
            ) % {"count": plan.sample_size}
        elif action == "reveal":
            services.reveal_plan(plan=plan, by=by)
            message = _("Seed revealed: anyone can now re-draw this sample and check it.")
        else:
            services.discard_plan(plan=plan, by=by)
            message = _("Draft plan discarded.")
            back = _list_url(plan.contract_id, plan.month)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, message)
    return HttpResponseRedirect(back)


@role_required(MANAGING_ROLES)
@require_POST
def plan_commit(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_action(request, pk, "commit")


@role_required(MANAGING_ROLES)
@require_POST
def plan_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_action(request, pk, "reveal")


@role_required(MANAGING_ROLES)
@require_POST
def plan_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_action(request, pk, "discard")


# ---- Public verification ----------------------------------------------------------------------


def sample_verify(request: HttpRequest) -> HttpResponse:
    """Public: revealed plans with their seeds and hashes, and committed ones with their seed
    hash only. ?contract=NUMBER&month=YYYY-MM narrow both lists."""
    contract_number = request.GET.get("contract", "").strip()[:40]
    month = parse_month(request.GET.get("month"))
    plans = SurveillancePlan.objects.select_related("contract", "standard")
    if contract_number:
        plans = plans.filter(contract__number=contract_number)
    if month is not None:
        plans = plans.filter(month=month)
    revealed = Paginator(
        plans.filter(status=SurveillancePlan.Status.REVEALED).order_by(
            "-month", "contract__number", "standard__code", "pk"
        ),
        PUBLIC_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    committed = plans.filter(status=SurveillancePlan.Status.COMMITTED).order_by(
        "month", "contract__number", "standard__code", "pk"
    )[:200]
    filters = {"contract": contract_number, "month": services.month_label(month) if month else ""}
    return render(
        request,
        "inspections/sample_verify.html",
        {
            "revealed": revealed,
            "committed": committed,
            "filters": filters,
            "filter_query": urlencode({k: v for k, v in filters.items() if v}),
        },
    )


def _revealed_plan(pk: int) -> SurveillancePlan:
    return get_object_or_404(
        SurveillancePlan.objects.select_related("contract", "standard").prefetch_related(
            Prefetch(
                "inspections", queryset=Inspection.objects.select_related("zone__park", "inspector")
            )
        ),
        pk=pk,
        status=SurveillancePlan.Status.REVEALED,
    )


def sample_verify_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Public: re-draw a revealed plan's sample on the server and set it beside the visits
    the centre recorded, with a verdict."""
    plan = _revealed_plan(pk)
    verdict = services.verify_plan(plan)
    parameters = plan.parameters or {}
    zone_ids = {z.get("code"): z.get("id") for z in parameters.get("zones", [])}
    names = dict(Zone.objects.filter(pk__in=zone_ids.values()).values_list("pk", "name"))
    for inspection in plan.inspections.all():
        names.setdefault(inspection.zone_id, inspection.zone.name)
    rows = [
        {
            "comparison": comparison,
            "drawn_zone_name": names.get(comparison.drawn_zone_id or 0, ""),
            "recorded_zone_name": names.get(comparison.recorded_zone_id or 0, ""),
            "differences": [str(services.DIFFERENCES[c]) for c in comparison.differences],
        }
        for comparison in verdict.visits
    ]
    return render(
        request,
        "inspections/sample_verify_detail.html",
        {
            "plan": plan,
            "month_label": services.month_label(plan.month),
            "verdict": verdict,
            "rows": rows,
            "algorithm": sampling.ALGORITHM,
        },
    )


def sample_parameters(request: HttpRequest, pk: int) -> HttpResponse:
    """Public: a revealed plan's parameters as the exact bytes the parameters hash covers."""
    plan = get_object_or_404(
        SurveillancePlan.objects.only("parameters", "status"),
        pk=pk,
        status=SurveillancePlan.Status.REVEALED,
    )
    response = HttpResponse(
        sampling.canonical_json(plan.parameters).encode("utf-8"),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="plan-{plan.pk}-parameters.json"'
    return response
