"""The assessment pages: the month's assessments across contracts (managers compute, send and
approve them), one assessment with its measurements, evidence and appeals (the provider
confirms or appeals per line), finance's certificates, and a provider's record over time.

Another company's assessment answers 404. Every change goes through ``services``; a refusal is
shown on the page in the user's language and changes nothing.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkpact.core.models import Role, User
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user
from parkpact.core.photos import read_capped
from parkpact.providers.models import Provider

from . import scoring, services
from .evidence import links_for
from .forms import AdjustmentForm, DecisionForm, MonthForm, last_month
from .models import Appeal, Assessment, Grade, PaymentCertificate, Rating

FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})
# Evidence links shown per line on the page (the report and the API list them all).
LINKS_SHOWN = 12


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _month_from(request: HttpRequest) -> date:
    form = MonthForm(request.GET or None)
    if request.GET.get("month") and form.is_valid():
        return form.cleaned_data["month"]
    return last_month()


@role_required(SIGNED_IN_ROLES)
def assessment_list(request: HttpRequest) -> HttpResponse:
    """The month's assessments across contracts, with what each awaits and what it pays."""
    user = signed_in_user(request)
    month = _month_from(request)
    assessments = list(
        Assessment.objects.visible_to(user)
        .filter(month=month)
        .select_related("contract__provider", "certificate")
        .annotate(pending_appeals=Count("lines__appeal", filter=Q(lines__appeal__status="pending")))
        .order_by("contract__number")
    )
    assessed = {a.contract_id for a in assessments}
    missing = (
        [c for c in services.contracts_in_term(month) if c.pk not in assessed]
        if user.is_centre_staff
        else []
    )
    counts = {value: 0 for value, _label in Assessment.Status.choices}
    for assessment in assessments:
        counts[assessment.status] += 1
    return render(
        request,
        "assessments/assessment_list.html",
        {
            "month": month,
            "previous": scoring.add_months(month, -1),
            "following": scoring.add_months(month, 1),
            "month_form": MonthForm(initial={"month": month}),
            "assessments": assessments,
            "missing": missing,
            "counts": [(label, counts[value]) for value, label in Assessment.Status.choices],
            "may_manage": user.has_role(*MANAGING_ROLES),
            "net_total": sum(
                (a.certificate.net for a in assessments if hasattr(a, "certificate")), Decimal(0)
            ),
        },
    )


@role_required(MANAGING_ROLES)
@require_POST
def assessment_compute(request: HttpRequest) -> HttpResponse:
    """Compute (or recompute) every draft of a month."""
    form = MonthForm(request.POST)
    if not form.is_valid():
        for message in (
            form.errors.get("month", [])
            + form.errors.get("amount", [])
            + form.errors.get("reason", [])
        ):
            messages.error(request, str(message))
        return redirect("assessments:assessment_list")
    month = form.cleaned_data["month"]
    done, refused = services.compute_month(month=month, by=signed_in_user(request))
    messages.success(
        request,
        _("%(count)s assessments computed for %(month)s.")
        % {"count": len(done), "month": f"{month:%Y-%m}"},
    )
    for contract, error in refused:
        for message in error.messages:
            messages.warning(request, f"{contract.number}: {message}")
    return redirect(f"{reverse('assessments:assessment_list')}?month={month:%Y-%m}")


def _visible(request: HttpRequest, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.visible_to(signed_in_user(request)).select_related(
            "contract__provider", "version", "approved_by", "responded_by"
        ),
        pk=pk,
    )


def detail_context(assessment: Assessment, user: User) -> dict[str, Any]:
    """What the page shows, shared with the reports so they print the same numbers."""
    lines = list(
        assessment.lines.select_related(
            "standard", "appeal__decided_by", "appeal__submitted_by"
        ).order_by("standard__code")
    )
    links = links_for(lines, LINKS_SHOWN)
    for line in lines:
        line.links = links[line.pk]  # type: ignore[attr-defined]
    certificate = getattr(assessment, "certificate", None)
    adjustments = (
        list(assessment.adjustments_applied.select_related("corrects"))
        if certificate
        else services.pending_adjustments(assessment)
    )
    preview = None if certificate else services.certificate_for(assessment, adjustments)
    today = timezone.localdate()
    is_provider = user.provider_id == assessment.contract.provider_id
    return {
        "assessment": assessment,
        "contract": assessment.contract,
        "version": assessment.version,
        "lines": lines,
        "unmeasured": [line for line in lines if not line.available],
        "certificate": certificate,
        "certificate_lines": list(certificate.lines.all()) if certificate else [],
        "preview": preview,
        "adjustments": adjustments,
        "corrections": list(assessment.corrections.select_related("applied_in")),
        "may_manage": user.has_role(*MANAGING_ROLES),
        "is_provider": is_provider,
        "may_answer": is_provider and assessment.appeal_open(today),
        "window_passed": assessment.status == Assessment.Status.SENT
        and not assessment.appeal_open(today),
        "decision_form": DecisionForm(),
        "adjustment_form": AdjustmentForm(),
        "points_deducted": assessment.points_deducted,
    }


@role_required(SIGNED_IN_ROLES)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    return render(
        request,
        "assessments/assessment_detail.html",
        detail_context(assessment, signed_in_user(request)),
    )


def _act(request: HttpRequest, pk: int, action: Any, success: str, **kwargs: Any) -> HttpResponse:
    """Run one service on the assessment and come back to its page with the outcome."""
    assessment = _visible(request, pk)
    try:
        action(assessment=assessment, by=signed_in_user(request), **kwargs)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, success)
    return redirect("assessments:assessment_detail", pk=assessment.pk)


