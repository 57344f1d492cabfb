"""Pages of rectification orders, submitted inspections and their photos.

Centre staff see every order and inspection; a provider's staff see their own company's orders,
and their company's inspections once submitted. Anything else answers 404, as if it did not
exist. Photos are served only here, after the same check: the display copy to whoever may see the
evidence, the original (with its EXIF) to centre staff only.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Q, Value, When
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkpact.core.forms import add_service_errors
from parkpact.core.models import CENTRE_ROLES, Role
from parkpact.core.permissions import (
    MANAGING_ROLES,
    SIGNED_IN_ROLES,
    role_required,
    signed_in_user,
)

from . import rectification
from .evidence import EXTENSIONS, may_download_original, visible_evidence
from .forms_orders import OrderFilterForm, RectifyForm, ReinspectForm
from .models import Evidence, Finding, Inspection, OrderEvent, RectificationOrder
from .submission import close_review

Status = RectificationOrder.Status
PROVIDER_ROLES = frozenset({Role.PROVIDER})
INSPECTOR_ROLES = frozenset({Role.INSPECTOR})
PAGE_SIZE = 50


def _late_orders(now: datetime) -> Q:
    """Not put right by the deadline: the query twin of RectificationOrder.is_overdue."""
    Status = RectificationOrder.Status
    waiting = Q(status__in=(Status.OPEN, Status.REOPENED))
    return (waiting & (Q(deadline__lt=now) | Q(overdue_at__isnull=False))) | Q(
        status__in=(Status.RECTIFIED, Status.CLOSED), rectified_at__gt=F("deadline")
    )


@dataclass(frozen=True)
class OrderRow:
    order: RectificationOrder
    late: bool


@role_required(SIGNED_IN_ROLES)
def order_list(request: HttpRequest) -> HttpResponse:
    """Open orders first, soonest deadline first; closed ones after them."""
    user = signed_in_user(request)
    now = timezone.now()
    filters = OrderFilterForm(request.GET, user=user)
    orders = (
        RectificationOrder.objects.visible_to(user)
        .select_related(
            "contract",
            "provider",
            "standard",
            "finding__inspection__zone__park",
            "alert__device__facility__zone__park",
            "alert__rule",
        )
        .annotate(
            closed_last=Case(
                When(status=Status.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("closed_last", "deadline", "pk")
    )
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            orders = orders.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["contract"]:
            orders = orders.filter(contract=filters.cleaned_data["contract"])
        if filters.cleaned_data["late"]:
            orders = orders.filter(_late_orders(now))
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/order_list.html",
        {
            "page_obj": page,
            "rows": [OrderRow(order=order, late=order.is_overdue(now)) for order in page],
            "filters": filters,
            "is_filtered": any(request.GET.get(name) for name in ("status", "contract", "late")),
            "is_provider": not user.is_centre_staff,
            "now": now,
        },
    )


@dataclass(frozen=True)
class HistoryRow:
    event: OrderEvent
    step: str
    is_overdue_mark: bool
    photos: list[Evidence]


def _step(event: OrderEvent, is_overdue_mark: bool) -> str:
    """What happened at this step, in words (the overdue mark changes no status)."""
    if is_overdue_mark:
        return _("Deadline passed: marked overdue")
    if not event.from_status:
        return _("Issued to the provider")
    steps: dict[str, str] = {
        Status.RECTIFIED: _("Marked rectified by the provider"),
        Status.CLOSED: _("Re-inspected: put right, order closed"),
        Status.REOPENED: _("Re-inspected: not put right, order reopened"),
    }
    return steps.get(event.to_status, event.to_status)


def _history_row(event: OrderEvent) -> HistoryRow:
    is_overdue_mark = (
        event.note == rectification.OVERDUE_NOTE and event.from_status == event.to_status
    )
    return HistoryRow(
        event=event,
        step=_step(event, is_overdue_mark),
        is_overdue_mark=is_overdue_mark,
        photos=list(event.evidence.all()),
    )


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    rectify_form: RectifyForm | None = None,
    reinspect_form: ReinspectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    order = get_object_or_404(
        RectificationOrder.objects.visible_to(user).select_related(
            "contract",
            "provider",
            "standard",
            "finding__inspection__zone__park",
            "finding__inspection__inspector",
            "alert__device__facility__zone__park",
            "alert__rule",
        ),
        pk=pk,
    )
    events = order.events.select_related("actor").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "pk"))
    )
    actions = rectification.allowed_actions(order, user)
    finding = order.finding
    return render(
        request,
        "inspections/order_detail.html",
        {
            "order": order,
            "finding": finding,
            "inspection": finding.inspection if finding is not None else None,
            "finding_photos": (
                list(finding.evidence.order_by("uploaded_at", "pk")) if finding is not None else []
            ),
            "alert": order.sensor_alert,
            "history": [_history_row(event) for event in events],
            "late": order.is_overdue(now),
            "now": now,
            "can_rectify": "rectify" in actions,
            "can_reinspect": "reinspect" in actions,
            "rectify_form": rectify_form or RectifyForm(),
            "reinspect_form": reinspect_form or ReinspectForm(),
            "may_download_original": may_download_original(user),
        },
        status=status,
    )


@role_required(SIGNED_IN_ROLES)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


def _visible_order(request: HttpRequest, pk: int) -> RectificationOrder:
    return get_object_or_404(RectificationOrder.objects.visible_to(signed_in_user(request)), pk=pk)


@require_POST
@role_required(PROVIDER_ROLES)
def order_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    """The provider's staff mark their company's order rectified, with a photo."""
    order = _visible_order(request, pk)
    form = RectifyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rectification.mark_rectified(
                order=order,
                by=signed_in_user(request),
                note=form.cleaned_data["note"],
                photo=form.cleaned_data["photo"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Order %(number)s is marked rectified. An inspector will check it.")
                % {"number": order.pk},
            )
            return redirect("inspections:order_detail", pk=order.pk)
    for problem in form.non_field_errors():
        messages.error(request, str(problem))
    return _detail_page(request, pk, rectify_form=form, status=400)


@require_POST
@role_required(INSPECTOR_ROLES)
def order_reinspect(request: HttpRequest, pk: int) -> HttpResponse:
    """An inspector closes the order (put right) or reopens it (not put right, saying why)."""
    order = _visible_order(request, pk)
    form = ReinspectForm(request.POST, request.FILES)
    if form.is_valid():
        passed = form.cleaned_data["result"]
        try:
            rectification.reinspect(
                order=order,
                by=signed_in_user(request),
                passed=passed,
                note=form.cleaned_data["note"],
                photo=form.cleaned_data["photo"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = (
                _("Order %(number)s is closed.")
                if passed
                else _("Order %(number)s is reopened: the provider has been told.")
            )
            messages.success(request, text % {"number": order.pk})
            return redirect("inspections:order_detail", pk=order.pk)
    for problem in form.non_field_errors():
        messages.error(request, str(problem))
    return _detail_page(request, pk, reinspect_form=form, status=400)


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    photos: list[Evidence]
    order: RectificationOrder | None


@role_required(SIGNED_IN_ROLES)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection: where and when it was done, each checklist item with its photos and
    the order it raised. Provider staff see their company's, once submitted."""
    user = signed_in_user(request)
    inspection = get_object_or_404(
        Inspection.objects.visible_to(user).select_related(
            "zone__park", "contract__provider", "inspector", "plan"
        ),
        pk=pk,
    )
    findings = (
        inspection.findings.select_related("standard", "order")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "pk"))
        )
        .order_by("standard__code")
    )
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "rows": [
                FindingRow(
                    finding=finding,
                    photos=list(finding.evidence.all()),
                    order=getattr(finding, "order", None),
                )
                for finding in findings
            ],
            "may_download_original": may_download_original(user),
            "is_provider": not user.is_centre_staff,
        },
    )


