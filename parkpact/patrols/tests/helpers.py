"""Patrol ground for tests: a security route over three checkpoints of company B."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from django.utils import timezone

from parkpact import testing
from parkpact.contracts.models import Contract
from parkpact.core.models import User
from parkpact.patrols import services
from parkpact.patrols.models import Checkpoint, PatrolRound, PatrolRoute, PatrolSchedule

DAY = date(2026, 3, 10)


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=timezone.get_current_timezone())


@dataclass
class Ground:
    contract: Contract
    checkpoints: list[Checkpoint]
    route: PatrolRoute
    schedule: PatrolSchedule


def make_ground(world: Any, *, order_mode: str = PatrolRoute.OrderMode.FIXED) -> Ground:
    contract = world.contract_b
    checkpoints = [testing.make_checkpoint(world.zones[i]) for i in range(3)]
    route = services.create_route(
        contract=contract, name="Lakeside", checkpoints=checkpoints, order_mode=order_mode, by=None
    )
    schedule = services.create_schedule(
        route=route,
        every_minutes=120,
        daily_from=time(0),
        daily_to=time(0),
        window_minutes=60,
        by=None,
    )
    return Ground(contract, checkpoints, route, schedule)


def first_round(ground: Ground, day: date = DAY) -> PatrolRound:
    services.generate_rounds(schedule=ground.schedule, day=day)
    return PatrolRound.objects.filter(route=ground.route).order_by("window_start").first()  # type: ignore[return-value]


def at_checkpoint(checkpoint: Checkpoint) -> services.Position:
    return services.Position(
        longitude=checkpoint.facility.longitude, latitude=checkpoint.facility.latitude
    )


def scan(
    checkpoint: Checkpoint,
    guard: User,
    at: datetime,
    *,
    position: services.Position | None = None,
    now: datetime | None = None,
    token: str | None = None,
) -> Any:
    return services.record_scan(
        token=token or checkpoint.token,
        by=guard,
        client_uuid=uuid4(),
        scanned_at=at,
        position=position or at_checkpoint(checkpoint),
        now=now or at + timedelta(seconds=5),
    )


FAR = services.Position(longitude=Decimal("118.700000"), latitude=Decimal("24.930000"))


def open_round_now(ground: Ground) -> PatrolRound:
    """A round of the ground's route whose window is open now (made directly, for API tests)."""
    now = timezone.now()
    return PatrolRound.objects.create(
        route=ground.route,
        window_start=now - timedelta(minutes=30),
        window_end=now + timedelta(minutes=30),
        checkpoint_ids=[c.pk for c in ground.checkpoints],
    )
