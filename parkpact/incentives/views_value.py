"""Value for money (``/incentives/contracts/<pk>/value/``) and the yearly outsourcing evaluation of
a park (``/incentives/parks/<pk>/evaluation/<year>/``, ``.pdf``, ``.xlsx``), for centre staff
only: a provider gets 404. The evaluation's page, PDF and workbook are built from one context,
so the document the leadership reads prints the numbers the screen shows."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkpact.contracts.models import Contract
from parkpact.core.forms import add_service_errors
from parkpact.core.models import CENTRE_ROLES
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user
from parkpact.parks.models import Park
from parkpact.reports.http import pdf_response, xlsx_response
from parkpact.reports.pdf import render_pdf
from parkpact.reports.xlsx import MONEY, Sheet, Value, workbook

from . import deterrence, services_evaluation, services_value
from .forms import InHouseComparatorForm
from .services_value import Shown

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _centre_staff(request: HttpRequest) -> None:
    """The contractor never sees these pages (404, as the deterrence check)."""
    if not signed_in_user(request).has_role(*CENTRE_ROLES):
        raise Http404


def _contract(request: HttpRequest, pk: int) -> Contract:
    _centre_staff(request)
    return get_object_or_404(Contract.objects.select_related("provider"), pk=pk)


# ---- A contract's value for money -----------------------------------------------------------------


def _page(
    request: HttpRequest,
    contract: Contract,
    *,
    form: InHouseComparatorForm | None = None,
    status: int = 200,
) -> HttpResponse:
    table = services_value.value_table(contract=contract)
    can_manage = signed_in_user(request).has_role(*MANAGING_ROLES)
    if form is None and can_manage:
        comparator = table.comparator
        initial = (
            {
                name: getattr(comparator, name)
                for name in (*services_value.COMPARATOR_FIELDS, "note")
            }
            if comparator
            else {}
        )
        form = InHouseComparatorForm(initial=initial)
    latest = next((row for row in reversed(table.rows) if row.approved), None)
    return render(
        request,
        "incentives/contract_value.html",
        {
            "contract": contract,
            "table": table,
            "latest": latest,
            "rows": list(reversed(table.rows)),  # newest first, as the other month lists
            "can_manage": can_manage,
            "form": form,
        },
        status=status,
    )


@role_required(SIGNED_IN_ROLES)
@require_GET
def contract_value(request: HttpRequest, contract_pk: int) -> HttpResponse:
    return _page(request, _contract(request, contract_pk))


@require_POST
@role_required(SIGNED_IN_ROLES)
def comparator_save(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = _contract(request, contract_pk)
    user = signed_in_user(request)
    if not user.has_role(*MANAGING_ROLES):
        raise PermissionDenied
    form = InHouseComparatorForm(request.POST)
    if form.is_valid():
        try:
            services_value.save_comparator(contract=contract, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The in-house comparator is saved."))
            return redirect(reverse("incentives:contract_value", args=[contract.pk]))
    return _page(request, contract, form=form, status=400)


# ---- The yearly outsourcing evaluation of a park --------------------------------------------------


def _park(request: HttpRequest, pk: int, year: int) -> Park:
    _centre_staff(request)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return get_object_or_404(Park, pk=pk)


def evaluation_context(request: HttpRequest, park: Park, year: int) -> dict[str, Any]:
    """What the page, the PDF and the workbook all show."""
    evaluation = services_evaluation.park_evaluation(park=park, year=year)
    return {
        "evaluation": evaluation,
        "park": park,
        "year": year,
        "centre_name": settings.PARKPACT_CENTRE_NAME,
        "verdicts": [
            (deterrence.DETERRED, _("Deterred")),
            (deterrence.WEAKLY_DETERRED, _("Weakly deterred")),
            (deterrence.NOT_DETERRED, _("Not deterred")),
        ],
        "page_url": request.build_absolute_uri(
            reverse("incentives:park_evaluation", args=[park.pk, year])
        ),
    }


def _filename(park: Park, year: int, extension: str) -> str:
    words = _("outsourcing evaluation").replace(" ", "-")
    return f"{park.name}-{year}-{words}.{extension}"


@role_required(SIGNED_IN_ROLES)
@require_GET
def park_evaluation(request: HttpRequest, park_pk: int, year: int) -> HttpResponse:
    """The page; ``?format=pdf`` or ``?format=xlsx`` gives the documents."""
    requested = request.GET.get("format")
    if requested == "pdf":
        return park_evaluation_pdf(request, park_pk, year)
    if requested == "xlsx":
        return park_evaluation_xlsx(request, park_pk, year)
    park = _park(request, park_pk, year)
    return render(
        request, "incentives/park_evaluation.html", evaluation_context(request, park, year)
    )


@role_required(SIGNED_IN_ROLES)
@require_GET
def park_evaluation_pdf(request: HttpRequest, park_pk: int, year: int) -> HttpResponse:
    park = _park(request, park_pk, year)
    data = render_pdf(
        template="incentives/report_evaluation.html",
        context=evaluation_context(request, park, year),
        request=request,
    )
    return pdf_response(data, _filename(park, year, "pdf"))


def _cell(figure: Shown) -> Value:
    """A figure in a cell: its number, or the words "input missing"."""
    return figure.value if figure.value is not None else _("input missing")


def evaluation_sheets(context: dict[str, Any]) -> list[Sheet]:
    """The evaluation as sheets: the year per contract, its months, the public and the
    incidents, and the deterrence findings."""
    evaluation: services_evaluation.Evaluation = context["evaluation"]
    verdicts: list[tuple[str, str]] = context["verdicts"]
    summary_rows: list[list[Value]] = []
    month_rows: list[list[Value]] = []
    public_rows: list[list[Value]] = []
    finding_rows: list[list[Value]] = []
    for item in evaluation.contracts:
        contract, totals = item.contract, item.totals
        comparator = item.comparator
        summary_rows.append(
            [
                contract.number,
                contract.title,
                contract.provider.name,
                contract.get_service_kind_display(),
                item.approved_months,
                _cell(totals["fee"]),
                _cell(totals["deduction"]),
                _cell(totals["bonus"]),
                _cell(totals["paid"]),
                _cell(totals["monitoring"]),
                _cell(totals["total"]),
                _cell(totals["in_house"]),
                _cell(totals["difference"]),
                _cell(totals["difference_percent"]),
                _cell(totals["mean_score"]),
                item.rating_label,
                comparator.monthly_cost() if comparator else _("input missing"),
            ]
        )
        for row in item.months:
            figures = row.figures
            month_rows.append(
                [
                    contract.number,
                    f"{row.month:%Y-%m}",
                    row.approved,
                    _cell(figures["score"]) if row.approved else None,
                    row.grade_label,
                    *(
                        _cell(figures[name]) if row.approved else None
                        for name in ("fee", "deduction", "bonus", "paid")
                    ),
                    _cell(figures["monitoring"]),
                    *(
                        _cell(figures[name]) if row.approved else None
                        for name in ("total", "cost_per_m2", "cost_per_point")
                    ),
                    _cell(figures["in_house"]),
                    *(
                        _cell(figures[name]) if row.approved else None
                        for name in ("difference", "difference_percent")
                    ),
                    row.peers,
                ]
            )
        complaints, incidents = item.complaints, item.incidents
        public_rows.append(
            [
                contract.number,
                complaints.count,
                complaints.validated_at_fault,
                complaints.resolved,
                complaints.median_hours,
                complaints.p90_hours,
                incidents.count,
                incidents.serious,
                incidents.within_target,
                incidents.median_minutes,
                incidents.p90_minutes,
            ]
        )
        checked = item.deterrence
        finding_rows.append(
            [
                contract.number,
                f"{checked.month:%Y-%m}" if checked.month else _("no terms in force"),
                *(checked.counts[key] for key, _label in verdicts),
                checked.missing,
                "",
                "",
                None,
                None,
                None,
                "",
            ]
        )
        finding_rows += [
            [
                contract.number,
                f"{checked.month:%Y-%m}" if checked.month else "",
                None,
                None,
                None,
                None,
                finding.standard,
                finding.zone,
                finding.detection,
                finding.expected,
                finding.saving,
                finding.fix,
            ]
            for finding in checked.not_deterred
        ]
    money_summary: dict[int | str, str] = {index: MONEY for index in range(5, 13)}
    money_months: dict[int | str, str] = {index: MONEY for index in range(5, 15)}
    return [
        Sheet(
            title=_("Summary"),
            headers=[
                _("Contract"),
                _("Title"),
                _("Provider"),
                _("Service"),
                _("Approved months"),
                _("Monthly fees (yuan)"),
                _("Deductions (yuan)"),
                _("Bonus (yuan)"),
                _("Paid (yuan)"),
                _("Monitoring cost (yuan)"),
                _("Total cost to the centre (yuan)"),
                _("In-house comparator (yuan)"),
                _("Difference (yuan)"),
                _("Difference (%)"),
                _("Mean score"),
                _("Rating"),
                _("In-house cost per month (yuan)"),
            ],
            rows=summary_rows,
            number_formats=money_summary | {16: MONEY},
        ),
        Sheet(
            title=_("Months"),
            headers=[
                _("Contract"),
                _("Month"),
                _("Approved"),
                _("Score"),
                _("Rating"),
                _("Monthly fee (yuan)"),
                _("Deduction (yuan)"),
                _("Bonus (yuan)"),
                _("Paid (yuan)"),
                _("Monitoring cost (yuan)"),
                _("Total cost to the centre (yuan)"),
                _("Cost per m² (yuan)"),
                _("Cost per score point (yuan)"),
                _("In-house comparator (yuan)"),
                _("Difference (yuan)"),
                _("Difference (%)"),
                _("Peers"),
            ],
            rows=month_rows,
            number_formats=money_months,
        ),
        Sheet(
            title=_("Public and incidents"),
            headers=[
                _("Contract"),
                _("Reports from the public"),
                _("Validated, contractor at fault"),
                _("Resolved"),
                _("Median resolution (hours)"),
                _("90th percentile resolution (hours)"),
                _("Incidents"),
                _("Serious or critical"),
                _("Responded within target"),
                _("Median response (minutes)"),
                _("90th percentile response (minutes)"),
            ],
            rows=public_rows,
        ),
        Sheet(
            title=_("Deterrence"),
            headers=[
                _("Contract"),
                _("Month checked"),
                *(label for _key, label in verdicts),
                _("Input missing"),
                _("Standard not deterred"),
                _("Zone"),
                _("Detection"),
                _("Expected penalty (yuan)"),
                _("Saving (yuan)"),
                _("Smallest fix"),
            ],
            rows=finding_rows,
            number_formats={9: MONEY, 10: MONEY},
        ),
    ]


@role_required(SIGNED_IN_ROLES)
@require_GET
def park_evaluation_xlsx(request: HttpRequest, park_pk: int, year: int) -> HttpResponse:
    park = _park(request, park_pk, year)
    data = workbook(evaluation_sheets(evaluation_context(request, park, year)))
    return xlsx_response(data, _filename(park, year, "xlsx"))