def _file_response(
    field_file: FieldFile, content_type: str, filename: str, *, inline: bool
) -> FileResponse:
    response = FileResponse(
        field_file.storage.open(str(field_file.name), "rb"),
        content_type=content_type,
        as_attachment=not inline,
        filename=filename,
    )
    # Evidence never changes, but it is private: browsers may keep it, shared caches may not.
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _anonymous(request: HttpRequest) -> HttpResponseBase | None:
    """Photos stream as FileResponse, which role_required's type does not cover: check here."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@require_GET
def evidence_display(request: HttpRequest, uuid: UUID) -> HttpResponseBase:
    """The EXIF-free display copy, to whoever may see the evidence."""
    if (login := _anonymous(request)) is not None:
        return login
    evidence = get_object_or_404(visible_evidence(signed_in_user(request)), uuid=uuid)
    return _file_response(
        evidence.display, "image/jpeg", f"{evidence.sha256[:16]}.jpg", inline=True
    )


@require_GET
def evidence_original(request: HttpRequest, uuid: UUID) -> HttpResponseBase:
    """The file as uploaded, metadata and all, named by its SHA-256: centre staff only."""
    if (login := _anonymous(request)) is not None:
        return login
    user = signed_in_user(request)
    if not may_download_original(user):
        raise Http404
    evidence = get_object_or_404(Evidence, uuid=uuid)
    extension = EXTENSIONS.get(evidence.content_type, "")
    return _file_response(
        evidence.original, evidence.content_type, f"{evidence.sha256}{extension}", inline=False
    )


@role_required(CENTRE_ROLES)
def review_list(request: HttpRequest) -> HttpResponse:
    """The inspections flagged for review, oldest first: each needs a manager's look."""
    flagged = (
        Inspection.objects.filter(needs_review=True)
        .select_related("zone__park", "contract__provider", "inspector")
        .order_by("window_start")
    )
    page = Paginator(flagged, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/review_list.html",
        {"page_obj": page, "may_close": signed_in_user(request).has_role(*MANAGING_ROLES)},
    )


@require_POST
@role_required(MANAGING_ROLES)
def review_close(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(Inspection, pk=pk)
    try:
        close_review(
            inspection=inspection, by=signed_in_user(request), note=request.POST.get("note", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Review recorded; the flag is cleared."))
    return redirect("inspections:review_list")
