"""Queued jobs and sweeps of the core app."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from .sweeps import register_sweep

logger = logging.getLogger(__name__)


@task()
def verify_ledger_task() -> dict[str, object]:
    """Re-verify the audit ledger and keep the verdict; a broken chain is logged as an error."""
    from .services import check_ledger

    check = check_ledger()
    if not check.intact:
        logger.error("Audit ledger broken at entry %s: %s", check.broken_seq, check.problem)
    return {"intact": check.intact, "count": check.entries, "head": check.head}


register_sweep(name="core.verify_ledger", every=timedelta(hours=1), task=verify_ledger_task)


@task()
def purge_rate_limits_task() -> dict[str, int]:
    """Forget the rate-limit counts of windows that have ended."""
    from .ratelimit import purge_expired

    return {"deleted": purge_expired(now=timezone.now())}


register_sweep(name="core.purge_rate_limits", every=timedelta(hours=1), task=purge_rate_limits_task)
