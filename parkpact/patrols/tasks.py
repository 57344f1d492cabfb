"""Queued jobs and due-time sweeps of patrols."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from parkpact.core.sweeps import register_sweep

logger = logging.getLogger(__name__)


@task()
def close_due_rounds_task() -> dict[str, int]:
    """Close the rounds whose window has ended (missed or incomplete)."""
    from .services import close_due_rounds

    closed = close_due_rounds(now=timezone.now())
    if closed:
        logger.info("Closed %s patrol rounds", closed)
    return {"closed": closed}


@task()
def generate_rounds_task() -> dict[str, int]:
    """Create today's and tomorrow's rounds of every active schedule (existing ones are kept)."""
    from .models import PatrolSchedule
    from .services import generate_rounds

    today = timezone.localdate()
    created = 0
    for schedule in PatrolSchedule.objects.filter(active=True).select_related("route__contract"):
        for day in (today, today + timedelta(days=1)):
            created += generate_rounds(schedule=schedule, day=day)
    return {"created": created}


register_sweep(name="patrols.close_rounds", every=timedelta(minutes=5), task=close_due_rounds_task)
register_sweep(name="patrols.generate_rounds", every=timedelta(hours=1), task=generate_rounds_task)


@task()
def incidents_from_public_reports_task() -> dict[str, int]:
    """Turn the public's new safety, lost-person and disorder reports into incidents."""
    from .incidents import open_incidents_from_public_reports

    return {"opened": open_incidents_from_public_reports()}


register_sweep(
    name="patrols.public_incidents",
    every=timedelta(minutes=1),
    task=incidents_from_public_reports_task,
)
