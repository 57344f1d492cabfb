"""The demo's security patrols at Donghu (`manage.py seed_demo`): two routes over the park's
checkpoints, their schedules, the last 60 days of rounds and a few incidents.

Everything goes through the services. The history's rounds are uploaded whole (as a guard-tour
device does, ``services.import_round_scans``): one ledger entry a round, so the demo stays quick.
A seeded random generator makes the same history every time: most rounds complete, a few are cut
short or missed, a few scans are flagged (far from the checkpoint, a phone clock off, out of
order).
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from parkpact.contracts.models import Contract
from parkpact.core.models import User
from parkpact.parks.models import Facility, Zone

from . import incidents, services
from .models import Checkpoint, Incident, PatrolRound, PatrolRoute

HISTORY_DAYS = 60
# A conscientious team: about 1 round in 100 missed and 2 in 100 cut short (some 2 % of the
# checkpoints go unscanned), and most incidents reached within the 5-minute target.
MISSED_ROUND_RATE = 0.01
CUT_SHORT_RATE = 0.02
RESPONSE_SECONDS = (100, 330)
SHORE_ROUTE = "湖岸巡逻"
GATE_ROUTE = "出入口与林地巡逻"


def has_data() -> bool:
    return PatrolRoute.objects.exists()


def _checkpoints(context: dict[str, Any], manager: User) -> list[Checkpoint]:
    facilities = sorted(
        (f for f in context["facilities"].values() if f.kind == Facility.Kind.CHECKPOINT),
        key=lambda f: f.code,
    )
    existing = {c.facility_id: c for c in Checkpoint.objects.filter(facility__in=facilities)}
    return [
        existing.get(f.pk) or services.create_checkpoint(facility=f, radius_m=30, by=manager)
        for f in facilities
    ]


def _position(checkpoint: Checkpoint, rng: random.Random, far: bool) -> services.Position:
    """Where the phone was: a few metres off, or (rarely) some 150 m away."""
    spread = 0.0015 if far else 0.00008
    return services.Position(
        longitude=(checkpoint.facility.longitude + Decimal(f"{rng.uniform(-spread, spread):.6f}")),
        latitude=(checkpoint.facility.latitude + Decimal(f"{rng.uniform(-spread, spread):.6f}")),
    )


def _walk(
    patrol_round: PatrolRound, rng: random.Random, checkpoints: dict[int, Checkpoint]
) -> list[services.ScanRecord]:
    """A guard's walk of a round: usually every checkpoint in order, sometimes cut short,
    sometimes two swapped, now and then a double scan or a phone with a wrong clock."""
    due = list(patrol_round.checkpoint_ids)
    if rng.random() < CUT_SHORT_RATE:
        due = due[: rng.randint(1, max(1, len(due) - 1))]
    if len(due) > 2 and rng.random() < 0.06:
        due[0], due[1] = due[1], due[0]
    window = (patrol_round.window_end - patrol_round.window_start).total_seconds()
    at = patrol_round.window_start + timedelta(seconds=rng.uniform(60, window * 0.3))
    step = (window * 0.6) / max(len(due), 1)
    clock_off = rng.random() < 0.03
    records = []
    for pk in due:
        records.append(
            services.ScanRecord(
                checkpoint_id=pk,
                scanned_at=at,
                position=_position(checkpoints[pk], rng, far=rng.random() < 0.02),
                sent_at=at + timedelta(minutes=9) if clock_off else None,
            )
        )
        if rng.random() < 0.02:
            records.append(
                services.ScanRecord(checkpoint_id=pk, scanned_at=at + timedelta(seconds=20))
            )
        at += timedelta(seconds=step * rng.uniform(0.6, 1.0))
    return records


def _history(context: dict[str, Any], routes: list[PatrolRoute], guard: User) -> None:
    now = timezone.now()
    rng = random.Random(20260301)
    checkpoints = Checkpoint.objects.select_related("facility").in_bulk()
    rounds = (
        PatrolRound.objects.filter(
            route__in=routes, window_end__lte=now, status=PatrolRound.Status.PENDING
        )
        .select_related("route")
        .order_by("window_start")
    )
    for patrol_round in rounds:
        if rng.random() < MISSED_ROUND_RATE:
            continue  # missed: the sweep below closes it
        services.import_round_scans(
            patrol_round=patrol_round,
            scans=_walk(patrol_round, rng, checkpoints),
            by=guard,
            received_at=min(patrol_round.window_end + timedelta(minutes=2), now),
            checkpoints=checkpoints,
        )
    services.close_due_rounds(now=now)


def _incidents(context: dict[str, Any], contract: Contract, guard: User, manager: User) -> None:
    today: date = context["today"]
    zones = list(Zone.objects.filter(contracts=contract).order_by("code"))
    rng = random.Random(4242)
    kinds = [
        (Incident.Kind.LOST_PERSON, Incident.Severity.MODERATE),
        (Incident.Kind.DISTURBANCE, Incident.Severity.MINOR),
        (Incident.Kind.THEFT, Incident.Severity.MINOR),
        (Incident.Kind.INJURY, Incident.Severity.SERIOUS),
        (Incident.Kind.HAZARD, Incident.Severity.MODERATE),
        (Incident.Kind.DISTURBANCE, Incident.Severity.MINOR),
    ]
    tz = timezone.get_current_timezone()
    for n, (kind, severity) in enumerate(kinds * 2):
        days_ago = 0 if n == len(kinds) * 2 - 1 else HISTORY_DAYS - 1 - n * 5
        reported = datetime.combine(
            today - timedelta(days=days_ago), time(9 + n % 10, 13), tzinfo=tz
        )
        if reported > timezone.now():
            reported = timezone.now() - timedelta(minutes=3)
        incident = incidents.report_incident(
            contract=contract,
            kind=kind,
            severity=severity,
            zone=zones[n % len(zones)] if zones else None,
            by=guard if n % 2 else manager,
            reported_at=reported,
            notes="",
        )
        if days_ago == 0:
            continue  # today's stays open on the map
        on_scene = reported + timedelta(seconds=rng.randint(*RESPONSE_SECONDS))
        incidents.mark_on_scene(incident=incident, by=guard, at=on_scene)
        incidents.resolve_incident(
            incident=incident, by=guard, at=on_scene + timedelta(minutes=rng.randint(10, 60))
        )


def seed(context: dict[str, Any]) -> None:
    """Adds ``context["patrol_routes"]`` by name."""
    contract: Contract = context["contracts"]["security"]
    manager: User = context["users"]["manager"]
    guard: User = context["users"]["guard"]
    routes = {route.name: route for route in PatrolRoute.objects.filter(contract=contract)}
    context["patrol_routes"] = routes
    if routes:
        return
    checkpoints = _checkpoints(context, manager)
    shore, gates = checkpoints[:8], checkpoints[8:]
    routes[SHORE_ROUTE] = services.create_route(
        contract=contract, name=SHORE_ROUTE, checkpoints=shore, by=manager
    )
    routes[GATE_ROUTE] = services.create_route(
        contract=contract,
        name=GATE_ROUTE,
        checkpoints=gates,
        order_mode=PatrolRoute.OrderMode.RANDOM,
        by=manager,
    )
    schedules = [
        services.create_schedule(
            route=routes[SHORE_ROUTE],
            every_minutes=240,
            daily_from=time(0),
            daily_to=time(0),
            window_minutes=60,
            by=manager,
        ),
        services.create_schedule(
            route=routes[GATE_ROUTE],
            every_minutes=240,
            daily_from=time(6),
            daily_to=time(22),
            window_minutes=60,
            by=manager,
        ),
    ]
    today: date = context["today"]
    for offset in range(HISTORY_DAYS - 1, -2, -1):  # 59 days ago … tomorrow
        for schedule in schedules:
            services.generate_rounds(
                schedule=schedule, day=today - timedelta(days=offset), by=manager
            )
    _history(context, list(routes.values()), guard)
    _incidents(context, contract, guard, manager)
