from datetime import UTC, date, datetime

import pytest
from django.db import connection

from conftest import World
from parkpact import testing
from parkpact.sensors.models import Reading
from parkpact.sensors.partitions import ensure_partitions, next_month, partition_name

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitioning is PostgreSQL only"
)


def partition_of(reading: Reading) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM sensors_reading WHERE id = %s", [reading.pk]
        )
        return str(cursor.fetchone()[0])


def test_it_stores_readings_in_monthly_partitions(world: World) -> None:
    device, _ = testing.make_sensor_device(world.zones[0])
    reading = Reading.objects.create(
        device=device,
        observed_at=datetime(2026, 3, 15, tzinfo=UTC),
        name="fillingLevel",
        value=0.5,
        received_at=datetime(2026, 3, 15, tzinfo=UTC),
    )
    assert partition_of(reading) == "sensors_reading_202603"


def test_it_adds_the_coming_months(db: None) -> None:
    month = date.today().replace(day=1)
    for _ in range(6):
        month = next_month(month)
    assert partition_name(month) in ensure_partitions(connection, through=month)
    assert ensure_partitions(connection, through=month) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition_name(month)])
        assert cursor.fetchone()[0] is not None
