"""Monthly partitions of the readings table on PostgreSQL (SQLite keeps one plain table).

Migration 0002 turns sensors_reading into a table partitioned by RANGE (observed_at) with a
primary key (id, observed_at), since a partitioned table's keys must hold the partition key.
A default partition catches rows outside every month; the daily sweep sensors.partitions
creates the coming months ahead of time, so the default partition stays empty.
"""

from datetime import date

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "sensors_reading"
FIRST_MONTH = date(2024, 1, 1)
MONTHS_AHEAD = 3


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_{month:%Y%m}"


def month_ddl(month: date) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(month)} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{month:%Y-%m-%d}') TO ('{next_month(month):%Y-%m-%d}')"
    )


def ensure_partitions(connection: BaseDatabaseWrapper, *, through: date) -> list[str]:
    """Create the missing monthly partitions up to the month of ``through``; names created.
    Does nothing outside PostgreSQL."""
    if connection.vendor != "postgresql":
        return []
    created = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        existing = {row[0] for row in cursor.fetchall()}
        month = FIRST_MONTH
        while month <= through:
            if partition_name(month) not in existing:
                cursor.execute(month_ddl(month))
                created.append(partition_name(month))
            month = next_month(month)
    return created
