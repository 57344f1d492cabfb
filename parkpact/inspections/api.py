"""The inspector's field app in the JSON API, under /api/v1/field/ (docs/field-app.md), and
the rectification orders (/api/v1/field/orders), which inspectors and providers both read.

The app works offline and retries, so both writes require an ``Idempotency-Key`` (the
submission's or the photo's client-generated UUID): a retry gets the first answer again and
creates nothing (see core.idempotency).
"""

import hashlib
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkpact.contracts.models import ContractVersion
from parkpact.core import idempotency
from parkpact.core.api import (
    SIGNED_IN,
    ApiError,
    DecimalString,
    Pagination,
    error_body,
    errors,
    get_visible_or_404,
)
from parkpact.core.models import Role, User
from parkpact.core.permissions import signed_in_user
from parkpact.core.photos import MAX_PHOTO_BYTES

from .evidence import store_evidence
from .models import Evidence, Finding, Inspection, RectificationOrder
from .submission import (
    FindingInput,
    NotAssigned,
    Position,
    SubmissionRefused,
    checklist_of,
    submit_inspection,
    version_on,
)

router = Router(tags=["field"])

# The visits the app downloads: today and the next two days (Asia/Shanghai).
DAYS_AHEAD = 2
# How far back the sync status looks.
SYNC_DAYS = 7
OPEN_STATUSES = (Inspection.Status.SCHEDULED, Inspection.Status.IN_PROGRESS)
# Declared for the OpenAPI document; core.idempotency reads and checks the header itself, so
# that a missing key gets its own error code rather than a generic validation error.
IDEMPOTENCY_KEY = Header(
    None,
    alias=idempotency.HEADER,
    description="Required. A random value (the app uses a UUID), the same on every retry.",
)


def field_inspector(request: HttpRequest) -> User:
    """The signed-in quality inspector; other roles get 403."""
    user = signed_in_user(request)
    if not user.has_role(Role.INSPECTOR):
        raise PermissionDenied(_("The field app is for quality inspectors."))
    return user


# ---------------------------------------------------------------------------------------------
# Visits
# ---------------------------------------------------------------------------------------------


class ChecklistItemOut(Schema):
    code: str = Field(description="The standard's code; findings name it.")
    name: str
    measurement: str = Field(description="What is measured and how.")
    target: str
    unit: str = Field(description="Unit of the measured value; empty if none.")
    limit: DecimalString | None = Field(description="A value beyond this fails; null if none.")
    limit_is_maximum: bool = Field(description="True: the value must not exceed the limit.")

    @staticmethod
    def resolve_limit(standard: Any) -> Decimal | None:
        return standard.limit_value


class FieldZoneOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str = Field(description="The zone kind, in the request's language.")
    park: str = Field(description="The park's name.")
    boundary: dict[str, Any] = Field(description="GeoJSON Polygon in WGS84.")

    @staticmethod
    def resolve_kind_label(zone: Any) -> str:
        return str(zone.get_kind_display())

    @staticmethod
    def resolve_park(zone: Any) -> str:
        return str(zone.park.name)


class VisitOut(Schema):
    uuid: UUID = Field(description="The visit's identifier, used in the submission's path.")
    version: int = Field(description="Send it back as expected_version when submitting.")
    status: str = Field(description="scheduled or in_progress.")
    window_start: datetime
    window_end: datetime
    contract: str = Field(description="The contract's number.")
    provider: str = Field(description="The company whose work is inspected.")
    zone: FieldZoneOut
    checklist: list[ChecklistItemOut] = Field(
        description="The standards to check: the terms in force that day, for this zone kind."
    )

    @staticmethod
    def resolve_contract(inspection: Inspection) -> str:
        return inspection.contract.number

    @staticmethod
    def resolve_provider(inspection: Inspection) -> str:
        return inspection.contract.provider.name

    @staticmethod
    def resolve_checklist(inspection: Inspection) -> list[Any]:
        versions = inspection.contract.versions_in_force  # type: ignore[attr-defined]
        day = timezone.localdate(inspection.window_start)
        return checklist_of(version_on(versions, day), inspection.zone.kind)


