"""Run queued jobs and due-time sweeps until stopped: `manage.py run_worker`."""

import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from parkpact.core.sweeps import enqueue_due_sweeps

logger = logging.getLogger("parkpact.worker")


class Command(BaseCommand):
    help = "Run queued jobs and due-time sweeps. Several workers may share one database."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Do one pass, then exit.")
        parser.add_argument("--worker-id", default="", help="A name unique among the workers.")

    def handle(self, *args: Any, once: bool, worker_id: str, **options: Any) -> None:
        worker_id = worker_id or f"worker-{get_random_string(12)}"
        # The jobs themselves are claimed by django-tasks-db (SELECT … FOR UPDATE SKIP LOCKED on
        # PostgreSQL, the write lock on SQLite); batch mode drains the queue and returns.
        jobs = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        if not once:
            jobs.configure_signals()
            self.stdout.write(f"ParkPact worker {worker_id} started")
        while True:
            close_old_connections()
            due = enqueue_due_sweeps(now=timezone.now(), worker_id=worker_id)
            if due:
                logger.info("Enqueued sweeps: %s", ", ".join(due))
            jobs.run()
            if once:
                return
            time.sleep(settings.WORKER_INTERVAL)
