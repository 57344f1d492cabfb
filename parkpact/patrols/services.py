"""Business actions of patrols: routes, schedules, rounds, scans and compliance (incidents are in
``incidents``). Every change is recorded in the audit ledger.

Scans: the guard's phone sends the checkpoint's token (read from the printed QR code), the
time on the phone, where the phone was and a client UUID. A token that does not verify, an old
token (the code was reprinted) or a checkpoint on another company's route is refused with a
stable code and nothing is stored. A retry with the same client UUID returns the first scan.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.core.models import User
from parkpact.core.services import record_event, snapshot
from parkpact.parks import geometry
from parkpact.parks.models import Facility

from . import ordering
from .compliance import Compliance
from .models import (
    DEFAULT_RESPONSE_MINUTES,
    TOKEN_SALT,
    Checkpoint,
    CheckpointScan,
    MissedCheckpoint,
    PatrolRound,
    PatrolRoute,
    PatrolSchedule,
    ResponseTarget,
    RouteCheckpoint,
)

# A phone clock further than this from the server's is flagged.
CLOCK_SKEW_LIMIT = timedelta(minutes=5)
# A second scan of the same checkpoint on the same round within this time counts once.
REPEAT_WITHIN = timedelta(minutes=1)
# The response targets a manager may set, in minutes.
MIN_RESPONSE_MINUTES = 1
MAX_RESPONSE_MINUTES = 120

TOKEN_INVALID = _("This is not a ParkPact checkpoint code: scan the code on the checkpoint's sign.")
TOKEN_OUTDATED = _(
    "This checkpoint code was replaced by a reprinted one: scan the code now on the sign."
)
NOT_YOUR_ROUTE = _("This checkpoint is not on a route of your company.")
NO_OPEN_ROUND = _(
    "No round of your company that includes this checkpoint is open at the time of the scan."
)
NOT_A_GUARD = _("Only a security contractor's staff scan checkpoints.")
TRANSITION_REFUSED = _("“%(current)s” cannot become “%(next)s”.")


def refuse(message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


# ---- Routes and checkpoints --------------------------------------------------------------------


def create_checkpoint(
    *, facility: Facility, by: User | None, radius_m: int = 30, nfc_tag_id: str = ""
) -> Checkpoint:
    checkpoint = Checkpoint(facility=facility, radius_m=radius_m, nfc_tag_id=nfc_tag_id)
    checkpoint.full_clean()
    with transaction.atomic():
        checkpoint.save()
        record_event(
            actor=by,
            action="checkpoint.create",
            obj=checkpoint,
            after=snapshot(checkpoint, ["facility", "radius_m", "nfc_tag_id", "token_version"]),
        )
    return checkpoint


def reprint_checkpoint_code(*, checkpoint: Checkpoint, by: User | None, reason: str = "") -> str:
    """A new token for the checkpoint's sign; the old printed code stops working at once."""
    with transaction.atomic():
        checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
        before = snapshot(checkpoint, ["token_version"])
        checkpoint.token_version += 1
        checkpoint.save(update_fields=["token_version"])
        record_event(
            actor=by,
            action="checkpoint.reprint",
            obj=checkpoint,
            before=before,
            after=snapshot(checkpoint, ["token_version"]),
            reason=reason,
        )
    return checkpoint.token


def create_route(
    *,
    contract: Contract,
    name: str,
    checkpoints: Iterable[Checkpoint],
    order_mode: str = PatrolRoute.OrderMode.FIXED,
    by: User | None,
) -> PatrolRoute:
    """A route of a security contract over checkpoints in the zones the contract covers."""
    checkpoints = list(checkpoints)
    if contract.service_kind != Contract.ServiceKind.SECURITY:
        raise refuse(_("Patrol routes belong to security contracts."), "not_security")
    if not checkpoints:
        raise refuse(_("Give the route at least one checkpoint."), "no_checkpoints")
    in_scope = set(contract.zones.values_list("pk", flat=True))
    outside = [c for c in checkpoints if c.facility.zone_id not in in_scope]
    if outside:
        raise refuse(
            _("Checkpoint %(checkpoint)s lies outside the contract's zones."),
            "outside_contract",
            checkpoint=str(outside[0]),
        )
    route = PatrolRoute(contract=contract, name=name, order_mode=order_mode)
    route.full_clean()
    with transaction.atomic():
        route.save()
        RouteCheckpoint.objects.bulk_create(
            RouteCheckpoint(route=route, checkpoint=c, position=i)
            for i, c in enumerate(checkpoints, start=1)
        )
        record_event(
            actor=by,
            action="patrol_route.create",
            obj=route,
            after={
                "contract": contract.pk,
                "name": name,
                "order_mode": order_mode,
                "checkpoints": [c.pk for c in checkpoints],
            },
        )
    return route


