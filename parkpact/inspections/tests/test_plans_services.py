"""Surveillance plans: drafting, committing before the month, revealing after it, conflicts."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.contracts import services as contract_services
from parkpact.contracts.models import PerformanceStandard
from parkpact.core.models import AuditEvent, Role, User
from parkpact.core.services import set_user_role
from parkpact.core.sweeps import registered_sweeps
from parkpact.inspections import sampling, services
from parkpact.inspections.models import Inspection, InspectorConflict, SurveillancePlan

from .test_plans_support import (
    WINDOWS,
    Supervised,
    after,
    committed_plan,
    draft_plan,
    last_month,
    month_after,
    revealed_plan,
    supervised,
    this_month,
)

# These tests read the messages in English.
pytestmark = pytest.mark.usefixtures("english")

__all__ = ["supervised"]


def events(plan: SurveillancePlan, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="inspections.surveillanceplan", object_id=str(plan.pk), action=action
        )
    )


def refusal(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# ---- Drafting ---------------------------------------------------------------------------------


def test_it_drafts_a_plan_and_records_it(supervised: Supervised, manager: User) -> None:
    month = month_after(this_month())
    plan = draft_plan(supervised, month=month, by=manager, sample_size=12)
    assert plan.status == SurveillancePlan.Status.DRAFT
    assert plan.month == month
    assert plan.sample_size == 12
    assert plan.windows == WINDOWS
    assert plan.seed == plan.seed_hash == ""
    (event,) = events(plan, "surveillance_plan.create")
    assert event.actor == manager
    assert event.after["sample_size"] == 12


def test_it_sizes_a_full_check_from_the_zones_in_scope(
    supervised: Supervised, manager: User
) -> None:
    plan = draft_plan(
        supervised, month=month_after(this_month()), by=manager, standard=supervised.full_standard
    )
    # CL-02 is checked in the toilet and the playground, twice each.
    assert plan.sample_size == 4


@pytest.mark.parametrize(
    ("windows", "fragment"),
    [
        ([["09:00", "07:00"]], "opening before it closes"),
        ([["7:00", "09:00"]], "HH:MM-HH:MM"),
        ([], "at least one"),
        ([["07:00", "08:00"], ["07:00", "08:00"]], "only once"),
    ],
)
def test_it_refuses_bad_time_windows(
    supervised: Supervised, manager: User, windows: list[list[str]], fragment: str
) -> None:
    month = month_after(this_month())
    with pytest.raises(ValidationError) as error:
        services.create_plan(
            contract=supervised.contract,
            standard=supervised.random_standard,
            month=month,
            sample_size=5,
            windows=windows,
            by=manager,
        )
    assert fragment in refusal(error)
    assert not SurveillancePlan.objects.exists()


def test_it_refuses_a_month_that_has_begun(supervised: Supervised, manager: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_plan(
            contract=supervised.contract,
            standard=supervised.random_standard,
            month=this_month(),
            sample_size=5,
            windows=WINDOWS,
            by=manager,
        )
    assert "has already begun" in refusal(error)


def test_it_refuses_a_standard_not_checked_by_inspection(
    world: World, manager: User, inspector: User
) -> None:
    today = timezone.localdate()
    contract = testing.make_contract(
        world.provider_b,
        [testing.make_zone(world.park, x=30)],
        by=manager,
        active=False,
        start=today,
        end=today + timedelta(days=200),
    )
    standard = contract.versions.get(number=1).standards.get(code="CL-02")
    standard.method = PerformanceStandard.Method.SENSOR
    contract_services.save_term_part(part=standard, by=manager)
    contract_services.activate_contract(contract=contract, by=manager)
    with pytest.raises(ValidationError) as error:
        services.create_plan(
            contract=contract,
            standard=standard,
            month=month_after(this_month()),
            sample_size=5,
            windows=WINDOWS,
            by=manager,
        )
    assert "not by inspection" in refusal(error)


def test_it_refuses_another_contracts_standard(
    supervised: Supervised, world: World, manager: User
) -> None:
    other = world.contract_b.versions.get(number=1).standards.get(code="CL-01")
    with pytest.raises(ValidationError) as error:
        services.create_plan(
            contract=supervised.contract,
            standard=other,
            month=month_after(this_month()),
            sample_size=5,
            windows=WINDOWS,
            by=manager,
        )
    assert "not part of this contract's terms" in refusal(error)


def test_it_refuses_a_standard_of_terms_not_in_force(supervised: Supervised, manager: User) -> None:
    month = month_after(this_month())
    amendment = contract_services.draft_amendment(
        contract=supervised.contract, by=manager, reason="New toilets", effective_from=month
    )
    drafted = amendment.version.standards.get(code="CL-01")
    with pytest.raises(ValidationError) as error:
        services.create_plan(
            contract=supervised.contract,
            standard=drafted,
            month=month,
            sample_size=5,
            windows=WINDOWS,
            by=manager,
        )
    assert "not part of this contract's terms" in refusal(error)


def test_it_refuses_a_contract_that_is_not_active(world: World, manager: User) -> None:
    today = timezone.localdate()
    draft = testing.make_contract(
        world.provider_a,
        [testing.make_zone(world.park, x=40)],
        by=manager,
        active=False,
        start=today,
        end=today + timedelta(days=200),
    )
    standard = draft.versions.get(number=1).standards.get(code="CL-01")
    with pytest.raises(ValidationError) as error:
        services.create_plan(
            contract=draft,
            standard=standard,
            month=month_after(this_month()),
            sample_size=5,
            windows=WINDOWS,
            by=manager,
        )
    assert "Only an active contract" in refusal(error)


def test_it_refuses_a_month_outside_the_term(supervised: Supervised, manager: User) -> None:
    far = services.first_of_month(supervised.contract.end_date + timedelta(days=40))
    with pytest.raises(ValidationError) as error:
        draft_plan(supervised, month=far, by=manager)
    assert "outside the contract's term" in refusal(error)


def test_it_refuses_a_second_plan_for_the_same_standard_and_month(
    supervised: Supervised, manager: User
) -> None:
    month = month_after(this_month())
    draft_plan(supervised, month=month, by=manager)
    with pytest.raises(ValidationError) as error:
        draft_plan(supervised, month=month, by=manager)
    assert "already a plan" in refusal(error)


def test_it_refuses_a_sample_size_out_of_range(supervised: Supervised, manager: User) -> None:
    with pytest.raises(ValidationError) as error:
        draft_plan(supervised, month=month_after(this_month()), by=manager, sample_size=0)
    assert "zone-visits" in refusal(error)


def test_it_discards_only_a_draft(supervised: Supervised, manager: User) -> None:
    month = month_after(this_month())
    plan = draft_plan(supervised, month=month, by=manager)
    services.discard_plan(plan=plan, by=manager)
    assert not SurveillancePlan.objects.exists()
    assert AuditEvent.objects.filter(action="surveillance_plan.discard").count() == 1
    committed = committed_plan(supervised, month=month, by=manager)
    with pytest.raises(ValidationError):
        services.discard_plan(plan=committed, by=manager)
    assert SurveillancePlan.objects.filter(pk=committed.pk).exists()


# ---- Committing -------------------------------------------------------------------------------


def test_it_commits_before_the_month_and_schedules_the_drawn_visits(
    supervised: Supervised, manager: User
) -> None:
    month = month_after(this_month())
    plan = draft_plan(supervised, month=month, by=manager, sample_size=10)
    plan = services.commit_plan(plan=plan, by=manager)
    assert plan.status == SurveillancePlan.Status.COMMITTED
    assert plan.seed_hash == hashlib.sha256(bytes.fromhex(plan.seed)).hexdigest()
    assert plan.parameters_hash == sampling.parameters_hash(plan.parameters or {})
    assert plan.committed_by == manager
    visits = list(plan.inspections.order_by("visit_index"))
    assert [v.visit_index for v in visits] == list(range(10))
    zone_ids = {z.pk for z in supervised.zones}
    for visit in visits:
        assert visit.status == Inspection.Status.SCHEDULED
        assert visit.contract == supervised.contract
        assert visit.zone_id in zone_ids
        start = timezone.localtime(visit.window_start)
        end = timezone.localtime(visit.window_end)
        assert (start.year, start.month) == (month.year, month.month)
        assert end - start == timedelta(minutes=60)
        assert any(
            f"{start:%H:%M}" >= opens and f"{end:%H:%M}" <= closes for opens, closes in WINDOWS
        )
    # Every toilet and playground (the sensitive kinds) gets a visit.
    kinds = {v.zone.kind for v in visits}
    assert {"toilet", "playground"} <= kinds


def test_it_freezes_everything_the_draw_needs(supervised: Supervised, manager: User) -> None:
    month = month_after(this_month())
    plan = committed_plan(supervised, month=month, by=manager)
    parameters = plan.parameters
    assert parameters is not None
    assert parameters["algorithm"] == sampling.ALGORITHM
    assert parameters["contract"] == supervised.contract.number
    assert parameters["standard"] == "CL-01"
    assert parameters["month"] == f"{month:%Y-%m}"
    assert parameters["sample_size"] == 8
    assert parameters["windows"] == WINDOWS
    assert [z["id"] for z in parameters["zones"]] == sorted(
        (z.pk for z in supervised.zones),
        key=lambda pk: services.zone_label(next(z for z in supervised.zones if z.pk == pk)),
    )
    assert {i["username"] for i in parameters["inspectors"]} == {
        i.username for i in supervised.inspectors
    }
    # The stored visits are exactly the draw from the seed and these parameters.
    drawn = sampling.draw_from_parameters(plan.seed, parameters)
    assert [
        services.recorded_visit(i, plan.month) for i in plan.inspections.order_by("visit_index")
    ] == drawn


def test_it_records_the_hashes_but_never_the_seed_at_commitment(
    supervised: Supervised, manager: User
) -> None:
    plan = committed_plan(supervised, month=month_after(this_month()), by=manager)
    (event,) = events(plan, "surveillance_plan.commit")
    assert event.actor == manager
    assert event.after["seed_hash"] == plan.seed_hash
    assert event.after["parameters_hash"] == plan.parameters_hash
    ledger = json.dumps([e.as_entry() for e in AuditEvent.objects.all()])
    assert plan.seed not in ledger


def test_it_refuses_to_commit_once_the_month_has_begun(
    supervised: Supervised, manager: User
) -> None:
    month = month_after(this_month())
    plan = draft_plan(supervised, month=month, by=manager)
    with pytest.raises(ValidationError) as error:
        services.commit_plan(
            plan=plan, by=manager, now=services.month_begins_at(month) + timedelta(minutes=1)
        )
    assert "has already begun" in refusal(error)
    plan.refresh_from_db()
    assert plan.status == SurveillancePlan.Status.DRAFT
    assert plan.seed == ""
    assert not Inspection.objects.exists()


def test_it_commits_a_plan_only_once(supervised: Supervised, manager: User) -> None:
    plan = committed_plan(supervised, month=month_after(this_month()), by=manager)
    seed = plan.seed
    with pytest.raises(ValidationError) as error:
        services.commit_plan(plan=plan, by=manager)
    assert "cannot change" in refusal(error)
    plan.refresh_from_db()
    assert plan.seed == seed
    assert plan.inspections.count() == 8


def test_it_commits_a_full_check_visiting_every_zone_in_scope(
    supervised: Supervised, manager: User
) -> None:
    plan = committed_plan(
        supervised,
        month=month_after(this_month()),
        by=manager,
        standard=supervised.full_standard,
    )
    kinds = sorted(v.zone.kind for v in plan.inspections.select_related("zone"))
    assert kinds == ["playground", "playground", "toilet", "toilet"]


def test_it_never_draws_a_conflicted_or_inactive_inspector(
    supervised: Supervised, manager: User, world: World
) -> None:
    conflicted, inactive, free = supervised.inspectors
    services.declare_conflict(
        inspector=conflicted, provider=world.provider_a, reason="Brother works there", by=manager
    )
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    plan = committed_plan(supervised, month=month_after(this_month()), by=manager, sample_size=30)
    assert plan.parameters is not None
    assert [i["username"] for i in plan.parameters["inspectors"]] == [free.username]
    assert set(plan.inspections.values_list("inspector", flat=True)) == {free.pk}


def test_it_refuses_to_commit_without_an_eligible_inspector(
    supervised: Supervised, manager: User, world: World
) -> None:
    for inspector in supervised.inspectors:
        services.declare_conflict(
            inspector=inspector, provider=world.provider_a, reason="Shareholder", by=manager
        )
    plan = draft_plan(supervised, month=month_after(this_month()), by=manager)
    with pytest.raises(ValidationError) as error:
        services.commit_plan(plan=plan, by=manager)
    assert "No inspector may be drawn" in refusal(error)
    assert not Inspection.objects.exists()


def test_it_draws_a_different_sample_for_each_commitment(
    supervised: Supervised, manager: User
) -> None:
    month = month_after(this_month())
    one = committed_plan(supervised, month=month, by=manager, sample_size=20)
    other = committed_plan(supervised, month=month_after(month), by=manager, sample_size=20)
    assert one.seed != other.seed
    assert one.seed_hash != other.seed_hash


# ---- Revealing --------------------------------------------------------------------------------


def test_it_reveals_only_after_the_month_has_ended(supervised: Supervised, manager: User) -> None:
    month = last_month()
    plan = committed_plan(supervised, month=month, by=manager)
    end = services.month_begins_at(month_after(month))
    with pytest.raises(ValidationError) as error:
        services.reveal_plan(plan=plan, by=manager, now=end - timedelta(minutes=1))
    assert "only after the month has ended" in refusal(error)
    plan.refresh_from_db()
    assert plan.status == SurveillancePlan.Status.COMMITTED
    assert plan.public_seed == ""

    plan = services.reveal_plan(plan=plan, by=manager, now=end)
    assert plan.status == SurveillancePlan.Status.REVEALED
    assert plan.revealed_at == end
    assert plan.public_seed == plan.seed
    (event,) = events(plan, "surveillance_plan.reveal")
    assert event.actor == manager
    assert event.after["seed"] == plan.seed


def test_it_reveals_a_plan_only_once(supervised: Supervised, manager: User) -> None:
    plan = revealed_plan(supervised, month=last_month(), by=manager)
    with pytest.raises(ValidationError):
        services.reveal_plan(plan=plan, by=manager, now=after(plan.month))
    assert len(events(plan, "surveillance_plan.reveal")) == 1


def test_it_does_not_reveal_a_draft(supervised: Supervised, manager: User) -> None:
    plan = draft_plan(supervised, month=last_month(), by=manager)
    with pytest.raises(ValidationError) as error:
        services.reveal_plan(plan=plan, by=manager, now=after(plan.month))
    assert "Only a committed plan" in refusal(error)


def test_the_sweep_reveals_every_plan_whose_month_has_ended(
    supervised: Supervised, manager: User
) -> None:
    assert "inspections.reveal_plans" in [sweep.name for sweep in registered_sweeps()]
    ended = committed_plan(supervised, month=last_month(), by=manager)
    running = committed_plan(
        supervised, month=this_month(), by=manager, standard=supervised.full_standard
    )
    upcoming = committed_plan(supervised, month=month_after(this_month()), by=manager)
    revealed = services.reveal_due_plans()
    assert [plan.pk for plan in revealed] == [ended.pk]
    statuses = dict(SurveillancePlan.objects.values_list("pk", "status"))
    assert statuses == {
        ended.pk: SurveillancePlan.Status.REVEALED,
        running.pk: SurveillancePlan.Status.COMMITTED,
        upcoming.pk: SurveillancePlan.Status.COMMITTED,
    }
    (event,) = events(ended, "surveillance_plan.reveal")
    assert event.actor is None
    assert event.actor_name == "system"
    assert services.reveal_due_plans() == []


def test_the_sweep_task_reveals_due_plans(supervised: Supervised, manager: User) -> None:
    from parkpact.inspections.tasks import reveal_plans_task

    plan = committed_plan(supervised, month=last_month(), by=manager)
    result = reveal_plans_task.call()
    assert result == {"revealed": [plan.pk]}


# ---- Conflicts of interest --------------------------------------------------------------------


def test_it_declares_a_conflict_and_flags_visits_already_drawn(
    supervised: Supervised, manager: User, world: World
) -> None:
    plan = committed_plan(supervised, month=month_after(this_month()), by=manager, sample_size=30)
    inspector = supervised.inspectors[0]
    drawn = plan.inspections.filter(inspector=inspector).count()
    assert drawn > 0
    conflict = services.declare_conflict(
        inspector=inspector, provider=world.provider_a, reason="Former employer", by=manager
    )
    assert conflict.reason == "Former employer"
    flagged = plan.inspections.filter(needs_review=True)
    assert flagged.count() == drawn
    assert set(flagged.values_list("inspector", flat=True)) == {inspector.pk}
    event = AuditEvent.objects.get(action="inspector_conflict.declare")
    assert event.actor == manager
    assert event.after["scheduled_visits_flagged"] == drawn
    assert event.reason == "Former employer"


def test_it_refuses_a_bad_conflict_declaration(
    supervised: Supervised, manager: User, world: World
) -> None:
    inspector = supervised.inspectors[0]
    with pytest.raises(ValidationError):
        services.declare_conflict(
            inspector=inspector, provider=world.provider_a, reason="  ", by=manager
        )
    with pytest.raises(ValidationError):
        services.declare_conflict(
            inspector=manager, provider=world.provider_a, reason="Friend", by=manager
        )
    services.declare_conflict(
        inspector=inspector, provider=world.provider_a, reason="Friend", by=manager
    )
    with pytest.raises(ValidationError):
        services.declare_conflict(
            inspector=inspector, provider=world.provider_a, reason="Again", by=manager
        )
    assert InspectorConflict.objects.count() == 1


def test_a_former_inspector_is_not_drawn(supervised: Supervised, manager: User) -> None:
    moved = supervised.inspectors[1]
    set_user_role(user=moved, role=Role.FINANCE, by=manager)
    plan = committed_plan(supervised, month=month_after(this_month()), by=manager, sample_size=30)
    assert moved.pk not in set(plan.inspections.values_list("inspector", flat=True))
