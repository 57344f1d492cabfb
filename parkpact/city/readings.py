"""The city's sensor readings: every bin (fill level) and toilet (NH₃) sensor, every
``reading_seconds`` (30 minutes ÷ scale), over every month — about 17.5 million for 100 parks
and 12 months at scale 1.

Written month by month and 100 devices at a time, so memory stays bounded: COPY of text lines
on PostgreSQL (into the month's partition), executemany on SQLite. A bin fills by up to 5 %
per reading and is emptied (30 % chance) once past 60 %; a toilet's ammonia stays low with a
spike of 1–3 readings above the threshold about once in a hundred readings.
"""

from dataclasses import dataclass
from datetime import timedelta
from random import Random
from typing import TYPE_CHECKING, Any

from parkpact.city.bulk import progress_bar
from parkpact.city.parameters import add_months, month_start

if TYPE_CHECKING:
    from parkpact.city.build import _Builder

DEVICES_PER_BATCH = 100
RECEIVED_AFTER = timedelta(seconds=5)


@dataclass
class _Sensor:
    """One device's state, carried from one month to the next."""

    pk: int
    bin: bool
    level: float = 0.0  # a bin's fill level
    spike: int = 0  # a toilet's readings left in a spike


def write_readings(builder: "_Builder") -> None:
    from django.db import connection

    rng = builder.rng
    sensors = [
        _Sensor(pk=d.pk, bin=d.kind == "waste_container", level=rng.uniform(0, 0.3))
        for d in builder.devices
    ]
    step = timedelta(seconds=builder.p.reading_seconds)
    total = len(sensors) * int((builder.end - builder.start) / step)
    postgresql = connection.vendor == "postgresql"
    bar = progress_bar(total=total, label="readings", progress=builder.progress)
    moment = builder.start
    with bar, connection.cursor() as cursor:
        for month in builder.months:
            last = month_start(add_months(month, 1))
            moments = []
            while moment < last:
                moments.append(moment)
                moment += step
            stamps: list[str] = []
            stamps_sqlite: list[tuple[Any, Any]] = []
            if postgresql:
                # One "observed\treceived\t" per moment; a row is the device's prefix, that and
                # the value: no per-row adaptation.
                stamps = [f"{m.isoformat()}\t{(m + RECEIVED_AFTER).isoformat()}\t" for m in moments]
            else:
                adapt = connection.ops.adapt_datetimefield_value
                stamps_sqlite = [(adapt(m), adapt(m + RECEIVED_AFTER)) for m in moments]
            for first in range(0, len(sensors), DEVICES_PER_BATCH):
                chunk = sensors[first : first + DEVICES_PER_BATCH]
                if postgresql:
                    lines = []
                    for sensor in chunk:
                        prefix = f"{sensor.pk}\t{'fillingLevel' if sensor.bin else 'nh3'}\t"
                        values = _values(rng, sensor, len(stamps))
                        lines += [
                            f"{prefix}{stamp}{value}\n"
                            for stamp, value in zip(stamps, values, strict=True)
                        ]
                    with cursor.copy(
                        "COPY sensors_reading (device_id, name, observed_at, received_at, value)"
                        " FROM STDIN"
                    ) as copy:
                        copy.write("".join(lines))
                    written = len(lines)
                else:
                    rows: list[tuple[Any, ...]] = []
                    for sensor in chunk:
                        name = "fillingLevel" if sensor.bin else "nh3"
                        values = _values(rng, sensor, len(stamps_sqlite))
                        rows += [
                            (sensor.pk, name, observed, received, value)
                            for (observed, received), value in zip(
                                stamps_sqlite, values, strict=True
                            )
                        ]
                    cursor.executemany(
                        "INSERT INTO sensors_reading (device_id, name, observed_at, received_at,"
                        " value) VALUES (%s, %s, %s, %s, %s)",
                        rows,
                    )
                    written = len(rows)
                bar.update(written)


def _values(rng: Random, sensor: _Sensor, count: int) -> list[float]:
    """The sensor's next ``count`` values, rounded to 3 places."""
    values = []
    random = rng.random
    if sensor.bin:
        level = sensor.level
        for _ in range(count):
            values.append(round(level, 3))
            if level > 0.6 and random() < 0.3:
                level = random() * 0.1
            else:
                level = min(1.0, level + random() * 0.05)
        sensor.level = level
    else:
        spike = sensor.spike
        for _ in range(count):
            if spike == 0 and random() < 0.01:
                spike = rng.randint(1, 3)
            if spike:
                values.append(round(1.0 + random() * 1.5, 3))
                spike -= 1
            else:
                values.append(round(0.1 + random() * 0.7, 3))
        sensor.spike = spike
    return values