def create_schedule(
    *,
    route: PatrolRoute,
    every_minutes: int,
    daily_from: time,
    daily_to: time,
    window_minutes: int,
    by: User | None,
) -> PatrolSchedule:
    schedule = PatrolSchedule(
        route=route,
        every_minutes=every_minutes,
        daily_from=daily_from,
        daily_to=daily_to,
        window_minutes=window_minutes,
    )
    schedule.full_clean()
    with transaction.atomic():
        schedule.save()
        record_event(
            actor=by,
            action="patrol_schedule.create",
            obj=schedule,
            after={
                "route": route.pk,
                "every_minutes": every_minutes,
                "daily_from": daily_from.isoformat(),
                "daily_to": daily_to.isoformat(),
                "window_minutes": window_minutes,
            },
        )
    return schedule


def set_schedule_active(
    *, schedule: PatrolSchedule, active: bool, by: User | None, reason: str = ""
) -> PatrolSchedule:
    """Stop a schedule planning rounds (its rounds already planned stay), or start it again."""
    with transaction.atomic():
        schedule = PatrolSchedule.objects.select_for_update().get(pk=schedule.pk)
        if schedule.active == active:
            return schedule
        before = snapshot(schedule, ["active"])
        schedule.active = active
        schedule.save(update_fields=["active"])
        record_event(
            actor=by,
            action="patrol_schedule.activate" if active else "patrol_schedule.deactivate",
            obj=schedule,
            before=before,
            after=snapshot(schedule, ["active"]),
            reason=reason,
        )
    return schedule


def set_response_target(*, contract: Contract, minutes: int, by: User | None) -> ResponseTarget:
    """The minutes a security contract allows from an incident's report to a guard on scene.
    Incidents reported from now on are judged against it; earlier ones keep their target."""
    if contract.service_kind != Contract.ServiceKind.SECURITY:
        raise refuse(_("Response targets belong to security contracts."), "not_security")
    if not MIN_RESPONSE_MINUTES <= minutes <= MAX_RESPONSE_MINUTES:
        raise ValidationError(
            {
                "minutes": ValidationError(
                    _("Give a response target from %(min)s to %(max)s minutes."),
                    code="response_target_range",
                    params={"min": MIN_RESPONSE_MINUTES, "max": MAX_RESPONSE_MINUTES},
                )
            }
        )
    with transaction.atomic():
        target = ResponseTarget.objects.select_for_update().filter(contract=contract).first()
        before = {"minutes": target.minutes if target else DEFAULT_RESPONSE_MINUTES}
        if target is None:
            target = ResponseTarget(contract=contract, minutes=minutes)
        target.minutes = minutes
        target.full_clean()
        target.save()
        record_event(
            actor=by,
            action="response_target.set",
            obj=target,
            before=before,
            after={"contract": contract.pk, "minutes": minutes},
        )
    return target


# ---- Rounds ------------------------------------------------------------------------------------


