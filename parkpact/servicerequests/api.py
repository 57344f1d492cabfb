"""Service requests in the JSON API, under /api/v1/service-requests/ (docs/api.md).

For the providers' own systems and the centre's: the queue and each request, and the steps a
provider or the centre takes on them. Scoped like the pages: a provider's staff see only their
company's requests (anything else is 404), and the reporter's contact is never in the API.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkpact.core.api import SIGNED_IN, Pagination, errors, get_visible_or_404
from parkpact.core.permissions import signed_in_user

from . import services
from .models import RequestEvent, ServiceRequest, ServiceRequestQuerySet

router = Router(tags=["service requests"])

Status = ServiceRequest.Status
StatusFilter = Literal[
    "open",
    "any",
    "submitted",
    "acknowledged",
    "in_progress",
    "resolved",
    "closed",
    "rejected",
    "duplicate",
]


class EventOut(Schema):
    at: datetime
    kind: str = Field(description="status, note, breach, routing, feedback or moderation.")
    from_status: str
    to_status: str
    note: str
    by_reporter: bool
    public: bool = Field(description="False: a note for centre staff only.")


class ServiceRequestOut(Schema):
    id: int
    service_code: str
    service_name: str = Field(description="In the request's language.")
    status: str
    status_label: str = Field(description="In the request's language.")
    channel: str = Field(description="qr, open311 or hotline.")
    description: str = Field(description="As the public reads it (after any moderation).")
    attributes: dict[str, Any] = Field(description="Answers to the service's questions, by code.")
    latitude: Decimal | None
    longitude: Decimal | None
    address_string: str
    park: str | None = Field(description="The park's code.")
    zone: str | None = Field(description="The zone's code.")
    provider: int | None = Field(description="The provider that answers it; null: the centre.")
    contract: str | None = Field(description="The contract's number.")
    requested_at: datetime
    updated_at: datetime
    acknowledge_by: datetime
    expected_at: datetime = Field(description="The resolution deadline.")
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    acknowledge_breached_at: datetime | None = Field(
        description="When the SLA sweep recorded the missed acknowledgement deadline."
    )
    resolve_breached_at: datetime | None
    validated_at: datetime | None
    contractor_at_fault: bool = Field(
        description="Validated as a complaint against the contractor (counts in its assessment)."
    )
    overdue: bool = Field(description="Still open past the resolution deadline.")
    duplicate_of: int | None

    @staticmethod
    def resolve_service_code(report: ServiceRequest) -> str:
        return report.service.code

    @staticmethod
    def resolve_service_name(report: ServiceRequest) -> str:
        return report.service.name

    @staticmethod
    def resolve_status_label(report: ServiceRequest) -> str:
        return str(report.get_status_display())

    @staticmethod
    def resolve_park(report: ServiceRequest) -> str | None:
        return report.park.code if report.park else None

    @staticmethod
    def resolve_zone(report: ServiceRequest) -> str | None:
        return report.zone.code if report.zone else None

    @staticmethod
    def resolve_provider(report: ServiceRequest) -> int | None:
        return report.provider_id

    @staticmethod
    def resolve_contract(report: ServiceRequest) -> str | None:
        return report.contract.number if report.contract else None

    @staticmethod
    def resolve_overdue(report: ServiceRequest) -> bool:
        return report.is_overdue(timezone.now())

    @staticmethod
    def resolve_duplicate_of(report: ServiceRequest) -> int | None:
        return report.duplicate_of_id


class ServiceRequestDetailOut(ServiceRequestOut):
    events: list[EventOut] = Field(
        description="The history, oldest first; a provider's staff get the public steps only."
    )
    allowed_actions: list[str] = Field(
        description="What the caller may do now: acknowledge, start, resolve, validate, "
        "send_back, reject, merge, reroute, moderate."
    )

    @staticmethod
    def resolve_events(report: ServiceRequest) -> list[RequestEvent]:
        return list(getattr(report, "visible_events", []))

    @staticmethod
    def resolve_allowed_actions(report: ServiceRequest) -> list[str]:
        return list(getattr(report, "actions_for_caller", []))


def _queue(request: HttpRequest) -> ServiceRequestQuerySet:
    return ServiceRequest.objects.visible_to(signed_in_user(request)).select_related(
        "service", "park", "zone", "contract"
    )


def _detail(request: HttpRequest, report: ServiceRequest) -> ServiceRequest:
    """The request as the caller may see it, with its history and the caller's next steps."""
    user = signed_in_user(request)
    report = get_visible_or_404(_queue(request), pk=report.pk)
    events = RequestEvent.objects.filter(request=report).order_by("at", "pk")
    if not user.is_centre_staff:
        events = events.filter(public=True)
    report.visible_events = list(events)  # type: ignore[attr-defined]
    report.actions_for_caller = sorted(services.allowed_actions(report, user))  # type: ignore[attr-defined]
    return report


