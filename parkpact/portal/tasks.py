"""The portal's sweep: the public reports page's figures counted every few minutes."""

from django.utils import timezone
from django_tasks import task

from parkpact.core.sweeps import register_sweep

from .figures import SNAPSHOT_EVERY


@task()
def snapshot_requests_task() -> dict[str, str]:
    """Count the last 90 days of public reports for the portal's page."""
    from .figures import snapshot_requests

    return {"counted_at": snapshot_requests(timezone.now()).computed_at.isoformat()}


register_sweep(name="portal.snapshot_requests", every=SNAPSHOT_EVERY, task=snapshot_requests_task)
