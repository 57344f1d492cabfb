"""Queued jobs and sweeps of the core app."""

import logging
from datetime import timedelta

from django_tasks import task

from .sweeps import register_sweep

logger = logging.getLogger(__name__)


@task()
def verify_ledger_task() -> dict[str, object]:
    """Re-verify the audit ledger; a broken chain is logged as an error for the operators."""
    from .services import verify_ledger

    verdict = verify_ledger()
    if not verdict.intact:
        logger.error("Audit ledger broken at entry %s: %s", verdict.broken_seq, verdict.problem)
    return {"intact": verdict.intact, "count": verdict.count, "head": verdict.head}


register_sweep(name="core.verify_ledger", every=timedelta(hours=1), task=verify_ledger_task)
