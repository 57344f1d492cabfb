from datetime import time, timedelta
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError

from parkpact import testing
from parkpact.contracts.models import Contract
from parkpact.core.models import AuditEvent, User
from parkpact.patrols import ordering, services
from parkpact.patrols.models import MissedCheckpoint, PatrolRound, PatrolRoute

from .helpers import DAY, FAR, at_checkpoint, first_round, local, make_ground, scan

pytestmark = pytest.mark.django_db


def test_it_generates_a_round_every_two_hours_around_the_clock(world: object) -> None:
    ground = make_ground(world)
    assert services.generate_rounds(schedule=ground.schedule, day=DAY) == 12
    assert services.generate_rounds(schedule=ground.schedule, day=DAY) == 0
    rounds = list(PatrolRound.objects.order_by("window_start"))
    assert rounds[0].window_start == local(DAY, 0)
    assert rounds[0].window_end == local(DAY, 1)
    assert rounds[-1].window_start == local(DAY, 22)
    assert rounds[0].checkpoint_ids == [c.pk for c in ground.checkpoints]
    assert AuditEvent.objects.filter(action="patrol_schedule.generate_rounds").count() == 1


def test_it_generates_rounds_only_between_the_daily_times(world: object) -> None:
    ground = make_ground(world)
    ground.schedule.daily_from, ground.schedule.daily_to = time(8), time(12)
    assert services.generate_rounds(schedule=ground.schedule, day=DAY) == 2


def test_it_generates_no_round_outside_the_contract_term(world: object) -> None:
    ground = make_ground(world)
    assert services.generate_rounds(schedule=ground.schedule, day=DAY.replace(year=2025)) == 0


def test_it_draws_a_reproducible_order_per_round_for_a_random_route(world: object) -> None:
    ground = make_ground(world, order_mode=PatrolRoute.OrderMode.RANDOM)
    services.generate_rounds(schedule=ground.schedule, day=DAY)
    ids = [c.pk for c in ground.checkpoints]
    orders = set()
    for patrol_round in PatrolRound.objects.all():
        assert patrol_round.checkpoint_ids == ordering.draw_order(ids, patrol_round.uuid)
        assert sorted(patrol_round.checkpoint_ids) == sorted(ids)
        orders.add(tuple(patrol_round.checkpoint_ids))
    assert len(orders) > 1


