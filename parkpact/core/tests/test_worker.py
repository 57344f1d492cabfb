"""The worker: due sweeps are enqueued once however many workers run, and jobs get done."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from parkpact.core.models import SweepSchedule
from parkpact.core.sweeps import enqueue_due_sweeps, registered_sweeps


@pytest.mark.django_db
def test_it_enqueues_a_due_sweep_for_one_worker_only() -> None:
    now = timezone.now()
    names = [sweep.name for sweep in registered_sweeps()]
    assert "core.verify_ledger" in names
    assert "core.verify_ledger" in enqueue_due_sweeps(now=now, worker_id="one")
    assert enqueue_due_sweeps(now=now, worker_id="two") == []
    schedule = SweepSchedule.objects.get(name="core.verify_ledger")
    assert schedule.last_claimed_by == "one"
    assert schedule.next_run_at == now + timedelta(hours=1)
    # An hour later it is due again, and whichever worker asks first wins it.
    assert "core.verify_ledger" in enqueue_due_sweeps(now=now + timedelta(hours=1), worker_id="two")


@pytest.mark.django_db
def test_one_pass_runs_the_due_sweeps_jobs() -> None:
    call_command("run_worker", "--once", "--worker-id", "test")
    result = DBTaskResult.objects.get(task_path__endswith="verify_ledger_task")
    assert result.status == "SUCCESSFUL"
    assert result.return_value["intact"] is True
    # A second pass finds nothing due and nothing queued.
    call_command("run_worker", "--once", "--worker-id", "test")
    assert DBTaskResult.objects.count() == 1