@router.get(
    "/visits",
    response={200: list[VisitOut], **errors(401, 403, 422)},
    auth=SIGNED_IN,
    summary="My visits: today, the next two days, and any still in progress",
)
@paginate(Pagination)
def list_visits(request: HttpRequest) -> "QuerySet[Inspection]":
    """The signed-in inspector's open visits, each with its zone and checklist. Never another
    inspector's, and never a provider's business: only inspectors may call it."""
    user = field_inspector(request)
    today = timezone.localdate()
    day_start = timezone.make_aware(datetime.combine(today, time.min))
    horizon = day_start + timedelta(days=DAYS_AHEAD + 1)
    return (
        Inspection.objects.filter(
            inspector=user, status__in=OPEN_STATUSES, window_start__lt=horizon
        )
        .filter(Q(window_end__gte=day_start) | Q(status=Inspection.Status.IN_PROGRESS))
        .select_related("zone__park", "contract__provider")
        .prefetch_related(
            Prefetch(
                "contract__versions",
                queryset=ContractVersion.objects.filter(in_force=True).prefetch_related(
                    "standards"
                ),
                to_attr="versions_in_force",
            )
        )
        .order_by("window_start", "pk")
    )


# ---------------------------------------------------------------------------------------------
# Submitting a visit
# ---------------------------------------------------------------------------------------------


class PositionIn(Schema):
    longitude: float = Field(description="WGS84 degrees, -180 to 180.")
    latitude: float = Field(description="WGS84 degrees, -90 to 90.")
    accuracy_m: float | None = Field(None, description="As the device reported it, in metres.")


class FindingIn(Schema):
    uuid: UUID = Field(description="Made by the app; photos are sent to this finding's URL.")
    standard: str = Field(max_length=16, description="A checklist item's code.")
    result: Literal["pass", "fail", "not_inspected"]
    measured_value: Decimal | None = Field(
        None, description='A decimal string or number, e.g. "0.42"; in the standard\'s unit.'
    )
    note: str = Field("", max_length=2000)
    photos: list[UUID] = Field(
        default_factory=list,
        max_length=10,
        description="The client uuids of the photos the app will upload; at least one if failed.",
    )


class SubmissionIn(Schema):
    expected_version: int = Field(ge=1, description="The visit's version as the app loaded it.")
    started_at: datetime = Field(description="With its UTC offset.")
    start_position: PositionIn | None = Field(description="Null if the device had no fix.")
    finished_at: datetime
    finish_position: PositionIn | None
    findings: list[FindingIn] = Field(max_length=100)


class OrderRef(Schema):
    id: int
    deadline: datetime
    status: str


class FindingOut(Schema):
    uuid: UUID
    standard: str
    result: str
    measured_value: DecimalString | None
    order: OrderRef | None = Field(description="The rectification order a failure raised.")
    photos_received: int

    @staticmethod
    def resolve_standard(finding: Finding) -> str:
        return finding.standard.code

    @staticmethod
    def resolve_order(finding: Finding) -> Any:
        return getattr(finding, "order", None)

    @staticmethod
    def resolve_photos_received(finding: Finding) -> int:
        return int(getattr(finding, "photo_count", 0))


class SubmissionOut(Schema):
    inspection: UUID
    status: str
    version: int
    submitted_at: datetime
    needs_review: bool = Field(description="True when a manager will look at this visit.")
    review_reason: str
    findings: list[FindingOut]

    @staticmethod
    def resolve_inspection(inspection: Inspection) -> UUID:
        return inspection.uuid

    @staticmethod
    def resolve_findings(inspection: Inspection) -> list[Finding]:
        return list(
            inspection.findings.select_related("standard", "order")
            .annotate(photo_count=Count("evidence"))
            .order_by("standard__code")
        )


def _position(value: PositionIn | None) -> Position | None:
    if value is None:
        return None
    return Position(longitude=value.longitude, latitude=value.latitude, accuracy_m=value.accuracy_m)


