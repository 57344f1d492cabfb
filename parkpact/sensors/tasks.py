"""Sensor sweeps: monthly partitions of the readings table created ahead of time."""

from datetime import date, timedelta

from django.db import connection
from django_tasks import task

from parkpact.core.sweeps import register_sweep

from .partitions import MONTHS_AHEAD, ensure_partitions, next_month


@task()
def add_reading_partitions_task() -> dict[str, list[str]]:
    through = date.today().replace(day=1)
    for _ in range(MONTHS_AHEAD):
        through = next_month(through)
    return {"created": ensure_partitions(connection, through=through)}


register_sweep(
    name="sensors.add_reading_partitions", every=timedelta(days=1), task=add_reading_partitions_task
)
