"""Sensor ingestion: readings per second through the HTTP batch endpoint and through MQTT,
beside a PostgreSQL ``COPY`` of the same rows into the same (partitioned) table, in one run.

1. a scratch PostgreSQL database (created and dropped on the server of ``--database``),
   migrated; one park, zone and bin facility; ``--devices`` fill-level devices registered
   through ``sensors.services.register_device``;
2. gunicorn on 127.0.0.1 and a free port; the packs cut in ``--slices`` slices, and for each
   slice in turn: the floor, ``COPY sensors_reading (…) FROM STDIN`` of exactly the rows HTTP
   will send for it, timed (then those rows removed, untimed), and HTTP, its POSTs of SenML
   packs of ``--batch-size`` readings to ``/api/v1/sensors/readings`` (each device's own
   bearer secret), ``--concurrency`` at a time — so that both meet the same background load;
3. readings/s of each = readings stored ÷ their summed time, and each slice's ratio;
4. MQTT: a Mosquitto of our own on a free port and ``manage.py mqtt_ingest`` against it;
   ``--messages`` QoS 1 packs of ``--message-size`` readings published, timed until the table
   holds them all;
5. a table on standard output and the JSON in ``bench/results/ingest-<UTC timestamp>.json``.

Goal: HTTP batches at least 25 % of the COPY floor. Exit status 0 when every reading arrived and
the goal is met, 1 otherwise, 2 when it could not run. Everything is stopped and dropped on the
way out (``--keep`` keeps the database and folder).
"""

import argparse
import contextlib
import http.client
import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.offline_replay import (
    ROOT,
    BenchFailed,
    Job,
    Reply,
    Server,
    _interrupt,
    _log,
    configure_django,
    environment_facts,
    free_port,
    run_phase,
    scratch_folder,
    scratch_postgres,
    server_environment,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
READINGS = "/api/v1/sensors/readings"
GOAL = 0.25  # HTTP readings/s ÷ COPY rows/s, at least
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--message-size", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--slices", type=int, default=5, help="COPY/HTTP slices, alternated (5)")
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR,
        help="folder for the JSON result (bench/results); '-' to write none",
    )
    return parser.parse_args(argv)


def pack_for(batch: int, size: int, start: float) -> list[dict[str, Any]]:
    """A SenML pack of ``size`` fill levels, one second apart, distinct for each batch."""
    first = start + batch * size
    return [
        {"bt": first, "bu": "/", "n": "fillingLevel", "v": 0.5, "t": 0},
        *({"n": "fillingLevel", "t": i, "v": round((i % 100) / 100, 2)} for i in range(1, size)),
    ]


def _prepare(opts: argparse.Namespace) -> list[tuple[int, str, str]]:
    """The ground: devices (id, code, secret), made through the services."""
    from decimal import Decimal

    from django.core.management import call_command

    from parkpact.parks.models import Facility
    from parkpact.parks.services import create_facility, create_park, create_zone
    from parkpact.sensors.services import register_device

    call_command("migrate", verbosity=0)
    park = create_park(code="bench", name="Bench park", by=None)
    ring = [[118.6, 24.93], [118.601, 24.93], [118.601, 24.931], [118.6, 24.931], [118.6, 24.93]]
    zone = create_zone(
        park=park,
        code="B1",
        name="Bench zone",
        kind="lawn",
        boundary={"type": "Polygon", "coordinates": [ring]},
        by=None,
    )
    devices = []
    for n in range(opts.devices):
        facility = create_facility(
            zone=zone,
            by=None,
            code=f"BENCH-BIN-{n}",
            name=f"Bin {n}",
            kind=Facility.Kind.BIN,
            longitude=Decimal("118.6005"),
            latitude=Decimal("24.9305"),
        )
        registered = register_device(
            code=f"bench-{n}", name=f"Bench {n}", kind="waste_container", facility=facility, by=None
        )
        devices.append((registered.device.pk, registered.device.code, registered.secret))
    return devices


COPY_MARK = "2000-01-01T00:00:00+00:00"  # received_at of the floor's rows, to remove them


