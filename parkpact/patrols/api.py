"""The guard's phone in the JSON API, under /api/v1/patrols/ (docs/patrols.md).

The phone may be offline and retries, so the writes that create something require an
``Idempotency-Key`` (the app sends the scan's or the incident's client UUID): a retry gets the
first answer and creates nothing (see core.idempotency).
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema

from parkpact.contracts.models import Contract
from parkpact.core import idempotency
from parkpact.core.api import SIGNED_IN, ApiError, errors, get_visible_or_404
from parkpact.core.models import User
from parkpact.core.permissions import signed_in_user
from parkpact.parks.models import Zone

from . import incidents, services
from .models import Checkpoint, CheckpointScan, Incident, PatrolRound

router = Router(tags=["patrols"])

IDEMPOTENCY_KEY = Header(
    None,
    alias=idempotency.HEADER,
    description="Required. A random value (the app uses the client UUID), the same on every retry.",
)


class CheckpointOut(Schema):
    id: int
    code: str
    name: str
    longitude: float
    latitude: float
    radius_m: int

    @staticmethod
    def resolve_code(checkpoint: Checkpoint) -> str:
        return checkpoint.facility.code

    @staticmethod
    def resolve_name(checkpoint: Checkpoint) -> str:
        return checkpoint.facility.name

    @staticmethod
    def resolve_longitude(checkpoint: Checkpoint) -> float:
        return float(checkpoint.facility.longitude)

    @staticmethod
    def resolve_latitude(checkpoint: Checkpoint) -> float:
        return float(checkpoint.facility.latitude)


class RoundOut(Schema):
    uuid: UUID
    route: str
    order_mode: str = Field(description="fixed, any or random (the order below is this round's).")
    status: str
    window_start: datetime
    window_end: datetime
    checkpoints: list[CheckpointOut] = Field(description="Due on this round, in the order due.")
    scanned: list[int] = Field(description="The ids of the checkpoints already scanned.")


def _round_out(patrol_round: PatrolRound, checkpoints: dict[int, Checkpoint]) -> dict[str, Any]:
    return {
        "uuid": patrol_round.uuid,
        "route": patrol_round.route.name,
        "order_mode": patrol_round.route.order_mode,
        "status": patrol_round.status,
        "window_start": patrol_round.window_start,
        "window_end": patrol_round.window_end,
        "checkpoints": [checkpoints[pk] for pk in patrol_round.checkpoint_ids if pk in checkpoints],
        "scanned": sorted({scan.checkpoint_id for scan in patrol_round.scans.all()}),
    }


@router.get(
    "/rounds/today",
    response={200: list[RoundOut], **errors(401)},
    auth=SIGNED_IN,
    summary="Today's rounds of my company",
)
def rounds_today(request: HttpRequest) -> list[dict[str, Any]]:
    """The rounds whose window opens today (Asia/Shanghai): a guard sees only the rounds of
    the guard's company; centre staff see every company's."""
    user = signed_in_user(request)
    day_start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    rounds = list(
        PatrolRound.objects.visible_to(user)
        .filter(window_start__gte=day_start, window_start__lt=day_start + timedelta(days=1))
        .select_related("route")
        .prefetch_related("scans")
        .order_by("window_start", "pk")
    )
    ids = {pk for patrol_round in rounds for pk in patrol_round.checkpoint_ids}
    checkpoints = Checkpoint.objects.select_related("facility").in_bulk(ids)
    return [_round_out(patrol_round, checkpoints) for patrol_round in rounds]


class PositionIn(Schema):
    longitude: Decimal = Field(ge=-180, le=180, max_digits=10, decimal_places=6)
    latitude: Decimal = Field(ge=-90, le=90, max_digits=9, decimal_places=6)


class ScanIn(Schema):
    client_uuid: UUID = Field(description="Made by the app for this scan.")
    token: str = Field(max_length=300, description="What the checkpoint's QR code holds.")
    scanned_at: datetime = Field(description="The phone's time of the scan, with its offset.")
    sent_at: datetime | None = Field(
        None, description="The phone's time when it sent a queued scan (for the clock check)."
    )
    position: PositionIn | None = Field(None, description="Null if the phone had no fix.")


class ScanOut(Schema):
    client_uuid: UUID
    round: UUID
    round_status: str
    checkpoint: int
    scanned_at: datetime
    received_at: datetime
    distance_m: float | None
    outside_radius: bool
    clock_skew: bool
    out_of_order: bool
    repeat: bool


def _scan_out(scan: CheckpointScan) -> dict[str, Any]:
    scan.round.refresh_from_db(fields=["status"])
    return {
        "client_uuid": scan.client_uuid,
        "round": scan.round.uuid,
        "round_status": scan.round.status,
        "checkpoint": scan.checkpoint_id,
        "scanned_at": scan.scanned_at,
        "received_at": scan.received_at,
        "distance_m": scan.distance_m,
        "outside_radius": scan.outside_radius,
        "clock_skew": scan.clock_skew,
        "out_of_order": scan.out_of_order,
        "repeat": scan.repeat,
    }


def _position(value: PositionIn | None) -> services.Position | None:
    if value is None:
        return None
    return services.Position(longitude=value.longitude, latitude=value.latitude)


@router.post(
    "/scans",
    response={201: ScanOut, **errors(400, 401, 403, 422)},
    auth=SIGNED_IN,
    summary="Record a checkpoint scan (Idempotency-Key required)",
)
def post_scan(
    request: HttpRequest, body: ScanIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> JsonResponse:
    """Record a scan on the open round of the guard's company that includes the checkpoint.

    400 ``token_invalid`` (not a genuine code), ``token_outdated`` (the code was reprinted),
    ``not_your_route`` (the checkpoint is on no route of your company), ``no_open_round``,
    ``not_a_guard``: nothing is stored. The flags say what an inspector will look at."""
    user = signed_in_user(request)

    def handler() -> tuple[int, Any]:
        scan = services.record_scan(
            token=body.token,
            by=user,
            client_uuid=body.client_uuid,
            scanned_at=body.scanned_at,
            sent_at=body.sent_at,
            position=_position(body.position),
        )
        return 201, _scan_out(scan)

    return idempotency.respond(
        request,
        user=user,
        endpoint="patrols.scan",
        # sent_at changes on every retry of a queued scan: it is not part of the request's identity.
        content=body.model_dump(mode="json", exclude={"sent_at"}),
        handler=handler,
    )


class IncidentIn(Schema):
    contract: str | None = Field(
        None, description="The contract's number; a guard may leave it out (the company's own)."
    )
    kind: str = Field(description=", ".join(Incident.Kind.values))
    severity: str = Field(description=", ".join(Incident.Severity.values))
    zone: str | None = Field(None, description="The zone's code.")
    position: PositionIn | None = None
    reported_at: datetime | None = Field(None, description="Now when left out.")
    notes: str = Field("", max_length=4000)


class IncidentOut(Schema):
    id: int
    contract: str
    kind: str
    severity: str
    status: str
    source: str
    zone: str | None
    longitude: float | None
    latitude: float | None
    reported_at: datetime
    on_scene_at: datetime | None
    resolved_at: datetime | None
    target_minutes: int
    response_seconds: int | None = Field(description="On scene minus reported; null until then.")
    within_target: bool | None
    notes: str


def _incident_out(incident: Incident) -> dict[str, Any]:
    response = incident.response_time
    return {
        "id": incident.pk,
        "contract": incident.contract.number,
        "kind": incident.kind,
        "severity": incident.severity,
        "status": incident.status,
        "source": incident.source,
        "zone": incident.zone.code if incident.zone else None,
        "longitude": float(incident.longitude) if incident.longitude is not None else None,
        "latitude": float(incident.latitude) if incident.latitude is not None else None,
        "reported_at": incident.reported_at,
        "on_scene_at": incident.on_scene_at,
        "resolved_at": incident.resolved_at,
        "target_minutes": incident.target_minutes,
        "response_seconds": int(response.total_seconds()) if response is not None else None,
        "within_target": incident.response_within_target,
        "notes": incident.notes,
    }


def _contract_for(user: User, number: str | None) -> Contract:
    contracts = Contract.objects.visible_to(user).filter(
        service_kind=Contract.ServiceKind.SECURITY, status=Contract.Status.ACTIVE
    )
    if number:
        return get_visible_or_404(contracts, number=number)
    found = list(contracts[:2])
    if len(found) != 1:
        raise ApiError(
            400, "contract_required", _("Name the security contract this incident falls under.")
        )
    return found[0]


@router.post(
    "/incidents",
    response={201: IncidentOut, **errors(400, 401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="Report an incident (Idempotency-Key required)",
)
def post_incident(
    request: HttpRequest, body: IncidentIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> JsonResponse:
    """A guard or centre staff report an incident; a serious one notifies the managers."""
    user = signed_in_user(request)
    if body.kind not in Incident.Kind.values or body.severity not in Incident.Severity.values:
        raise ApiError(422, "validation_error", _("Choose a kind and a severity from the list."))
    contract = _contract_for(user, body.contract)
    zone = get_visible_or_404(Zone.objects.all(), code=body.zone) if body.zone else None

    def handler() -> tuple[int, Any]:
        incident = incidents.report_incident(
            contract=contract,
            kind=body.kind,
            severity=body.severity,
            by=user,
            zone=zone,
            position=_position(body.position),
            reported_at=body.reported_at,
            notes=body.notes,
        )
        return 201, _incident_out(incident)

    return idempotency.respond(
        request,
        user=user,
        endpoint="patrols.incident",
        content=body.model_dump(mode="json"),
        handler=handler,
    )


class MoveIn(Schema):
    at: datetime | None = Field(None, description="Now when left out.")
    note: str = Field("", max_length=2000)


@router.post(
    "/incidents/{incident_id}/on-scene",
    response={200: IncidentOut, **errors(400, 401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="A guard is on scene",
)
def post_on_scene(request: HttpRequest, incident_id: int, body: MoveIn) -> dict[str, Any]:
    user = signed_in_user(request)
    incident = get_visible_or_404(Incident.objects.visible_to(user), pk=incident_id)
    incident = incidents.mark_on_scene(incident=incident, by=user, at=body.at, note=body.note)
    return _incident_out(incident)


@router.post(
    "/incidents/{incident_id}/resolve",
    response={200: IncidentOut, **errors(400, 401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="The incident is settled",
)
def post_resolve(request: HttpRequest, incident_id: int, body: MoveIn) -> dict[str, Any]:
    user = signed_in_user(request)
    incident = get_visible_or_404(Incident.objects.visible_to(user), pk=incident_id)
    incident = incidents.resolve_incident(incident=incident, by=user, at=body.at, note=body.note)
    return _incident_out(incident)