@role_required(MANAGING_ROLES)
@require_POST
def assessment_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    try:
        services.compute_assessment(
            contract=assessment.contract, month=assessment.month, by=signed_in_user(request)
        )
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("Recomputed from the evidence recorded now."))
    return redirect("assessments:assessment_detail", pk=assessment.pk)


@role_required(MANAGING_ROLES)
@require_POST
def assessment_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.send_assessment, _("Sent to the provider."))


@role_required(frozenset({Role.PROVIDER}))
@require_POST
def assessment_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.confirm_assessment, _("You confirmed this assessment."))


@role_required(frozenset({Role.PROVIDER}))
@require_POST
def assessment_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """Appeal the ticked lines, each with its own reason and, if any, a photo."""
    assessment = _visible(request, pk)
    lines = {str(line.pk): line for line in assessment.lines.select_related("standard")}
    chosen = [lines[value] for value in request.POST.getlist("line") if value in lines]
    try:
        appeals = []
        for line in chosen:
            upload = request.FILES.get(f"photo_{line.pk}")
            appeals.append(
                services.AppealRequest(
                    line=line,
                    reason=request.POST.get(f"reason_{line.pk}", ""),
                    photo=read_capped(upload) if upload else None,
                )
            )
        services.appeal_lines(assessment=assessment, by=signed_in_user(request), appeals=appeals)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("Your appeal was sent: the manager decides each line."))
    return redirect("assessments:assessment_detail", pk=assessment.pk)


@role_required(MANAGING_ROLES)
@require_POST
def assessment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.approve_assessment,
        _("Approved: the payment certificate awaits finance."),
    )


@role_required(MANAGING_ROLES)
@require_POST
def assessment_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        for message in (
            form.errors.get("month", [])
            + form.errors.get("amount", [])
            + form.errors.get("reason", [])
        ):
            messages.error(request, str(message))
        return redirect("assessments:assessment_detail", pk=pk)
    assessment = _visible(request, pk)
    try:
        services.make_adjustment(
            corrects=assessment,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            by=signed_in_user(request),
        )
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(
            request, _("The correction will be carried in the contract's next certificate.")
        )
    return redirect("assessments:assessment_detail", pk=pk)


@role_required(MANAGING_ROLES)
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("line__assessment"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose uphold or dismiss and give the reason."))
    else:
        try:
            services.decide_appeal(
                appeal=appeal,
                by=signed_in_user(request),
                upheld=form.cleaned_data["decision"] == "uphold",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _refusal(request, error)
        else:
            messages.success(request, _("Decision recorded."))
    return redirect("assessments:assessment_detail", pk=appeal.line.assessment_id)


@role_required(SIGNED_IN_ROLES)
@require_GET
def appeal_photo(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.filter(
            line__assessment__in=Assessment.objects.visible_to(signed_in_user(request))
        ).exclude(photo=""),
        pk=pk,
    )
    with appeal.photo.open("rb") as photo:
        return HttpResponse(photo.read(), content_type="image/jpeg")


@role_required(SIGNED_IN_ROLES)
def certificate_list(request: HttpRequest) -> HttpResponse:
    """Certificates awaiting finance first, then the approved ones, newest month first."""
    user = signed_in_user(request)
    certificates = (
        PaymentCertificate.objects.visible_to(user)
        .select_related("assessment__contract__provider", "approved_by")
        .order_by("status", "-assessment__month", "number")
    )
    status = request.GET.get("status", PaymentCertificate.Status.PENDING)
    if status in PaymentCertificate.Status.values:
        certificates = certificates.filter(status=status)
    shown = list(certificates[:200])
    return render(
        request,
        "assessments/certificate_list.html",
        {
            "certificates": shown,
            "status": status,
            "statuses": PaymentCertificate.Status.choices,
            "total": sum((c.net for c in shown), Decimal(0)),
            "may_approve": user.has_role(*FINANCE_ROLES),
        },
    )


@role_required(FINANCE_ROLES)
@require_POST
def certificate_approve(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(PaymentCertificate, pk=pk)
    try:
        services.approve_certificate(certificate=certificate, by=signed_in_user(request))
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(
            request,
            _("Certificate %(number)s approved for payment.") % {"number": certificate.number},
        )
    return redirect("assessments:certificate_list")


@role_required(SIGNED_IN_ROLES)
def provider_record(request: HttpRequest, pk: int) -> HttpResponse:
    """A provider's past performance: its monthly scores and ratings over all its contracts."""
    user = signed_in_user(request)
    provider = get_object_or_404(Provider, pk=pk)
    ratings = list(
        Rating.objects.visible_to(user)
        .filter(provider=provider)
        .select_related("contract")
        .order_by("month", "contract__number")
    )
    if not user.is_centre_staff and user.provider_id != provider.pk:
        raise Http404
    contracts = sorted({r.contract.number for r in ratings})
    months = sorted({f"{r.month:%Y-%m}" for r in ratings})
    score_at = {(r.contract.number, f"{r.month:%Y-%m}"): float(r.score) for r in ratings}
    grades = {value: 0 for value, _label in Grade.choices}
    for rating in ratings:
        grades[rating.grade] += 1
    return render(
        request,
        "assessments/provider_record.html",
        {
            "provider": provider,
            "ratings": list(reversed(ratings)),
            "chart": {
                "months": months,
                "series": [
                    {"name": n, "data": [score_at.get((n, m)) for m in months]} for n in contracts
                ],
            },
            "grades": [(label, grades[value]) for value, label in Grade.choices],
            "average": (
                (sum((r.score for r in ratings), Decimal(0)) / len(ratings)).quantize(
                    Decimal("0.01")
                )
                if ratings
                else None
            ),
        },
    )
