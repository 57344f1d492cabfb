"""Due-time sweeps of the public channel."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from parkpact.core.sweeps import register_sweep


@task()
def mark_sla_breaches_task() -> dict[str, int]:
    """Record the acknowledgement and resolution deadlines missed since the last sweep."""
    from .services import mark_sla_breaches

    return {"marked": mark_sla_breaches(now=timezone.now())}


register_sweep(
    name="servicerequests.sla_breaches", every=timedelta(minutes=5), task=mark_sla_breaches_task
)