@router.post(
    "/visits/{inspection_uuid}/submission",
    response={
        200: SubmissionOut,
        **errors(400, 401, 403, 404, 409, 412, 422),
    },
    auth=SIGNED_IN,
    summary="Submit a visit (Idempotency-Key required)",
)
def submit_visit(
    request: HttpRequest,
    inspection_uuid: UUID,
    body: SubmissionIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> JsonResponse:
    """Record the checklist's results, start and finish. Send the header ``Idempotency-Key``
    (the app uses the submission's UUID): a retry gets the first answer and creates nothing.

    409 ``already_submitted``: the visit was submitted before (with another key). 409
    ``visit_closed`` and 412 ``stale``: the visit was missed, cancelled or changed since the app
    loaded it; the results are kept in the audit ledger and the visit is flagged for review.
    422 ``idempotency_key_reused``: the key was used for a different request.
    """
    user = field_inspector(request)
    inspection = get_visible_or_404(Inspection.objects.visible_to(user), uuid=inspection_uuid)

    def handler() -> tuple[int, Any]:
        try:
            submitted = submit_inspection(
                inspection=inspection,
                by=user,
                started_at=body.started_at,
                start_position=_position(body.start_position),
                finished_at=body.finished_at,
                finish_position=_position(body.finish_position),
                findings=[
                    FindingInput(
                        uuid=item.uuid,
                        standard=item.standard,
                        result=item.result,
                        measured_value=item.measured_value,
                        note=item.note,
                        photos=tuple(item.photos),
                    )
                    for item in body.findings
                ],
                expected_version=body.expected_version,
            )
        except SubmissionRefused as refusal:
            if not refusal.flagged:
                raise
            # The flag is written: remember this answer for the retries.
            return refusal.status, error_body(refusal.code, refusal.message)
        return 200, SubmissionOut.from_orm(submitted).model_dump()

    try:
        return idempotency.respond(
            request,
            user=user,
            endpoint=f"field.submission:{inspection.uuid}",
            content=body.model_dump(mode="json"),
            handler=handler,
        )
    except SubmissionRefused as refusal:
        raise ApiError(refusal.status, refusal.code, refusal.message) from None


# ---------------------------------------------------------------------------------------------
# Photos
# ---------------------------------------------------------------------------------------------


def _sha256_of(upload: UploadedFile) -> str:
    """The file's SHA-256, to tell a retry from another photo. Reading stops past the size cap
    (store_evidence refuses such a file anyway); the file is rewound for store_evidence."""
    digest = hashlib.sha256()
    read = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        read += len(chunk)
        if read > MAX_PHOTO_BYTES:
            break
    upload.seek(0)
    return digest.hexdigest()


class PhotoOut(Schema):
    uuid: UUID
    finding: UUID
    sha256: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    taken_at: datetime | None
    uploaded_at: datetime

    @staticmethod
    def resolve_finding(evidence: Evidence) -> UUID:
        assert evidence.finding is not None
        return evidence.finding.uuid


@router.post(
    "/findings/{finding_uuid}/photos",
    response={201: PhotoOut, **errors(400, 401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="Add one photo to a finding (Idempotency-Key required)",
)
def upload_photo(
    request: HttpRequest,
    finding_uuid: UUID,
    photo: File[UploadedFile],
    uuid: Form[UUID],
    taken_at: Form[datetime | None] = None,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> JsonResponse:
    """One JPEG, PNG or WebP photo per request, as multipart form data: ``photo`` (the file),
    ``uuid`` (the photo's client-generated UUID) and optionally ``taken_at``. Only the inspector
    of the finding's visit may add photos, after the visit was submitted.

    400 ``not_an_image``, ``too_large``, ``decompression_bomb``: the file was refused and nothing
    was stored. 400 ``uuid_reused``: another photo already has this UUID.
    """
    user = field_inspector(request)
    finding = get_visible_or_404(Finding.objects.select_related("inspection"), uuid=finding_uuid)
    if finding.inspection.inspector_id != user.pk:
        raise ApiError(
            403,
            NotAssigned.code,
            _("This visit is assigned to another inspector: only they can add its photos."),
        )
    digest = _sha256_of(photo)

    def handler() -> tuple[int, Any]:
        evidence = store_evidence(
            upload=photo, by=user, finding=finding, evidence_uuid=uuid, taken_at=taken_at
        )
        evidence.finding = finding
        return 201, PhotoOut.from_orm(evidence).model_dump()

    return idempotency.respond(
        request,
        user=user,
        endpoint=f"field.photo:{finding.uuid}",
        content={"uuid": str(uuid), "taken_at": taken_at, "sha256": digest},
        handler=handler,
    )


# ---------------------------------------------------------------------------------------------
# Sync status
# ---------------------------------------------------------------------------------------------


class SubmittedVisitOut(Schema):
    inspection: UUID
    zone: str = Field(description="The zone's code.")
    submitted_at: datetime
    needs_review: bool
    findings: int
    failed: int


class AwaitingPhotoOut(Schema):
    finding: UUID
    inspection: UUID
    zone: str
    standard: str


class SyncOut(Schema):
    server_time: datetime = Field(description="To spot a device whose clock is wrong.")
    open_visits: int = Field(description="Visits still to do, today and later.")
    submitted: list[SubmittedVisitOut] = Field(
        description=f"What the server holds from me, the last {SYNC_DAYS} days, newest first."
    )
    awaiting_photos: list[AwaitingPhotoOut] = Field(
        description="My failed findings of those days that have no photo yet."
    )


@router.get(
    "/sync",
    response={200: SyncOut, **errors(401, 403)},
    auth=SIGNED_IN,
    summary="What the server has received from me",
)
def sync_status(request: HttpRequest) -> dict[str, Any]:
    """For the app to compare with its queue: my recent submissions and the failed findings
    still waiting for a photo. A few queries, however many visits."""
    user = field_inspector(request)
    now = timezone.now()
    since = now - timedelta(days=SYNC_DAYS)
    submitted = (
        Inspection.objects.filter(
            inspector=user, status=Inspection.Status.SUBMITTED, submitted_at__gte=since
        )
        .select_related("zone")
        .annotate(
            finding_count=Count("findings"),
            failed_count=Count("findings", filter=Q(findings__result=Finding.Result.FAIL)),
        )
        .order_by("-submitted_at")[:100]
    )
    awaiting = (
        Finding.objects.filter(
            inspection__inspector=user,
            inspection__submitted_at__gte=since,
            result=Finding.Result.FAIL,
        )
        .exclude(Exists(Evidence.objects.filter(finding=OuterRef("pk"))))
        .select_related("inspection__zone", "standard")
        .order_by("inspection__submitted_at", "standard__code")[:200]
    )
    return {
        "server_time": now,
        "open_visits": Inspection.objects.filter(
            inspector=user, status__in=OPEN_STATUSES, window_end__gte=now
        ).count(),
        "submitted": [
            {
                "inspection": inspection.uuid,
                "zone": inspection.zone.code,
                "submitted_at": inspection.submitted_at,
                "needs_review": inspection.needs_review,
                "findings": getattr(inspection, "finding_count", 0),
                "failed": getattr(inspection, "failed_count", 0),
            }
            for inspection in submitted
        ],
        "awaiting_photos": [
            {
                "finding": finding.uuid,
                "inspection": finding.inspection.uuid,
                "zone": finding.inspection.zone.code,
                "standard": finding.standard.code,
            }
            for finding in awaiting
        ],
    }


# ---- Rectification orders ------------------------------------------------------------------


class OrderAlertOut(Schema):
    device: str = Field(description="The code of the sensor that raised the alert.")
    rule: str = Field(description="The rule broken, in words.")
    peak_value: float
    breach_started_at: datetime
    raised_at: datetime
    cleared_at: datetime | None

    @staticmethod
    def resolve_device(alert: Any) -> str:
        return str(alert.device.code)

    @staticmethod
    def resolve_rule(alert: Any) -> str:
        return str(alert.rule.label)


class OrderOut(Schema):
    id: int
    origin: Literal["inspection", "sensor_alert"] = Field(
        description="What raised the order: a failed inspection finding or a sensor alert."
    )
    standard: str | None = Field(description="The code of the performance standard.")
    contract: str = Field(description="The contract's number.")
    provider: int
    zone: str | None
    issued_at: datetime
    deadline: datetime
    status: str
    rectified_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    finding: UUID | None = Field(description="The failed finding; null for a sensor alert.")
    alert: OrderAlertOut | None = Field(description="The sensor alert; null for an inspection.")

    @staticmethod
    def resolve_standard(order: RectificationOrder) -> str | None:
        return order.standard.code if order.standard is not None else None

    @staticmethod
    def resolve_contract(order: RectificationOrder) -> str:
        return order.contract.number

    @staticmethod
    def resolve_provider(order: RectificationOrder) -> int:
        return order.provider_id

    @staticmethod
    def resolve_zone(order: RectificationOrder) -> str | None:
        zone = order.zone
        return zone.code if zone is not None else None

    @staticmethod
    def resolve_overdue(order: RectificationOrder) -> bool:
        return order.is_overdue(timezone.now())

    @staticmethod
    def resolve_finding(order: RectificationOrder) -> UUID | None:
        return order.finding.uuid if order.finding is not None else None

    @staticmethod
    def resolve_alert(order: RectificationOrder) -> Any:
        return order.sensor_alert


def _orders(user: User) -> "QuerySet[RectificationOrder]":
    return RectificationOrder.objects.visible_to(user).select_related(
        "contract",
        "standard",
        "finding__inspection__zone",
        "alert__device__facility__zone",
        "alert__rule",
    )


@router.get(
    "/orders",
    response={200: list[OrderOut], **errors(401, 422)},
    auth=SIGNED_IN,
    summary="Rectification orders: open ones first, soonest deadline first",
)
@paginate(Pagination)
def list_orders(request: HttpRequest) -> "QuerySet[RectificationOrder]":
    """Centre staff see every order; a provider's staff see their own company's only. An order
    raised by a sensor alert has no ``finding`` but an ``alert``."""
    return (
        _orders(signed_in_user(request))
        .annotate(
            closed_last=Case(
                When(status=RectificationOrder.Status.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("closed_last", "deadline", "pk")
    )


@router.get(
    "/orders/{order_id}",
    response={200: OrderOut, **errors(401, 404)},
    auth=SIGNED_IN,
    summary="One rectification order",
)
def get_order(request: HttpRequest, order_id: int) -> RectificationOrder:
    """404 for another company's order, exactly as for one that does not exist."""
    return get_visible_or_404(_orders(signed_in_user(request)), pk=order_id)
