"""The worker: due sweeps are enqueued once however many workers run, and jobs get done."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import task
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


@pytest.mark.django_db(transaction=True)  # the worker closes stale connections, as in production
def test_one_pass_runs_the_due_sweeps_jobs() -> None:
    call_command("run_worker", "--once", "--worker-id", "test")
    result = DBTaskResult.objects.get(task_path__endswith="verify_ledger_task")
    assert result.status == "SUCCESSFUL"
    assert result.return_value["intact"] is True
    # A second pass finds nothing due and nothing queued.
    call_command("run_worker", "--once", "--worker-id", "test")
    assert DBTaskResult.objects.count() == len(registered_sweeps())


RUNS: list[int] = []
_runs_lock = threading.Lock()


@task()
def note_run(number: int) -> None:
    with _runs_lock:
        RUNS.append(number)


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_postgresql_never_run_a_job_twice() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("several workers share a PostgreSQL server; SQLite has one writer anyway")
    RUNS.clear()
    for number in range(60):
        note_run.enqueue(number)

    def work(worker_id: str) -> None:
        try:
            call_command("run_worker", "--once", "--worker-id", worker_id)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(RUNS) == list(range(60))
    claims = DBTaskResult.objects.filter(task_path__endswith="note_run").values_list(
        "worker_ids", flat=True
    )
    assert all(len(worker_ids) == 1 for worker_ids in claims)  # each job was claimed exactly once
