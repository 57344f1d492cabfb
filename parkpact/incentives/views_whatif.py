"""The what-if sandbox of a contract's deterrence check (``/incentives/contracts/<pk>/what-if/``):
centre staff try other plan sizes, points and caps and see the check change; managers save a
scenario and turn it into a draft amendment or next month's plans. Nothing here changes the
contract except through those two actions, which go through the contracts' and inspections'
services."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpact.contracts.models import PerformanceStandard
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user

from . import deterrence, services, services_whatif
from .models import Scenario
from .views import _contract


@dataclass
class Lever:
    """One standard's inputs on the what-if form: today's value and the one tried."""

    standard: PerformanceStandard
    sampled: bool
    full_check: bool
    size: int | None
    size_tried: str
    points_tried: str
    cap_tried: str
    most: int


@dataclass
class Compared:
    """One row of the check, as it is and under the what-if."""

    before: services.Row
    after: services.Row

    @property
    def changed(self) -> bool:
        return (self.before.detection, self.before.expected, self.before.verdict) != (
            self.after.detection,
            self.after.expected,
            self.after.verdict,
        )


def _levers(table: services.Table, data: dict[str, str]) -> list[Lever]:
    if table.version is None:
        return []
    levers = []
    for standard in table.version.standards.order_by("code"):
        design = table.designs.get(standard.code)
        levers.append(
            Lever(
                standard=standard,
                sampled=services_whatif.sampled(standard),
                full_check=standard.method == PerformanceStandard.Method.FULL_CHECK,
                size=design.sample_size if design is not None else None,
                size_tried=data.get(f"size-{standard.code}", ""),
                points_tried=data.get(f"points-{standard.code}", ""),
                cap_tried=data.get(f"cap-{standard.code}", ""),
                most=services_whatif.size_limit(standard),
            )
        )
    return levers


def _query(scenario: Scenario) -> str:
    fields = {f"size-{code}": size for code, size in scenario.sample_sizes.items()}
    fields |= {f"points-{code}": value for code, value in scenario.points.items()}
    fields |= {f"cap-{code}": value for code, value in scenario.caps.items()}
    return urlencode({"month": f"{scenario.month:%Y-%m}", "scenario": scenario.pk, **fields})


def _counts(rows: list[services.Row]) -> dict[str, int]:
    return {
        verdict: sum(1 for row in rows if row.verdict == verdict)
        for verdict in (deterrence.DETERRED, deterrence.WEAKLY_DETERRED, deterrence.NOT_DETERRED)
    }


def _page(
    request: HttpRequest,
    contract_pk: int,
    *,
    data: dict[str, str],
    month: date,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    contract = _contract(request, contract_pk)
    user = signed_in_user(request)
    baseline = services.build_table(contract=contract, month=month)
    errors = dict(errors or {})
    changes = services.Changes()
    if baseline.version is not None and not errors:
        try:
            changes = services_whatif.clean_changes(
                version=baseline.version, data=data, table=baseline
            )
        except ValidationError as error:
            errors = {field: list(messages_) for field, messages_ in error.message_dict.items()}
            status = 400
    tried = services.build_table(contract=contract, month=month, changes=changes)
    scenarios = list(contract.scenarios.select_related("created_by", "amendment")[:20])
    return render(
        request,
        "incentives/contract_whatif.html",
        {
            "contract": contract,
            "table": baseline,
            "tried": tried,
            "changes": changes,
            "month_value": f"{baseline.month:%Y-%m}",
            "levers": _levers(baseline, data),
            "rows": [
                Compared(before, after)
                for before, after in zip(baseline.rows, tried.rows, strict=True)
            ],
            "counts_before": _counts(baseline.rows),
            "counts_after": _counts(tried.rows),
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "can_manage": user.has_role(*MANAGING_ROLES),
            "scenarios": [(scenario, _query(scenario)) for scenario in scenarios],
            "scenario_name": data.get("name", ""),
            "current": request.GET.get("scenario", ""),
            "next_month": services_whatif.next_plan_month(),
        },
        status=status,
    )


@role_required(SIGNED_IN_ROLES)
def contract_whatif(request: HttpRequest, contract_pk: int) -> HttpResponse:
    month = services.parse_month(request.GET.get("month"))
    return _page(request, contract_pk, data=request.GET.dict(), month=month)


@require_POST
@role_required(SIGNED_IN_ROLES)
def scenario_save(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = _contract(request, contract_pk)
    user = signed_in_user(request)
    if not user.has_role(*MANAGING_ROLES):
        raise PermissionDenied
    data = request.POST.dict()
    month = services.parse_month(data.get("month"))
    baseline = services.build_table(contract=contract, month=month)
    try:
        if baseline.version is None:
            raise ValidationError(
                _("No terms are in force in this month: there is nothing to try.")
            )
        changes = services_whatif.clean_changes(version=baseline.version, data=data, table=baseline)
        scenario = services_whatif.save_scenario(
            contract=contract, month=month, name=data.get("name", ""), changes=changes, by=user
        )
    except ValidationError as error:
        errors = (
            {field: list(found) for field, found in error.message_dict.items()}
            if hasattr(error, "error_dict")
            else {"__all__": list(error.messages)}
        )
        return _page(request, contract_pk, data=data, month=month, errors=errors, status=400)
    messages.success(request, _("The scenario is saved. The contract is unchanged."))
    url = reverse("incentives:contract_whatif", args=[contract.pk])
    return redirect(f"{url}?{_query(scenario)}")


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    scenario = get_object_or_404(Scenario.objects.select_related("contract"), pk=pk)
    _contract(request, scenario.contract_id)  # 404 for anyone but centre staff
    if not signed_in_user(request).has_role(*MANAGING_ROLES):
        raise PermissionDenied
    return scenario


def _back(scenario: Scenario) -> str:
    return (
        reverse("incentives:contract_whatif", args=[scenario.contract_id]) + "?" + _query(scenario)
    )


@require_POST
@role_required(SIGNED_IN_ROLES)
def scenario_amend(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    try:
        effective_from = date.fromisoformat(request.POST.get("effective_from", ""))
    except ValueError:
        messages.error(request, _("Give the date the amendment takes effect."))
        return redirect(_back(scenario))
    try:
        services_whatif.amend_from_scenario(
            scenario=scenario, by=signed_in_user(request), effective_from=effective_from
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_back(scenario))
    messages.success(
        request,
        _(
            "An amendment is drafted with the scenario's points and caps; it takes effect once approved."
        ),
    )
    return redirect("contracts:contract_detail", pk=scenario.contract_id)


@require_POST
@role_required(SIGNED_IN_ROLES)
def scenario_plan(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    try:
        plans = services_whatif.plan_from_scenario(scenario=scenario, by=signed_in_user(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_back(scenario))
    messages.success(
        request,
        _(
            "Next month's plans are drafted with the scenario's sizes: %(count)s. Commit them before the month begins."
        )
        % {"count": len(plans)},
    )
    return redirect("inspections:plan_list", contract_pk=scenario.contract_id)