def test_it_completes_a_round_when_every_checkpoint_is_scanned(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    patrol_round = first_round(ground)
    for i, checkpoint in enumerate(ground.checkpoints):
        result = scan(checkpoint, provider_b_user, local(DAY, 0, 10 + i * 5))
        assert not result.flagged
    patrol_round.refresh_from_db()
    assert patrol_round.status == PatrolRound.Status.COMPLETED
    assert patrol_round.started_at == local(DAY, 0, 10)


def test_it_closes_an_unwalked_round_as_missed_with_every_checkpoint_missed(world: object) -> None:
    ground = make_ground(world)
    patrol_round = first_round(ground)
    assert services.close_due_rounds(now=local(DAY, 0, 59)) == 0
    assert services.close_due_rounds(now=local(DAY, 1)) == 1
    patrol_round.refresh_from_db()
    assert patrol_round.status == PatrolRound.Status.MISSED
    assert MissedCheckpoint.objects.filter(round=patrol_round).count() == 3
    assert AuditEvent.objects.filter(action="patrol_round.missed").count() == 1


def test_it_closes_a_half_walked_round_as_incomplete(world: object, provider_b_user: User) -> None:
    ground = make_ground(world)
    patrol_round = first_round(ground)
    scan(ground.checkpoints[0], provider_b_user, local(DAY, 0, 10))
    services.close_due_rounds(now=local(DAY, 1, 30))
    patrol_round.refresh_from_db()
    assert patrol_round.status == PatrolRound.Status.INCOMPLETE
    assert set(
        MissedCheckpoint.objects.filter(round=patrol_round).values_list("checkpoint", flat=True)
    ) == {ground.checkpoints[1].pk, ground.checkpoints[2].pk}


def test_it_flags_a_checkpoint_scanned_before_an_earlier_one(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    first_round(ground)
    assert scan(ground.checkpoints[1], provider_b_user, local(DAY, 0, 10)).out_of_order
    assert not scan(ground.checkpoints[0], provider_b_user, local(DAY, 0, 15)).out_of_order


def test_it_never_flags_the_order_on_an_any_order_route(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world, order_mode=PatrolRoute.OrderMode.ANY)
    first_round(ground)
    assert not scan(ground.checkpoints[2], provider_b_user, local(DAY, 0, 10)).out_of_order


def test_it_flags_a_scan_outside_the_checkpoint_radius(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    first_round(ground)
    result = scan(ground.checkpoints[0], provider_b_user, local(DAY, 0, 10), position=FAR)
    assert result.outside_radius
    assert result.distance_m > 1000


def test_it_flags_a_phone_clock_more_than_five_minutes_off(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    first_round(ground)
    at = local(DAY, 0, 10)
    assert scan(
        ground.checkpoints[0], provider_b_user, at, now=at + timedelta(minutes=6)
    ).clock_skew
    assert not scan(
        ground.checkpoints[1], provider_b_user, at, now=at + timedelta(minutes=4)
    ).clock_skew


def test_it_counts_a_scan_repeated_within_a_minute_once(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    patrol_round = first_round(ground)
    scan(ground.checkpoints[0], provider_b_user, local(DAY, 0, 10))
    again = scan(ground.checkpoints[0], provider_b_user, local(DAY, 0, 10, 40))
    assert again.repeat
    services.close_due_rounds(now=local(DAY, 2))
    patrol_round.refresh_from_db()
    assert patrol_round.status == PatrolRound.Status.INCOMPLETE
    compliance = services.compliance(contract=ground.contract, month=DAY)
    assert compliance.scanned == 1


def test_it_returns_the_first_scan_for_a_retry_with_the_same_client_id(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    first_round(ground)
    checkpoint, client_uuid, at = ground.checkpoints[0], uuid4(), local(DAY, 0, 10)
    arguments = dict(
        token=checkpoint.token,
        by=provider_b_user,
        client_uuid=client_uuid,
        scanned_at=at,
        position=at_checkpoint(checkpoint),
        now=at,
    )
    first = services.record_scan(**arguments)  # type: ignore[arg-type]
    assert services.record_scan(**arguments).pk == first.pk  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "token", ["not-a-token", "eyJjIjoxLCJ2IjoxfQ:1vB2xY:forgedsignatureforgedsignatureforged"]
)
def test_it_refuses_a_forged_token_and_stores_nothing(
    world: object, provider_b_user: User, token: str
) -> None:
    ground = make_ground(world)
    first_round(ground)
    with pytest.raises(ValidationError) as refusal:
        scan(ground.checkpoints[0], provider_b_user, local(DAY, 0, 10), token=token)
    assert refusal.value.code == "token_invalid"
    assert not PatrolRound.objects.exclude(status=PatrolRound.Status.PENDING).exists()


def test_it_refuses_the_code_of_a_reprinted_checkpoint(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    first_round(ground)
    checkpoint = ground.checkpoints[0]
    old = checkpoint.token
    new = services.reprint_checkpoint_code(checkpoint=checkpoint, by=None, reason="defaced")
    with pytest.raises(ValidationError) as refusal:
        scan(checkpoint, provider_b_user, local(DAY, 0, 10), token=old)
    assert refusal.value.code == "token_outdated"
    assert scan(checkpoint, provider_b_user, local(DAY, 0, 10), token=new).pk


def test_it_refuses_a_scan_on_another_companys_route(
    world: object, provider_a_user: User, manager: User
) -> None:
    ground = make_ground(world)
    first_round(ground)
    # Company A also guards something, but this checkpoint is only on company B's route.
    other_zone = testing.make_zone(world.park, x=5)  # type: ignore[attr-defined]
    testing.make_contract(
        world.provider_a,  # type: ignore[attr-defined]
        [other_zone],
        by=manager,
        service_kind=Contract.ServiceKind.SECURITY,
    )
    with pytest.raises(ValidationError) as refusal:
        scan(ground.checkpoints[0], provider_a_user, local(DAY, 0, 10))
    assert refusal.value.code == "not_your_route"


def test_it_refuses_a_scan_when_no_round_is_open(world: object, provider_b_user: User) -> None:
    ground = make_ground(world)
    ground.schedule.daily_from, ground.schedule.daily_to = time(8), time(9)
    ground.schedule.save()
    first_round(ground)
    with pytest.raises(ValidationError) as refusal:
        scan(ground.checkpoints[0], provider_b_user, local(DAY, 10))
    assert refusal.value.code == "no_open_round"


def test_it_refuses_a_route_for_a_cleaning_contract(world: object) -> None:
    checkpoint = testing.make_checkpoint(world.zones[0])  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        services.create_route(
            contract=world.contract_a,
            name="x",
            checkpoints=[checkpoint],
            by=None,  # type: ignore[attr-defined]
        )


def test_it_reports_compliance_as_scanned_over_scheduled(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    first_round(ground)
    for checkpoint in ground.checkpoints:
        scan(checkpoint, provider_b_user, local(DAY, 0, 20))
    scan(ground.checkpoints[0], provider_b_user, local(DAY, 2, 20))
    services.close_due_rounds(now=local(DAY + timedelta(days=1), 0))
    result = services.compliance(contract=ground.contract, month=DAY)
    assert (result.scanned, result.scheduled) == (4, 36)
    assert str(result.rate) == "11.1"


def test_it_shows_a_provider_only_its_own_rounds(
    world: object, provider_a_user: User, provider_b_user: User, inspector: User
) -> None:
    ground = make_ground(world)
    first_round(ground)
    assert PatrolRound.objects.visible_to(provider_b_user).count() == 12
    assert PatrolRound.objects.visible_to(provider_a_user).count() == 0
    assert PatrolRound.objects.visible_to(inspector).count() == 12


def test_it_imports_an_uploaded_round_with_the_same_flags(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    patrol_round = first_round(ground)
    a, b, _c = ground.checkpoints
    records = [
        services.ScanRecord(checkpoint_id=b.pk, scanned_at=local(DAY, 0, 10), position=FAR),
        services.ScanRecord(checkpoint_id=b.pk, scanned_at=local(DAY, 0, 10, 30)),
        services.ScanRecord(checkpoint_id=a.pk, scanned_at=local(DAY, 0, 20)),
    ]
    services.import_round_scans(
        patrol_round=patrol_round, scans=records, by=provider_b_user, received_at=local(DAY, 1, 5)
    )
    patrol_round.refresh_from_db()
    assert patrol_round.status == PatrolRound.Status.INCOMPLETE
    first, repeat, last = patrol_round.scans.order_by("scanned_at")
    assert first.out_of_order and first.outside_radius
    assert repeat.repeat
    assert not last.out_of_order
    assert patrol_round.missed.count() == 1


def test_it_refuses_an_uploaded_scan_outside_the_window(
    world: object, provider_b_user: User
) -> None:
    ground = make_ground(world)
    patrol_round = first_round(ground)
    late = services.ScanRecord(checkpoint_id=ground.checkpoints[0].pk, scanned_at=local(DAY, 1, 5))
    with pytest.raises(ValidationError):
        services.import_round_scans(
            patrol_round=patrol_round, scans=[late], by=None, received_at=local(DAY, 1, 6)
        )
    assert not patrol_round.scans.exists()
