"""Queued jobs and due-time sweeps of supervision."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from parkpact.core.sweeps import register_sweep

logger = logging.getLogger(__name__)


@task()
def reveal_plans_task() -> dict[str, object]:
    """Reveal the seed of every committed plan whose month has ended, as the system."""
    from .services import reveal_due_plans

    revealed = reveal_due_plans()
    if revealed:
        logger.info("Revealed the seeds of %s surveillance plans", len(revealed))
    return {"revealed": [plan.pk for plan in revealed]}


@task()
def mark_overdue_orders_task() -> dict[str, int]:
    """Mark the orders whose deadline passed while still not closed, and notify."""
    from .rectification import mark_overdue_orders

    return {"marked": mark_overdue_orders(now=timezone.now())}


@task()
def flag_missing_photos_task() -> dict[str, int]:
    """Flag visits whose failed items still have no photo a day after submission."""
    from .submission import flag_failed_findings_without_photos

    return {
        "flagged": flag_failed_findings_without_photos(
            now=timezone.now(), grace=timedelta(hours=24)
        )
    }


register_sweep(name="inspections.reveal_plans", every=timedelta(minutes=15), task=reveal_plans_task)
register_sweep(
    name="inspections.overdue_orders", every=timedelta(minutes=5), task=mark_overdue_orders_task
)
register_sweep(
    name="inspections.missing_photos", every=timedelta(hours=1), task=flag_missing_photos_task
)