def _copy_slice(
    opts: argparse.Namespace, devices: list[tuple[int, str, str]], start: float, batches: range
) -> tuple[int, float]:
    """COPY the rows of ``batches`` (exactly what HTTP will send for them), timed; then remove
    them (not timed), so that HTTP stores them anew. Rows and seconds."""
    from django.db import connection

    buffer = io.StringIO()
    for batch in batches:
        device_id = devices[batch % len(devices)][0]
        for record in _records(batch, opts.batch_size, start):
            buffer.write(f"{device_id}\t{record[0]}\tfillingLevel\t{record[1]}\t{COPY_MARK}\n")
    data = buffer.getvalue()
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(
            "COPY sensors_reading (device_id, observed_at, name, value, received_at) FROM STDIN"
        ) as copy:
            copy.write(data)
        seconds = time.perf_counter() - started
        cursor.execute("DELETE FROM sensors_reading WHERE received_at = %s", [COPY_MARK])
        removed = int(cursor.rowcount)
    return removed, seconds


def _records(batch: int, size: int, start: float) -> list[tuple[str, float]]:
    first = start + batch * size
    return [
        (
            datetime.fromtimestamp(first + i, tz=UTC).isoformat(),
            0.5 if i == 0 else round((i % 100) / 100, 2),
        )
        for i in range(size)
    ]


def _post(port: int, secret: str, body: bytes) -> Reply:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            READINGS,
            body,
            {"Content-Type": "application/senml+json", "Authorization": f"Bearer {secret}"},
        )
        response = conn.getresponse()
        response.read()
        return Reply(status=response.status, seconds=time.perf_counter() - started)
    finally:
        conn.close()


def _count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sensors_reading")
        return int(cursor.fetchone()[0])


def _mqtt_phase(
    opts: argparse.Namespace,
    devices: list[tuple[int, str, str]],
    environment: dict[str, str],
    data_dir: Path,
    stack: contextlib.ExitStack,
    start: float,
    deadline: float,
) -> dict[str, Any]:
    import paho.mqtt.client as mqtt

    port = free_port()
    config = data_dir / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    broker = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    stack.callback(broker.terminate)
    time.sleep(0.5)
    log = (data_dir / "mqtt_ingest.log").open("wb")
    stack.callback(log.close)
    worker = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "manage.py", "mqtt_ingest", "--url", f"mqtt://127.0.0.1:{port}"],
        cwd=ROOT,
        env={**os.environ, **environment},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stack.callback(worker.terminate)
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="bench")
    client.max_inflight_messages_set(100)
    client.connect("127.0.0.1", port)
    client.loop_start()
    # Probe until the worker has subscribed (a message sent before that is lost).
    probe_topic = f"parkpact/{devices[0][1]}/attrs"
    baseline = _count()
    for attempt in range(600):
        if _count() > baseline or time.monotonic() > deadline:
            break
        probe = [{"n": "fillingLevel", "u": "/", "v": 0.1, "t": start - 100_000 - attempt}]
        client.publish(probe_topic, json.dumps(probe), qos=1)
        time.sleep(0.2)
    time.sleep(0.5)
    offset = start + opts.batches * opts.batch_size + 10
    before = _count()
    expected = opts.messages * opts.message_size
    started = time.perf_counter()
    for message in range(opts.messages):
        code = devices[message % len(devices)][1]
        pack = pack_for(message, opts.message_size, offset)
        client.publish(f"parkpact/{code}/attrs", json.dumps(pack), qos=1)
    while _count() - before < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    stored = _count() - before
    client.loop_stop()
    client.disconnect()
    worker.send_signal(signal.SIGTERM)
    worker.wait(20)
    return {
        "readings": expected,
        "stored": stored,
        "seconds": seconds,
        "per_second": stored / seconds,
    }


def main(argv: Sequence[str]) -> int:
    opts = _parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(opts)
    except BenchFailed as failure:
        print(f"ingest: {failure}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ingest: interrupted; the server was stopped.", file=sys.stderr)
        return 130


