"""The publication sweep: new OCDS releases for whatever changed since the last one."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from parkpact.core.sweeps import register_sweep


@task()
def publish_releases_task() -> dict[str, int]:
    """Publish an OCDS release for every tender, award, contract, amendment, approved month
    and approved payment whose release changed."""
    from .services import publish_releases

    return {"published": publish_releases(now=timezone.now())}


register_sweep(
    name="publication.publish_releases", every=timedelta(minutes=5), task=publish_releases_task
)