def window_starts(schedule: PatrolSchedule, day: date) -> list[datetime]:
    """The start of every round the schedule plans on a (local) day."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, schedule.daily_from, tzinfo=tz)
    end = datetime.combine(day, schedule.daily_to, tzinfo=tz)
    if end <= start:  # around the clock, or through midnight
        end += timedelta(days=1)
    step = timedelta(minutes=schedule.every_minutes)
    starts = []
    while start < end:
        starts.append(start)
        start += step
    return starts


def generate_rounds(*, schedule: PatrolSchedule, day: date, by: User | None = None) -> int:
    """Create the day's rounds of an active schedule (the contract active and in term); rounds
    already there are kept. Returns how many were created."""
    route = schedule.route
    contract = route.contract
    if (
        not schedule.active
        or contract.status != Contract.Status.ACTIVE
        or not contract.is_in_term(day)
    ):
        return 0
    checkpoints = route.checkpoint_ids()
    existing = set(
        PatrolRound.objects.filter(
            route=route, window_start__date__gte=day - timedelta(days=1)
        ).values_list("window_start", flat=True)
    )
    window = timedelta(minutes=schedule.window_minutes)
    rounds = []
    for start in window_starts(schedule, day):
        if start in existing:
            continue
        round_uuid = uuid4()
        due = (
            ordering.draw_order(checkpoints, round_uuid)
            if route.order_mode == PatrolRoute.OrderMode.RANDOM
            else checkpoints
        )
        rounds.append(
            PatrolRound(
                uuid=round_uuid,
                route=route,
                schedule=schedule,
                window_start=start,
                window_end=start + window,
                checkpoint_ids=due,
            )
        )
    if not rounds:
        return 0
    with transaction.atomic():
        PatrolRound.objects.bulk_create(rounds)
        record_event(
            actor=by,
            action="patrol_schedule.generate_rounds",
            obj=schedule,
            after={"day": day.isoformat(), "rounds": len(rounds)},
        )
    return len(rounds)


def _set_status(patrol_round: PatrolRound, to: str, *, at: datetime, by: User | None) -> None:
    if not patrol_round.can_become(to):
        raise refuse(
            TRANSITION_REFUSED,
            "transition_not_allowed",
            current=PatrolRound.Status(patrol_round.status).label,
            next=PatrolRound.Status(to).label,
        )
    before = snapshot(patrol_round, ["status"])
    patrol_round.status = to
    if to == PatrolRound.Status.IN_PROGRESS:
        patrol_round.started_at = at
    if to not in PatrolRound.OPEN_STATUSES:
        patrol_round.closed_at = at
    patrol_round.save(update_fields=["status", "started_at", "closed_at"])
    record_event(
        actor=by,
        action=f"patrol_round.{to}",
        obj=patrol_round,
        before=before,
        after=snapshot(patrol_round, ["status"]),
    )


def scanned_checkpoint_ids(patrol_round: PatrolRound) -> set[int]:
    return set(patrol_round.scans.values_list("checkpoint_id", flat=True))


def close_due_rounds(*, now: datetime) -> int:
    """Close every round whose window has ended: missed if no checkpoint was scanned, else
    incomplete; each checkpoint not scanned is recorded. Returns how many were closed."""
    closed = 0
    due = PatrolRound.objects.filter(
        status__in=PatrolRound.OPEN_STATUSES, window_end__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            patrol_round = PatrolRound.objects.select_for_update().get(pk=pk)
            if not patrol_round.is_open:
                continue
            scanned = scanned_checkpoint_ids(patrol_round)
            MissedCheckpoint.objects.bulk_create(
                MissedCheckpoint(round=patrol_round, checkpoint_id=c)
                for c in patrol_round.checkpoint_ids
                if c not in scanned
            )
            to = (
                PatrolRound.Status.MISSED
                if patrol_round.status == PatrolRound.Status.PENDING
                else PatrolRound.Status.INCOMPLETE
            )
            _set_status(patrol_round, to, at=patrol_round.window_end, by=None)
            closed += 1
    return closed


# ---- Scans -------------------------------------------------------------------------------------


def checkpoint_for_token(token: str) -> Checkpoint:
    """The checkpoint a printed code names, if the code is genuine and current."""
    try:
        payload = signing.loads(token.strip(), salt=TOKEN_SALT)
        pk, version = int(payload["c"]), int(payload["v"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise refuse(TOKEN_INVALID, "token_invalid") from None
    checkpoint = Checkpoint.objects.select_related("facility").filter(pk=pk).first()
    if checkpoint is None:
        raise refuse(TOKEN_INVALID, "token_invalid")
    if version != checkpoint.token_version:
        raise refuse(TOKEN_OUTDATED, "token_outdated")
    return checkpoint


@dataclass(frozen=True)
class Position:
    longitude: Decimal
    latitude: Decimal


def record_scan(
    *,
    token: str,
    by: User,
    client_uuid: UUID,
    scanned_at: datetime,
    position: Position | None = None,
    sent_at: datetime | None = None,
    now: datetime | None = None,
) -> CheckpointScan:
    """Record a guard's scan on the open round of the guard's company that includes the
    checkpoint at the scan's time.

    The clock flag compares the phone's clock with the server's: ``sent_at`` (the phone's time
    when it sent a queued scan) against the arrival, or the scan time itself when sent at once.
    """
    received_at = now or timezone.now()
    existing = CheckpointScan.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        if existing.by_id != by.pk:
            raise refuse(_("This scan id is already used."), "scan_id_reused")
        return existing
    provider_id = by.provider_id
    if provider_id is None:
        raise refuse(NOT_A_GUARD, "not_a_guard")
    checkpoint = checkpoint_for_token(token)
    routes = PatrolRoute.objects.filter(
        stops__checkpoint=checkpoint, contract__provider_id=provider_id
    )
    if not routes.exists():
        raise refuse(NOT_YOUR_ROUTE, "not_your_route")
    skew = received_at - (sent_at or scanned_at)
    with transaction.atomic():
        patrol_round = (
            PatrolRound.objects.select_for_update()
            .filter(route__in=routes)
            .open_at(scanned_at)
            .order_by("window_start")
            .first()
        )
        if patrol_round is None or checkpoint.pk not in patrol_round.checkpoint_ids:
            raise refuse(NO_OPEN_ROUND, "no_open_round")
        earlier = list(
            patrol_round.scans.filter(checkpoint=checkpoint).values_list("scanned_at", flat=True)
        )
        scanned_before = scanned_checkpoint_ids(patrol_round)
        expected = (
            []
            if patrol_round.route.order_mode == PatrolRoute.OrderMode.ANY
            else patrol_round.checkpoint_ids
        )
        scan = CheckpointScan(
            round=patrol_round,
            checkpoint=checkpoint,
            client_uuid=client_uuid,
            by=by,
            scanned_at=scanned_at,
            received_at=received_at,
            clock_skew=abs(skew) > CLOCK_SKEW_LIMIT,
            repeat=any(abs(scanned_at - at) < REPEAT_WITHIN for at in earlier),
            out_of_order=not earlier
            and ordering.is_out_of_order(expected, scanned_before, checkpoint.pk),
        )
        if position is not None:
            scan.longitude, scan.latitude = position.longitude, position.latitude
            scan.distance_m = _distance_m(checkpoint, position)
            scan.outside_radius = scan.distance_m > checkpoint.radius_m
        scan.save()
        record_event(
            actor=by,
            action="patrol_scan.record",
            obj=scan,
            after=snapshot(
                scan,
                [
                    "round",
                    "checkpoint",
                    "scanned_at",
                    "received_at",
                    "distance_m",
                    "outside_radius",
                    "clock_skew",
                    "out_of_order",
                    "repeat",
                ],
            ),
        )
        if patrol_round.status == PatrolRound.Status.PENDING:
            _set_status(patrol_round, PatrolRound.Status.IN_PROGRESS, at=scanned_at, by=by)
        if set(patrol_round.checkpoint_ids) <= scanned_before | {checkpoint.pk}:
            _set_status(patrol_round, PatrolRound.Status.COMPLETED, at=scanned_at, by=by)
    return scan


@dataclass(frozen=True)
class ScanRecord:
    """One scan as a guard-tour device (or the demo) uploads it after the round."""

    checkpoint_id: int
    scanned_at: datetime
    position: Position | None = None
    sent_at: datetime | None = None


def _distance_m(checkpoint: Checkpoint, position: Position) -> float:
    facility = checkpoint.facility
    _a, _b, distance = geometry.WGS84.inv(
        float(facility.longitude),
        float(facility.latitude),
        float(position.longitude),
        float(position.latitude),
    )
    return round(float(distance), 1)


def import_round_scans(
    *,
    patrol_round: PatrolRound,
    scans: list[ScanRecord],
    by: User | None,
    received_at: datetime,
    checkpoints: dict[int, Checkpoint] | None = None,
) -> PatrolRound:
    """Record a whole round uploaded at once (an offline guard-tour device, the demo's history)
    with the same flags as ``record_scan``; scans outside the window or of checkpoints not due
    are refused. A round whose window has ended is closed as well. One ledger entry.

    ``checkpoints`` (by id, with their facilities) saves the lookup when importing many rounds."""
    if not patrol_round.is_open:
        raise refuse(_("This round is already closed."), "round_closed")
    due = set(patrol_round.checkpoint_ids)
    if checkpoints is None:
        checkpoints = Checkpoint.objects.select_related("facility").in_bulk(due)
    expected = (
        []
        if patrol_round.route.order_mode == PatrolRoute.OrderMode.ANY
        else patrol_round.checkpoint_ids
    )
    rows: list[CheckpointScan] = []
    seen: dict[int, list[datetime]] = {}
    for record in sorted(scans, key=lambda r: r.scanned_at):
        if record.checkpoint_id not in due or not (
            patrol_round.window_start <= record.scanned_at < patrol_round.window_end
        ):
            raise refuse(NO_OPEN_ROUND, "no_open_round")
        earlier = seen.setdefault(record.checkpoint_id, [])
        row = CheckpointScan(
            round=patrol_round,
            checkpoint_id=record.checkpoint_id,
            client_uuid=uuid4(),
            by=by,
            scanned_at=record.scanned_at,
            received_at=received_at,
            clock_skew=record.sent_at is not None
            and abs(received_at - record.sent_at) > CLOCK_SKEW_LIMIT,
            repeat=any(abs(record.scanned_at - at) < REPEAT_WITHIN for at in earlier),
            out_of_order=not earlier
            and ordering.is_out_of_order(
                expected, set(seen) - {record.checkpoint_id}, record.checkpoint_id
            ),
        )
        if record.position is not None:
            row.longitude, row.latitude = record.position.longitude, record.position.latitude
            row.distance_m = _distance_m(checkpoints[record.checkpoint_id], record.position)
            row.outside_radius = row.distance_m > checkpoints[record.checkpoint_id].radius_m
        earlier.append(record.scanned_at)
        rows.append(row)
    with transaction.atomic():
        CheckpointScan.objects.bulk_create(rows)
        scanned = set(seen)
        before = snapshot(patrol_round, ["status"])
        if rows:
            patrol_round.started_at = rows[0].scanned_at
        if due <= scanned:
            patrol_round.status = PatrolRound.Status.COMPLETED
            patrol_round.closed_at = rows[-1].scanned_at
        elif received_at >= patrol_round.window_end:
            MissedCheckpoint.objects.bulk_create(
                MissedCheckpoint(round=patrol_round, checkpoint_id=c) for c in due - scanned
            )
            patrol_round.status = (
                PatrolRound.Status.INCOMPLETE if rows else PatrolRound.Status.MISSED
            )
            patrol_round.closed_at = patrol_round.window_end
        elif rows:
            patrol_round.status = PatrolRound.Status.IN_PROGRESS
        if patrol_round.status != before["status"] and not PatrolRound(
            status=before["status"]
        ).can_become(patrol_round.status):
            raise refuse(TRANSITION_REFUSED, "transition_not_allowed")
        patrol_round.save(update_fields=["status", "started_at", "closed_at"])
        record_event(
            actor=by,
            action="patrol_round.import_scans",
            obj=patrol_round,
            before=before,
            after={
                "status": patrol_round.status,
                "scans": len(rows),
                "flagged": sum(
                    1 for r in rows if r.outside_radius or r.clock_skew or r.out_of_order
                ),
            },
        )
    return patrol_round


# ---- Compliance --------------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(month.replace(day=1), time(), tzinfo=tz)
    following = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start, datetime.combine(following, time(), tzinfo=tz)


def compliance(*, contract: Contract, month: date) -> Compliance:
    """Checkpoints scanned ÷ scheduled over the contract's closed rounds of the month."""
    start, end = month_bounds(month)
    rounds = PatrolRound.objects.filter(
        route__contract=contract, window_start__gte=start, window_start__lt=end
    ).exclude(status__in=PatrolRound.OPEN_STATUSES)
    scheduled = sum(len(ids) for ids in rounds.values_list("checkpoint_ids", flat=True))
    scanned = (
        CheckpointScan.objects.filter(round__in=rounds)
        .values("round_id", "checkpoint_id")
        .distinct()
        .count()
    )
    return Compliance(scheduled=scheduled, scanned=min(scanned, scheduled))


def compliance_by_contract(*, contracts: Iterable[Contract], month: date) -> dict[int, Compliance]:
    return {contract.pk: compliance(contract=contract, month=month) for contract in contracts}
