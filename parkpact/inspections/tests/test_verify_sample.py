"""`manage.py verify_sample`: re-draws revealed plans and fails on any tampering."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parkpact.core.models import User
from parkpact.inspections import sampling
from parkpact.inspections.models import Inspection, SurveillancePlan

from .test_plans_support import (
    Supervised,
    committed_plan,
    last_month,
    month_after,
    revealed_plan,
    supervised,
    this_month,
)

__all__ = ["supervised"]


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_sample", *args, stdout=out)
    return out.getvalue()


def failing(*args: str) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("verify_sample", *args, stdout=out)
    return out.getvalue(), str(error.value)


def name(plan: SurveillancePlan) -> str:
    return f"{plan.contract.number} {plan.standard.code} {plan.month:%Y-%m} (plan {plan.pk})"


@pytest.fixture
def revealed(supervised: Supervised, manager: User) -> SurveillancePlan:
    return revealed_plan(supervised, month=last_month(), by=manager, sample_size=12)


def test_it_passes_an_honest_revealed_month(
    supervised: Supervised, revealed: SurveillancePlan, manager: User
) -> None:
    full = revealed_plan(
        supervised, month=last_month(), by=manager, standard=supervised.full_standard
    )
    output = verify()
    assert f"OK                {name(revealed)}: 12 visits re-drawn, all match" in output
    assert f"OK                {name(full)}: 4 visits re-drawn, all match" in output
    assert "2 revealed plans checked, 0 mismatched" in output


def test_it_lists_unrevealed_plans_without_failing(
    supervised: Supervised, revealed: SurveillancePlan, manager: User
) -> None:
    upcoming = committed_plan(supervised, month=month_after(this_month()), by=manager)
    output = verify()
    assert f"not revealed yet  {name(upcoming)}: seed hash {upcoming.seed_hash}" in output
    assert upcoming.seed not in output


def test_it_fails_naming_the_plan_when_a_visit_was_moved_to_another_inspector(
    supervised: Supervised, revealed: SurveillancePlan
) -> None:
    visit = revealed.inspections.get(visit_index=3)
    other = next(i for i in supervised.inspectors if i.pk != visit.inspector_id)
    Inspection.objects.filter(pk=visit.pk).update(inspector=other)
    output, error = failing()
    assert f"MISMATCH          {name(revealed)}: visit 3 differs: inspector" in output
    assert "1 of 1 revealed plans do not match" in error


def test_it_fails_when_a_visit_was_moved_to_another_zone_or_time(
    supervised: Supervised, revealed: SurveillancePlan
) -> None:
    first, second = revealed.inspections.order_by("visit_index")[:2]
    other_zone = next(z for z in supervised.zones if z.pk != first.zone_id)
    Inspection.objects.filter(pk=first.pk).update(zone=other_zone)
    Inspection.objects.filter(pk=second.pk).update(
        window_start=second.window_start + (second.window_end - second.window_start) / 2
    )
    output, _error = failing()
    assert "visit 0 differs: zone" in output
    assert "visit 1 differs: time window" in output


def test_it_fails_when_a_visit_was_deleted(revealed: SurveillancePlan) -> None:
    revealed.inspections.filter(visit_index=5).delete()
    output, _error = failing()
    assert "visit 5 differs: drawn but not recorded" in output


def test_it_fails_when_the_parameters_were_changed(revealed: SurveillancePlan) -> None:
    parameters = dict(revealed.parameters or {})
    parameters["sample_size"] = 11
    SurveillancePlan.objects.filter(pk=revealed.pk).update(parameters=parameters)
    output, _error = failing()
    assert "the parameters do not hash to the published parameters hash" in output


def test_it_fails_when_the_parameters_and_their_hash_were_changed(
    revealed: SurveillancePlan,
) -> None:
    parameters = dict(revealed.parameters or {})
    parameters["inspectors"] = parameters["inspectors"][:1]
    SurveillancePlan.objects.filter(pk=revealed.pk).update(
        parameters=parameters, parameters_hash=sampling.parameters_hash(parameters)
    )
    output, _error = failing()
    assert "the hashes differ from those committed in the audit ledger" in output


def test_it_fails_when_the_seed_was_changed(revealed: SurveillancePlan) -> None:
    SurveillancePlan.objects.filter(pk=revealed.pk).update(seed=sampling.new_seed())
    output, _error = failing()
    assert f"MISMATCH          {name(revealed)}" in output
    assert "the seed does not hash to the published seed hash" in output


def test_it_fails_when_the_seed_and_its_hash_were_changed(revealed: SurveillancePlan) -> None:
    seed = sampling.new_seed()
    SurveillancePlan.objects.filter(pk=revealed.pk).update(
        seed=seed, seed_hash=sampling.seed_commitment(seed)
    )
    output, _error = failing()
    assert "the hashes differ from those committed in the audit ledger" in output
    assert "differs: " in output  # and the visits no longer follow from the seed


def test_it_narrows_to_a_contract_and_a_month(
    supervised: Supervised, revealed: SurveillancePlan, world: object
) -> None:
    Inspection.objects.filter(plan=revealed, visit_index=0).delete()
    assert "0 revealed plans checked" in verify("--contract", "NO-SUCH-CONTRACT")
    assert "0 revealed plans checked" in verify("--month", f"{this_month():%Y-%m}")
    _output, error = failing(
        "--contract", supervised.contract.number, "--month", f"{last_month():%Y-%m}"
    )
    assert "1 of 1" in error


def test_it_refuses_a_malformed_month() -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("verify_sample", "--month", "March")


@pytest.mark.django_db
def test_it_exits_with_a_non_zero_status_on_a_mismatch(revealed: SurveillancePlan) -> None:
    call_command("verify_sample")  # honest: returns normally
    revealed.inspections.filter(visit_index=0).delete()
    with pytest.raises(CommandError) as error:
        call_command("verify_sample")
    # manage.py turns a CommandError into this exit status.
    assert error.value.returncode == 1
