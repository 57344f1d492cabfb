"""Due-time sweeps: periodic jobs (overdue orders, missed rounds, SLA breaches…) that the
worker enqueues when they fall due.

Each sweep has a row in SweepSchedule; a worker claims a due sweep with one conditional
UPDATE, so several workers sharing one database never enqueue the same sweep twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .models import SweepSchedule


@dataclass(frozen=True)
class Sweep:
    name: str
    every: timedelta
    task: Any  # a django-tasks Task


_sweeps: dict[str, Sweep] = {}


def register_sweep(*, name: str, every: timedelta, task: Any) -> None:
    _sweeps[name] = Sweep(name=name, every=every, task=task)


def registered_sweeps() -> list[Sweep]:
    return sorted(_sweeps.values(), key=lambda sweep: sweep.name)


def enqueue_due_sweeps(*, now: datetime, worker_id: str) -> list[str]:
    """Enqueue every sweep that is due and that this worker won; return their names."""
    enqueued = []
    for sweep in registered_sweeps():
        SweepSchedule.objects.get_or_create(name=sweep.name, defaults={"next_run_at": now})
        won = SweepSchedule.objects.filter(name=sweep.name, next_run_at__lte=now).update(
            next_run_at=now + sweep.every, last_claimed_at=now, last_claimed_by=worker_id
        )
        if won:
            sweep.task.enqueue()
            enqueued.append(sweep.name)
    return enqueued
