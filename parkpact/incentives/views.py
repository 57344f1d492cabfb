"""A contract's deterrence check (``/incentives/contracts/<pk>/?month=YYYY-MM``), for centre
staff only: a provider gets 404, since the page shows where monitoring is weak. Managers also
enter the contract's cost breakdown here."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpact.contracts.models import Contract
from parkpact.core.forms import add_service_errors
from parkpact.core.models import CENTRE_ROLES
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user

from . import deterrence, services
from .forms import CostBreakdownForm


def _contract(request: HttpRequest, pk: int) -> Contract:
    user = signed_in_user(request)
    if not user.has_role(*CENTRE_ROLES):
        raise Http404
    return get_object_or_404(Contract.objects.select_related("provider"), pk=pk)


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _chart(table: services.Table) -> dict[str, Any]:
    rows = [row for row in table.rows if row.expected is not None and row.saving is not None]
    return {
        "labels": [
            f"{row.standard.code} {row.zone.code}" if row.zone else row.standard.code
            for row in rows
        ],
        "expected": [_number(row.expected) for row in rows],
        "saving": [_number(row.saving) for row in rows],
        "names": {"expected": _("Expected penalty (CNY)"), "saving": _("Saving (CNY)")},
    }


def _page(
    request: HttpRequest,
    contract: Contract,
    *,
    form: CostBreakdownForm | None = None,
    status: int = 200,
) -> HttpResponse:
    month = services.parse_month(request.GET.get("month"))
    table = services.build_table(contract=contract, month=month)
    user = signed_in_user(request)
    can_manage = user.has_role(*MANAGING_ROLES)
    if form is None and can_manage:
        initial = (
            {name: getattr(table.breakdown, name) for name in services.COST_FIELDS}
            if table.breakdown
            else {}
        )
        form = CostBreakdownForm(initial=initial)
    counts = {
        verdict: sum(1 for row in table.rows if row.verdict == verdict)
        for verdict in (deterrence.DETERRED, deterrence.WEAKLY_DETERRED, deterrence.NOT_DETERRED)
    }
    return render(
        request,
        "incentives/contract_deterrence.html",
        {
            "contract": contract,
            "table": table,
            "month_value": f"{table.month:%Y-%m}",
            "chart": _chart(table),
            "counts": counts,
            "missing_rows": sum(1 for row in table.rows if row.verdict is None),
            "can_manage": can_manage,
            "form": form,
            "margin": deterrence.DETERRED_RATIO,
        },
        status=status,
    )


@role_required(SIGNED_IN_ROLES)
def contract_deterrence(request: HttpRequest, contract_pk: int) -> HttpResponse:
    return _page(request, _contract(request, contract_pk))


@require_POST
@role_required(SIGNED_IN_ROLES)
def cost_breakdown_save(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = _contract(request, contract_pk)
    user = signed_in_user(request)
    if not user.has_role(*MANAGING_ROLES):
        raise PermissionDenied
    form = CostBreakdownForm(request.POST)
    if form.is_valid():
        try:
            services.save_cost_breakdown(contract=contract, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The cost breakdown is saved."))
            url = reverse("incentives:contract_deterrence", args=[contract.pk])
            month = services.parse_month(request.GET.get("month"))
            return redirect(f"{url}?month={month:%Y-%m}")
    return _page(request, contract, form=form, status=400)
