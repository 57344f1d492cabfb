"""``manage.py assess --month YYYY-MM``: every contract in force gets its draft."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import World
from parkpact.assessments import services
from parkpact.assessments.models import Assessment
from parkpact.core.models import User

from .helpers import AFTER_WINDOW, MONTH, computed

pytestmark = pytest.mark.django_db


def assess(*args: str) -> str:
    out = StringIO()
    call_command("assess", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_computes_the_drafts_of_every_contract_in_force(world: World) -> None:
    output = assess("--month", "2026-07")
    drafts = Assessment.objects.filter(month="2026-07-01")
    assert set(drafts.values_list("contract", flat=True)) == {
        world.contract_a.pk,
        world.contract_b.pk,
    }
    assert set(drafts.values_list("status", flat=True)) == {Assessment.Status.DRAFT}
    assert "2026-07" in output
    assess("--month", "2026-07")  # again: the same drafts, recomputed, no duplicates
    assert drafts.count() == 2


def test_it_computes_only_the_contracts_named(world: World) -> None:
    assess("--month", "2026-07", "--contract", world.contract_b.number)
    assert list(Assessment.objects.values_list("contract", flat=True)) == [world.contract_b.pk]
    with pytest.raises(CommandError):
        assess("--month", "2026-07", "--contract", "QZ-NOPE")


def test_it_reports_a_sent_month_and_computes_the_others(world: World, manager: User) -> None:
    assessment = computed(world, manager)
    services.send_assessment(assessment=assessment, by=manager, now=AFTER_WINDOW)
    output = assess("--month", f"{MONTH:%Y-%m}")
    assert world.contract_a.number in output
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SENT
    assert Assessment.objects.filter(contract=world.contract_b, month=MONTH).exists()


@pytest.mark.parametrize("month", ["2026-13", "07-2026", "2026/07", "July"])
def test_it_refuses_a_month_not_written_as_year_and_month(world: World, month: str) -> None:
    with pytest.raises(CommandError):
        assess("--month", month)
    assert not Assessment.objects.exists()