def _visible(request: HttpRequest, request_id: int) -> ServiceRequest:
    return get_visible_or_404(_queue(request), pk=request_id)


@router.get(
    "",
    response={200: list[ServiceRequestOut], **errors(401, 422)},
    auth=SIGNED_IN,
    summary="The queue of service requests",
)
@paginate(Pagination)
def list_requests(
    request: HttpRequest, status: StatusFilter = "open", overdue: bool = False
) -> ServiceRequestQuerySet:
    """The caller's queue: a provider's staff get their company's requests only. ``status``:
    ``open`` (the default: submitted, acknowledged or in progress), ``any`` or one status;
    ``overdue=true``: only those open past their resolution deadline. Overdue first, then by
    resolution deadline."""
    now = timezone.now()
    late = Q(status__in=ServiceRequest.OPEN_STATUSES, expected_at__lt=now)
    requests = _queue(request)
    if status == "open":
        requests = requests.open()
    elif status != "any":
        requests = requests.filter(status=status)
    if overdue:
        requests = requests.filter(late)
    return requests.annotate(
        overdue_first=Case(When(late, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("overdue_first", "expected_at", "pk")


@router.get(
    "/{request_id}",
    response={200: ServiceRequestDetailOut, **errors(401, 404)},
    auth=SIGNED_IN,
    summary="One service request, with its history",
)
def get_request(request: HttpRequest, request_id: int) -> ServiceRequest:
    return _detail(request, _visible(request, request_id))


ACTION_ERRORS = errors(400, 401, 403, 404, 422)


@router.post(
    "/{request_id}/acknowledge",
    response={200: ServiceRequestDetailOut, **ACTION_ERRORS},
    auth=SIGNED_IN,
    summary="Acknowledge a request",
)
def acknowledge(request: HttpRequest, request_id: int, note: Form[str] = "") -> ServiceRequest:
    """Whoever answers the request (its provider's staff, or the centre's for its own queue)
    says it has been seen. 400 ``transition_not_allowed``: it is past that step."""
    report = services.acknowledge(
        request=_visible(request, request_id), by=signed_in_user(request), note=note
    )
    return _detail(request, report)


@router.post(
    "/{request_id}/resolve",
    response={200: ServiceRequestDetailOut, **ACTION_ERRORS},
    auth=SIGNED_IN,
    summary="Mark a request resolved (multipart: note and photo)",
)
def resolve(
    request: HttpRequest,
    request_id: int,
    note: Form[str] = "",
    photo: UploadedFile | None = File(None),  # noqa: B008 (ninja's marker)
) -> ServiceRequest:
    """Multipart form data: ``note`` (what was done) and ``photo`` (a JPEG, PNG or WebP of the
    result, required from a provider). 400 ``photo_required``, ``not_an_image``,
    ``too_large``: nothing was changed."""
    report = services.resolve(
        request=_visible(request, request_id), by=signed_in_user(request), note=note, photo=photo
    )
    return _detail(request, report)


@router.post(
    "/{request_id}/validate",
    response={200: ServiceRequestDetailOut, **ACTION_ERRORS},
    auth=SIGNED_IN,
    summary="Validate a resolution (centre staff)",
)
def validate(
    request: HttpRequest,
    request_id: int,
    note: Form[str] = "",
    contractor_at_fault: Form[bool] = False,
) -> ServiceRequest:
    """The centre checked the work: the request is closed; with ``contractor_at_fault`` it
    counts as a validated complaint against the contract. Administrators, contract managers
    and inspectors only (403 otherwise)."""
    report = services.validate_resolution(
        request=_visible(request, request_id),
        by=signed_in_user(request),
        note=note,
        contractor_at_fault=contractor_at_fault,
    )
    return _detail(request, report)


@router.post(
    "/{request_id}/send-back",
    response={200: ServiceRequestDetailOut, **ACTION_ERRORS},
    auth=SIGNED_IN,
    summary="Send a resolution back (centre staff)",
)
def send_back(request: HttpRequest, request_id: int, note: Form[str] = "") -> ServiceRequest:
    """The resolution is not accepted: the request is in progress again. ``note`` (why) is
    required: 400 ``note_required``."""
    report = services.send_back(
        request=_visible(request, request_id), by=signed_in_user(request), note=note
    )
    return _detail(request, report)