def _run(opts: argparse.Namespace) -> int:
    deadline = time.monotonic() + opts.time_limit
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(scratch_folder(keep=opts.keep))
        database_url = stack.enter_context(scratch_postgres(opts.database, keep=opts.keep))
        environment = server_environment(data_dir, database_url, secrets.token_urlsafe(50))
        configure_django(environment)
        from django.db import connections

        stack.callback(connections.close_all)
        facts = environment_facts()
        _log("set-up: migrating, registering the devices…")
        devices = _prepare(opts)
        start = (datetime.now(tz=UTC) - timedelta(days=20)).timestamp() // 1

        server = Server(
            workers=opts.workers, environment=environment, log=data_dir / "gunicorn.log"
        )
        stack.callback(server.stop)
        server.wait_ready(deadline)
        bodies = [
            (
                devices[batch % len(devices)][2],
                json.dumps(pack_for(batch, opts.batch_size, start)).encode(),
            )
            for batch in range(opts.batches)
        ]
        # Warm-up: each worker loads the code once (its packs are stored again later, harmlessly).
        run_phase(
            [Job("warm", i) for i in range(opts.workers * 2)],
            lambda job: [_post(server.port, *bodies[job.visit])],
            concurrency=opts.concurrency,
            deadline=deadline,
        )
        with connections["default"].cursor() as cursor:
            cursor.execute("TRUNCATE sensors_reading")
        # The floor and HTTP alternate in slices (C H C H …): each slice's rows are first
        # COPYed (then removed), then sent over HTTP, so both meet the same background load.
        slices = max(1, min(opts.slices, opts.batches))
        bounds = [round(index * opts.batches / slices) for index in range(slices + 1)]
        _log(
            f"COPY floor and HTTP, {slices} slices: {opts.batches} packs of "
            f"{opts.batch_size} readings"
        )
        copied, copy_seconds, http_seconds = 0, 0.0, 0.0
        statuses: list[int] = []
        by_slice = []
        for index in range(slices):
            batches = range(bounds[index], bounds[index + 1])
            rows, seconds = _copy_slice(opts, devices, start, batches)
            copied, copy_seconds = copied + rows, copy_seconds + seconds
            before = _count()
            phase = run_phase(
                [Job("post", i) for i in batches],
                lambda job: [_post(server.port, *bodies[job.visit])],
                concurrency=opts.concurrency,
                deadline=deadline,
            )
            stored = _count() - before
            http_seconds += phase.seconds
            statuses += [reply.status for _, replies in phase.done for reply in replies]
            by_slice.append(
                {
                    "copy_per_second": round(rows / seconds, 0) if seconds else 0.0,
                    "http_per_second": round(stored / phase.seconds, 0) if phase.seconds else 0.0,
                    "ratio": round((stored / phase.seconds) / (rows / seconds), 3)
                    if phase.seconds and rows and seconds
                    else 0.0,
                }
            )
        floor = {
            "rows": opts.batches * opts.batch_size,
            "stored": copied,
            "seconds": copy_seconds,
            "per_second": copied / copy_seconds if copy_seconds else 0.0,
        }
        http_stored = _count()
        http = {
            "readings": opts.batches * opts.batch_size,
            "stored": http_stored,
            "seconds": http_seconds,
            "per_second": http_stored / http_seconds if http_seconds else 0.0,
            "non_200": sum(1 for status in statuses if status != 200),
        }
        server.stop()
        peaks = server.peak_rss_mib
        _log(f"MQTT: {opts.messages} messages of {opts.message_size} readings")
        mqtt_figures = _mqtt_phase(opts, devices, environment, data_dir, stack, start, deadline)

    ratio = http["per_second"] / floor["per_second"]
    result = {
        "benchmark": "ingest",
        "at": datetime.now(tz=UTC).isoformat(),
        "environment": facts,
        "options": vars(opts),
        "copy_floor": floor,
        "http": http,
        "mqtt": mqtt_figures,
        "http_share_of_copy": ratio,
        "slices": by_slice,
        "goal": GOAL,
        "worker_peak_rss_mib": {str(pid): mib for pid, mib in peaks.items()},
    }
    where = "not written"
    if str(opts.results) != "-":
        opts.results.mkdir(parents=True, exist_ok=True)
        path = opts.results / f"ingest-{datetime.now(tz=UTC):%Y%m%dT%H%M%SZ}.json"
        path.write_text(json.dumps(result, indent=2, default=str))
        where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    print(f"{'path':<12}{'readings':>12}{'stored':>12}{'seconds':>10}{'per second':>14}")
    for name, figures in (("COPY floor", floor), ("HTTP batch", http), ("MQTT", mqtt_figures)):
        count = figures.get("readings", figures.get("rows"))
        print(
            f"{name:<12}{count:>12,}{figures['stored']:>12,}{figures['seconds']:>10.2f}"
            f"{figures['per_second']:>14,.0f}"
        )
    print(
        f"HTTP ÷ COPY = {ratio:.0%} (goal ≥ {GOAL:.0%}; slices "
        + ", ".join(f"{item['ratio']:.0%}" for item in by_slice)
        + f"); results in {where}"
    )
    if peaks:
        print("worker peak RSS (VmHWM): " + ", ".join(f"{mib:.0f} MiB" for mib in peaks.values()))
    complete = (
        http["stored"] == http["readings"] and mqtt_figures["stored"] == mqtt_figures["readings"]
    )
    return 0 if complete and ratio >= GOAL else 1
