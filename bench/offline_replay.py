"""Offline replay: 10,000 queued field submissions, 20 % of them retried, against a real server.

The inspector's field app queues visits while offline and sends them when the network returns,
retrying with the same ``Idempotency-Key`` whenever an answer is lost (docs/field-app.md). This
benchmark plays a large queue flushing at once and checks that retries create nothing:

1. a throwaway data folder and database (SQLite in the folder, or a scratch PostgreSQL database
   created and dropped on the server given by ``--database``), migrated; one park with four
   zones, a provider with one staff member, an active cleaning contract with three inspected
   standards, a manager and an inspector (through the services); N scheduled visits assigned to
   the inspector (``bulk_create``: set-up, not what is measured); an API token;
2. gunicorn on 127.0.0.1 and a free port, as `make run` starts it, waited for on /healthz;
3. the floor: as many ``GET /healthz`` as the replay sends requests, at the same concurrency,
   alternating with the replay in slices (floor, replay, floor, … replay, floor: 10 replay
   slices by default), so that both see the same background load on a shared machine, and each
   slice's ratio shows how steady the run was;
4. the replay: every visit's submission once, in random order, with a realistic body (positions
   inside the zone, 2–3 items, exactly one failed with a photo UUID named). For ``retry-rate``
   of the visits the same request is sent a second time, same key, same bytes: half of these
   *at the same moment* as the first (two connections, both requests written before either
   answer is read: a concurrent duplicate), half *later* (queued at least 4 × concurrency
   requests after the first: an answer lost on the way back). Photos are not uploaded: what is
   measured is the submission endpoint, and the server's state afterwards is what it is right
   after an outbox flush, before the photos follow;
5. the checks: every visit has exactly one first answer (200) and its retry a byte-identical
   replay (``Idempotent-Replayed: true``); then, in the database, duplicates — visits submitted
   more than once (``inspection.submit`` ledger entries), findings per (inspection, standard),
   orders per finding, idempotency records per (user, key) — must all be 0, every visit must
   be submitted, and the audit ledger's chain must verify;
6. a table on standard output and the same figures as JSON in
   ``bench/results/offline_replay-<UTC timestamp>.json``.

Exit status 0 when every check passes, 1 when one fails (any duplicate, any unexpected answer,
the time limit reached), 2 for bad options or a set-up that failed. All traffic goes to
127.0.0.1; every loop is bounded by a count, and the whole run by ``--time-limit``; gunicorn is
stopped, the scratch database dropped and the folder removed on the way out, error or not.
"""

import argparse
import contextlib
import hashlib
import http.client
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
HEALTHZ = "/healthz"
SUBMISSION = "/api/v1/field/visits/{uuid}/submission"
REPLAY_HEADER = "Idempotent-Replayed"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CHINA = timezone(timedelta(hours=8))  # the phone's clock, as the app sends it
# Donghu Park lies at about 118.60 E, 24.93 N; each zone is a square 0.001° (≈ 100 m) a side.
ORIGIN = (118.600, 24.930)
ZONE_SIZE = 0.001
ZONE_KINDS = ("lawn", "path", "plaza", "lakeshore")
REQUEST_TIMEOUT = 60.0  # seconds, per request: a hung server cannot hold the run forever
START_TIMEOUT = 60.0  # seconds for gunicorn to answer /healthz


class BenchFailed(Exception):
    """The set-up or the server failed: exit status 2, with the message."""


# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    submissions: int
    retry_rate: float
    concurrency: int
    workers: int
    database: str | None
    time_limit: float
    slices: int
    seed: int
    keep: bool
    results: Path | None
    argv: tuple[str, ...]


def _parse(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench offline_replay",
        description="Replay queued offline field submissions, with retries, against gunicorn; "
        "report throughput against a /healthz floor, and duplicates (must be 0).",
    )
    parser.add_argument("--submissions", type=int, default=10_000, help="visits sent (10000)")
    parser.add_argument(
        "--retry-rate", type=float, default=0.2, help="share of them sent twice (0.2)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once (8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgres://user@127.0.0.1:5432/postgres: a scratch database is created on this "
        "server and dropped at the end (default: SQLite in the temporary folder)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=900, help="seconds for the whole run (900)"
    )
    parser.add_argument(
        "--slices",
        type=int,
        default=10,
        help="floor and replay alternate in this many slices (10)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed for the bodies (1)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary folder and scratch database, to look at them afterwards",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR,
        help="folder for the JSON result (bench/results); '-' to write none",
    )
    args = parser.parse_args(list(argv))
    if not 1 <= args.submissions <= 1_000_000:
        parser.error("--submissions must be between 1 and 1,000,000")
    if not 0 <= args.retry_rate <= 1:
        parser.error("--retry-rate must be between 0 and 1")
    if not 1 <= args.concurrency <= 256:
        parser.error("--concurrency must be between 1 and 256")
    if not 1 <= args.workers <= 16:
        parser.error("--workers must be between 1 and 16")
    if not 1 <= args.slices <= 100:
        parser.error("--slices must be between 1 and 100")
    if not 10 <= args.time_limit <= 24 * 3600:
        parser.error("--time-limit must be between 10 seconds and a day")
    if args.database is not None:
        parts = urlsplit(args.database)
        if parts.scheme not in {"postgres", "postgresql"}:
            parser.error("--database takes a postgres://… URL (SQLite is the default)")
        if parts.hostname and parts.hostname not in LOOPBACK:
            parser.error("--database must be a server on this machine (127.0.0.1)")
    return Options(
        submissions=args.submissions,
        retry_rate=args.retry_rate,
        concurrency=args.concurrency,
        workers=args.workers,
        database=args.database,
        time_limit=args.time_limit,
        slices=args.slices,
        seed=args.seed,
        keep=args.keep,
        results=None if str(args.results) == "-" else args.results,
        argv=tuple(argv),
    )


# ---------------------------------------------------------------------------------------------
# The scratch database
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_postgres(url: str, *, keep: bool) -> Iterator[str]:
    """Create an empty database on the server of ``url`` and drop it afterwards; yields its URL.
    ``url`` names the database to connect to for that (``postgres`` if it names none)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin_url = urlunsplit(
        parts._replace(path=parts.path if parts.path.strip("/") else "/postgres")
    )
    name = f"parkpact_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise BenchFailed(
            f"Cannot create a scratch database on {parts.hostname}: {error}"
        ) from None
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        if keep:
            print(f"Kept the scratch database {name}.", file=sys.stderr)
        else:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@contextlib.contextmanager
def scratch_folder(*, keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="parkpact-bench-"))
    try:
        yield path
    finally:
        if keep:
            print(f"Kept the data folder {path}.", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


def server_environment(data_dir: Path, database_url: str, secret_key: str) -> dict[str, str]:
    """What both this process and gunicorn read: the same data folder and database."""
    return {
        "DJANGO_SETTINGS_MODULE": "parkpact.settings",
        "PARKPACT_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "PARKPACT_SECRET_KEY": secret_key,
        "PARKPACT_HTTPS": "0",
        "PARKPACT_DEBUG": "0",
        "PARKPACT_LOG_LEVEL": "WARNING",
    }


def configure_django(environment: dict[str, str]) -> None:
    """Point this process's Django at the scratch database (settings read the environment)."""
    os.environ.update(environment)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---------------------------------------------------------------------------------------------
# Set-up: the ground, the visits and their bodies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One queued submission: the visit's UUID, its Idempotency-Key and the exact body bytes."""

    uuid: str
    key: str
    body: bytes
    items: int


@dataclass
class Ground:
    token: str
    inspector_id: int
    visits: list[Visit]
    warmup: list[Visit]
    seconds: float


def _square(index: int) -> dict[str, Any]:
    lon, lat = ORIGIN[0] + index * ZONE_SIZE * 2, ORIGIN[1]
    ring = [
        [lon, lat],
        [lon + ZONE_SIZE, lat],
        [lon + ZONE_SIZE, lat + ZONE_SIZE],
        [lon, lat + ZONE_SIZE],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _position(rng: random.Random, zone_index: int) -> dict[str, Any]:
    """A GPS fix inside the zone: its centre, give or take 30 m."""
    lon = ORIGIN[0] + zone_index * ZONE_SIZE * 2 + ZONE_SIZE / 2
    lat = ORIGIN[1] + ZONE_SIZE / 2
    return {
        "longitude": round(lon + rng.uniform(-0.0003, 0.0003), 6),
        "latitude": round(lat + rng.uniform(-0.0003, 0.0003), 6),
        "accuracy_m": rng.randint(4, 15),
    }


def submission_body(rng: random.Random, *, zone_index: int, now: datetime) -> dict[str, Any]:
    """What the app sends for a visit done in the last hour: 2 or 3 items, exactly one failed,
    the failed one naming the photo it will upload."""
    started = now - timedelta(minutes=40) + timedelta(seconds=rng.randint(0, 15 * 60))
    finished = started + timedelta(seconds=rng.randint(8 * 60, 20 * 60))
    standards = ["CL-01", "CL-02"] + (["CL-03"] if rng.random() < 0.5 else [])
    failing = rng.choice(standards)
    findings: list[dict[str, Any]] = []
    for code in standards:
        item: dict[str, Any] = {"uuid": str(uuid.uuid4()), "standard": code}
        if code == failing:
            item["result"] = "fail"
            item["photos"] = [str(uuid.uuid4())]
            if code == "CL-01":
                item["measured_value"] = str(rng.randint(3, 9))
                item["note"] = "Bottles and wrappers under the benches"
            elif code == "CL-02":
                item["measured_value"] = str(rng.randint(91, 100))
                item["note"] = "Bin by the gate overflowing"
            else:
                item["note"] = "Drain grating blocked with leaves"
        elif code == "CL-03" and rng.random() < 0.3:
            item["result"] = "not_inspected"
            item["note"] = "Path closed for works"
        else:
            item["result"] = "pass"
            if code == "CL-01":
                item["measured_value"] = str(rng.randint(0, 2))
            elif code == "CL-02":
                item["measured_value"] = str(rng.randint(10, 85))
        findings.append(item)
    return {
        "expected_version": 1,
        "started_at": started.astimezone(CHINA).isoformat(timespec="seconds"),
        "start_position": _position(rng, zone_index),
        "finished_at": finished.astimezone(CHINA).isoformat(timespec="seconds"),
        "finish_position": _position(rng, zone_index),
        "findings": findings,
    }


STANDARDS: list[dict[str, Any]] = [
    {
        "code": "CL-01",
        "name": "Visible litter on paths, plazas and lawns",
        "measurement": "Count visible litter in a random 100 m² quadrat of the zone.",
        "target": "≤ 2 items per 100 m²",
        "method": "random_sample",
        "weight": Decimal(50),
        "monthly_cap": Decimal(30),
        "unit": "items/100 m²",
        "limit_value": Decimal(2),
        "rectification_hours": 2,
    },
    {
        "code": "CL-02",
        "name": "Bins emptied before they overflow",
        "measurement": "Estimate the fill level of every bin in the zone.",
        "target": "No bin more than 90 % full",
        "method": "periodic",
        "weight": Decimal(30),
        "monthly_cap": Decimal(20),
        "unit": "%",
        "limit_value": Decimal(90),
        "rectification_hours": 4,
    },
    {
        "code": "CL-03",
        "name": "Path edges and drains clear",
        "measurement": "Walk the zone's paths; check edges, gratings and gullies.",
        "target": "No blocked drain, no heaped leaves",
        "method": "full_check",
        "weight": Decimal(20),
        "monthly_cap": Decimal(10),
        "unit": "",
        "limit_value": None,
        "rectification_hours": 24,
    },
]


def prepare_ground(opts: Options, *, warmup: int) -> Ground:
    """Migrate, then make the ground through the services and the visits in bulk."""
    from django.core.management import call_command
    from django.utils import timezone as dj_timezone

    from parkpact.contracts import services as contracts
    from parkpact.contracts.models import Clause, Contract, PayBand, PerformanceStandard
    from parkpact.core.models import Role
    from parkpact.core.services import create_user, issue_api_token
    from parkpact.inspections.models import Inspection
    from parkpact.parks.services import create_park, create_zone
    from parkpact.providers.credit_code import complete
    from parkpact.providers.services import add_staff_member, create_provider

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    password = secrets.token_urlsafe(24)
    manager = create_user(username="bench-manager", password=password, role=Role.MANAGER, by=None)
    inspector = create_user(
        username="bench-inspector", password=password, role=Role.INSPECTOR, by=manager
    )
    park = create_park(code="bench-park", name="Benchmark Park", by=manager)
    zones = [
        create_zone(
            park=park,
            code=f"BZ-{index + 1:02}",
            name=f"Benchmark zone {index + 1}",
            kind=kind,
            boundary=_square(index),
            by=manager,
        )
        for index, kind in enumerate(ZONE_KINDS)
    ]
    provider = create_provider(
        name="Benchmark Cleaning Co.", credit_code=complete("9135050000000001"), by=manager
    )
    add_staff_member(provider=provider, username="bench-staff", password=password, by=manager)
    today = dj_timezone.localdate()
    contract = contracts.create_contract(
        by=manager,
        provider=provider,
        zones=zones,
        number="BENCH-0001",
        title="Cleaning of the benchmark park",
        service_kind=Contract.ServiceKind.CLEANING,
        start_date=today.replace(month=1, day=1),
        end_date=today.replace(year=today.year + 1, month=12, day=31),
        monthly_fee=Decimal("120000.00"),
        retention_rate=Decimal("0.05"),
    )
    version = contract.versions.get(number=1)
    for values in STANDARDS:
        contracts.save_term_part(
            part=PerformanceStandard(
                version=version,
                acceptable_quality_level=Decimal(95),
                points_per_occurrence=Decimal(2),
                **values,
            ),
            by=manager,
        )
    for low, high, factor, proportional in (
        (Decimal(95), Decimal(100), Decimal(1), False),
        (Decimal(90), Decimal(95), Decimal(1), False),
        (Decimal(0), Decimal(90), None, True),
    ):
        contracts.save_term_part(
            part=PayBand(
                version=version,
                min_score=low,
                max_score=high,
                payment_factor=factor,
                proportional=proportional,
                bonus_rate=Decimal(0),
            ),
            by=manager,
        )
    contracts.save_term_part(
        part=Clause(
            version=version,
            number="1",
            title="Scope",
            text="The provider cleans the zones in scope.",
            responsible_party=Clause.Party.PROVIDER,
            legal_basis="Government Procurement Law, art. 43",
        ),
        by=manager,
    )
    contract = contracts.activate_contract(contract=contract, by=manager)
    token = issue_api_token(user=inspector, name="offline_replay benchmark", by=manager)

    # The visits: ad hoc, all open now (the window opened an hour ago and lasts four hours).
    now = dj_timezone.now()
    opens = now - timedelta(hours=1)
    total = opts.submissions + warmup
    rows = [
        Inspection(
            contract=contract,
            zone=zones[index % len(zones)],
            inspector=inspector,
            window_start=opens,
            window_end=opens + timedelta(hours=4),
        )
        for index in range(total)
    ]
    Inspection.objects.bulk_create(rows, batch_size=1000)
    rng = random.Random(opts.seed)
    visits = []
    for index, row in enumerate(rows):
        body = submission_body(rng, zone_index=index % len(zones), now=now)
        visits.append(
            Visit(
                uuid=str(row.uuid),
                key=str(uuid.uuid4()),
                body=json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(),
                items=len(body["findings"]),
            )
        )
    return Ground(
        token=token,
        inspector_id=inspector.pk,
        visits=visits[warmup:],
        warmup=visits[:warmup],
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn serving parkpact.wsgi on 127.0.0.1, started and always stopped by us."""

    def __init__(self, *, workers: int, environment: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.peak_rss_mib: dict[int, float] = {}
        self._log_file = log.open("wb")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "parkpact.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
        ]
        # Its own process group, so that Ctrl+C reaches only us and we stop it in order.
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command,
            cwd=ROOT,
            env={**os.environ, **environment},
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, deadline: float) -> None:
        limit = min(deadline, time.monotonic() + START_TIMEOUT)
        while time.monotonic() < limit:
            if self.process.poll() is not None:
                raise BenchFailed(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    conn.request("GET", HEALTHZ)
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
            time.sleep(0.1)
        raise BenchFailed(f"gunicorn did not answer {HEALTHZ} in time:\n{self.tail()}")

    def worker_pids(self) -> list[int]:
        """The master's children: its workers (Linux's /proc; empty elsewhere)."""
        pid = self.process.pid
        with contextlib.suppress(OSError):
            return [int(n) for n in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return []

    def read_peaks(self) -> dict[int, float]:
        """Each worker's peak resident set (VmHWM) so far, in MiB, kept in ``peak_rss_mib``."""
        for pid in self.worker_pids():
            with contextlib.suppress(OSError, ValueError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_rss_mib[pid] = round(int(line.split()[1]) / 1024, 1)
        return self.peak_rss_mib

    def stop(self) -> None:
        if self.process.poll() is None:
            self.read_peaks()  # the workers' peak memory, read before they go
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log_file.close()

    def tail(self, lines: int = 30) -> str:
        self._log_file.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no answer (connection error, timeout)
    seconds: float
    replayed: bool = False
    digest: str = ""  # SHA-256 of the body, to compare a replay with the first answer
    error: str = ""


class Client:
    """One new connection per request, as gunicorn's sync workers close each one anyway."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token

    def send(
        self, method: str, path: str, *, body: bytes | None = None, key: str | None = None
    ) -> tuple[http.client.HTTPConnection, float]:
        headers = {"Accept": "application/json", "Accept-Language": "en"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        return conn, started

    @staticmethod
    def receive(conn: http.client.HTTPConnection, started: float) -> Reply:
        try:
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        return Reply(
            status=response.status,
            seconds=time.perf_counter() - started,
            replayed=response.getheader(REPLAY_HEADER) == "true",
            digest=hashlib.sha256(data).hexdigest(),
            error="" if response.status < 400 else data[:300].decode(errors="replace"),
        )

    def call(
        self, method: str, path: str, *, body: bytes | None = None, key: str | None = None
    ) -> Reply:
        started = time.perf_counter()
        try:
            return self.receive(*self.send(method, path, body=body, key=key))
        except (OSError, http.client.HTTPException) as error:
            return Reply(status=0, seconds=time.perf_counter() - started, error=repr(error))

    def submit(self, visit: Visit) -> Reply:
        return self.call("POST", SUBMISSION.format(uuid=visit.uuid), body=visit.body, key=visit.key)

    def submit_twice_at_once(self, visit: Visit) -> list[Reply]:
        """Both copies written to two connections before either answer is read."""
        path = SUBMISSION.format(uuid=visit.uuid)
        opened: list[tuple[http.client.HTTPConnection, float]] = []
        replies: list[Reply] = []
        try:
            for _ in range(2):
                opened.append(self.send("POST", path, body=visit.body, key=visit.key))
        except (OSError, http.client.HTTPException) as error:
            replies.append(Reply(status=0, seconds=0.0, error=repr(error)))
        for conn, started in opened:
            try:
                replies.append(self.receive(conn, started))
            except (OSError, http.client.HTTPException) as error:
                replies.append(
                    Reply(status=0, seconds=time.perf_counter() - started, error=repr(error))
                )
        return replies


# ---------------------------------------------------------------------------------------------
# Running a phase
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    kind: str  # "healthz", "first", "later_retry" or "concurrent_pair"
    visit: int = -1  # index into the visits


@dataclass
class Phase:
    started: float
    seconds: float
    done: list[tuple[Job, list[Reply]]]
    skipped: int


def run_phase(
    jobs: Sequence[Job],
    execute: Callable[[Job], list[Reply]],
    *,
    concurrency: int,
    deadline: float,
) -> Phase:
    """Every job once, ``concurrency`` at a time; jobs not started by the deadline are skipped."""
    results: list[list[Reply] | None] = [None] * len(jobs)
    stop = threading.Event()

    def task(index: int) -> None:
        if stop.is_set() or time.monotonic() > deadline:
            return
        results[index] = execute(jobs[index])

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bench")
    started = time.perf_counter()
    try:
        futures = [pool.submit(task, index) for index in range(len(jobs))]
        for future in futures:
            future.result()
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    seconds = time.perf_counter() - started
    done = [(job, replies) for job, replies in zip(jobs, results, strict=True) if replies]
    return Phase(started=started, seconds=seconds, done=done, skipped=len(jobs) - len(done))


def replay_jobs(
    count: int, *, retry_rate: float, concurrency: int, rng: random.Random
) -> list[Job]:
    """The order the queue is sent in: each visit once, in random order; a share of them with a
    concurrent duplicate, another share with a retry queued well after the first try."""
    order = list(range(count))
    rng.shuffle(order)
    retried = rng.sample(range(count), round(count * retry_rate))
    concurrent = set(retried[: len(retried) // 2])
    later = retried[len(retried) // 2 :]
    position = {visit: place for place, visit in enumerate(order)}
    keyed: list[tuple[float, Job]] = [
        (place, Job("concurrent_pair" if visit in concurrent else "first", visit))
        for place, visit in enumerate(order)
    ]
    gap = 4 * concurrency  # far enough behind that the first try has been answered
    spread = max(gap * 2, count // 5)
    for visit in later:
        keyed.append((position[visit] + rng.uniform(gap, spread) + 0.5, Job("later_retry", visit)))
    keyed.sort(key=lambda pair: pair[0])
    return [job for _, job in keyed]


# ---------------------------------------------------------------------------------------------
# Figures and checks
# ---------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def rate_figures(replies: Sequence[Reply], seconds: float) -> dict[str, Any]:
    latencies = [reply.seconds for reply in replies]
    return {
        "requests": len(replies),
        "seconds": round(seconds, 3),
        "per_second": round(len(replies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "max_ms": round(max(latencies, default=0) * 1000, 2),
    }


def replies_of(phases: Sequence[Phase]) -> list[Reply]:
    return [reply for phase in phases for _, replies in phase.done for reply in replies]


def slice_figures(floors: Sequence[Phase], replays: Sequence[Phase]) -> list[dict[str, float]]:
    """Per slice: the replay's rate, the floor's rate in the two floor slices around it, and
    their ratio."""
    figures = []
    for index, replay in enumerate(replays):
        around = floors[index : index + 2]
        floor_seconds = sum(phase.seconds for phase in around)
        floor_rate = len(replies_of(around)) / floor_seconds if floor_seconds else 0.0
        replay_rate = len(replies_of([replay])) / replay.seconds if replay.seconds else 0.0
        figures.append(
            {
                "floor_per_second": round(floor_rate, 1),
                "replay_per_second": round(replay_rate, 1),
                "ratio": round(replay_rate / floor_rate, 4) if floor_rate else 0.0,
            }
        )
    return figures


def answer_checks(visits: int, phase: Phase) -> dict[str, Any]:
    """From the client's side: per visit one first answer (200), and retries replayed exactly."""
    by_visit: dict[int, list[Reply]] = {}
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    expected: dict[int, int] = {}
    for job, replies in phase.done:
        expected[job.visit] = expected.get(job.visit, 0) + (
            2 if job.kind == "concurrent_pair" else 1
        )
        for reply in replies:
            by_visit.setdefault(job.visit, []).append(reply)
            label = f"{reply.status}{' replayed' if reply.replayed else ''}"
            statuses[f"{job.kind}: {label}"] += 1
            if reply.status != 200:
                errors[reply.error[:200] or str(reply.status)] += 1
    not_one_first = mismatched = unanswered = 0
    for index in range(visits):
        replies = by_visit.get(index, [])
        firsts = [reply for reply in replies if reply.status == 200 and not reply.replayed]
        if len(firsts) != 1:
            not_one_first += 1
        if len({reply.digest for reply in replies if reply.status == 200}) > 1:
            mismatched += 1
        if len(replies) < expected.get(index, 1):
            unanswered += 1
    replies_all = [reply for replies in by_visit.values() for reply in replies]
    return {
        "statuses": dict(sorted(statuses.items())),
        "ok_first_answers": sum(1 for r in replies_all if r.status == 200 and not r.replayed),
        "replayed": sum(1 for r in replies_all if r.status == 200 and r.replayed),
        "not_200": sum(1 for r in replies_all if r.status != 200),
        "visits_without_exactly_one_first_answer": not_one_first,
        "replays_differing_from_first_answer": mismatched,
        "visits_missing_an_answer": unanswered,
        "errors": dict(errors.most_common(10)),
    }


def database_checks(*, visits: int, items: int) -> dict[str, Any]:
    """Count what the server stored, and any duplicate of it; run with the server stopped."""
    from django.db.models import Count, Sum

    from parkpact.core.models import AuditEvent, IdempotencyRecord
    from parkpact.core.services import verify_ledger
    from parkpact.inspections.models import Finding, Inspection, RectificationOrder

    def excess(groups: Any) -> int:
        """Rows beyond the first in each group of more than one."""
        total = groups.annotate(n=Count("id")).filter(n__gt=1).aggregate(total=Sum("n"))["total"]
        count = groups.annotate(n=Count("id")).filter(n__gt=1).count()
        return int(total or 0) - count

    submits = AuditEvent.objects.filter(
        action="inspection.submit", object_type=Inspection._meta.label_lower
    )
    duplicates = {
        "visits_submitted_more_than_once": excess(submits.values("object_id")),
        "findings_per_inspection_and_standard": excess(
            Finding.objects.values("inspection_id", "standard_id")
        ),
        "orders_per_finding": excess(RectificationOrder.objects.values("finding_id")),
        "idempotency_records_per_user_and_key": excess(
            IdempotencyRecord.objects.values("user_id", "key")
        ),
    }
    verdict = verify_ledger()
    stored = {
        "visits": Inspection.objects.count(),
        "submitted": Inspection.objects.filter(status=Inspection.Status.SUBMITTED).count(),
        "flagged_for_review": Inspection.objects.filter(needs_review=True).count(),
        "findings": Finding.objects.count(),
        "failed_findings": Finding.objects.filter(result=Finding.Result.FAIL).count(),
        "orders": RectificationOrder.objects.count(),
        "idempotency_records": IdempotencyRecord.objects.count(),
        "submit_ledger_entries": submits.count(),
        "refused_ledger_entries": AuditEvent.objects.filter(
            action="inspection.submit_refused"
        ).count(),
        "ledger_entries": verdict.count,
        "ledger_intact": verdict.intact,
    }
    expected = {
        "visits": visits,
        "submitted": visits,
        "findings": items,
        "failed_findings": visits,
        "orders": visits,
        "idempotency_records": visits,
        "submit_ledger_entries": visits,
        "refused_ledger_entries": 0,
        "flagged_for_review": 0,
        "ledger_intact": True,
    }
    return {
        "duplicates": duplicates,
        "duplicates_total": sum(duplicates.values()),
        "stored": stored,
        "expected": expected,
        "differences": {
            name: {"stored": stored[name], "expected": value}
            for name, value in expected.items()
            if stored[name] != value
        },
    }


# ---------------------------------------------------------------------------------------------
# The direct floor: the same rows inserted with plain SQL
# ---------------------------------------------------------------------------------------------

INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField"}


def insert_marks() -> dict[str, tuple[str, int]]:
    """Per table with an integer key: (key column, its largest value now). What the server
    inserts afterwards is every row above the mark."""
    from django.apps import apps
    from django.db import connection

    quote = connection.ops.quote_name
    marks = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed or meta.pk is None:
                continue
            if meta.pk.get_internal_type() not in INTEGER_KEYS or meta.db_table in marks:
                continue
            cursor.execute(
                f"SELECT coalesce(max({quote(meta.pk.column)}), 0) FROM {quote(meta.db_table)}"  # noqa: S608 (model names)
            )
            marks[meta.db_table] = (meta.pk.column, int(cursor.fetchone()[0]))
    return marks


def direct_inserts(
    marks: dict[str, tuple[str, int]], *, submissions: int, slices: int
) -> dict[str, Any]:
    """The floor of a submission: every row the replay inserted (above ``marks``), inserted
    again by plain SQL — one ``INSERT`` per row, ``executemany`` per table, one transaction per
    slice — into empty copies of the same tables (``LIKE … INCLUDING ALL``: the same columns,
    defaults, checks and indexes; no foreign keys, no triggers). PostgreSQL only."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return {"measured": False, "why": "PostgreSQL only"}
    quote = connection.ops.quote_name
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table, (column, mark) in marks.items():
            cursor.execute(
                f"SELECT row_to_json(t)::text FROM {quote(table)} t WHERE {quote(column)} > %s"  # noqa: S608 (model names)
                f" ORDER BY {quote(column)}",
                [mark],
            )
            rows = [row[0] for row in cursor.fetchall()]
            if rows:
                found[table] = rows
        shadows = {table: f"bench_direct_{index}" for index, table in enumerate(found)}
        for table, shadow in shadows.items():
            cursor.execute(f"DROP TABLE IF EXISTS {shadow}")
            cursor.execute(f"CREATE TABLE {shadow} (LIKE {quote(table)} INCLUDING ALL)")
    slices = max(1, min(slices, submissions))
    seconds: list[float] = []
    try:
        for index in range(slices):
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                for table, rows in found.items():
                    part = rows[
                        round(index * len(rows) / slices) : round((index + 1) * len(rows) / slices)
                    ]
                    shadow = shadows[table]
                    cursor.executemany(
                        f"INSERT INTO {shadow} SELECT * FROM json_populate_record(NULL::{shadow}, %s::json)",  # noqa: S608 (our names)
                        [[row] for row in part],
                    )
            seconds.append(time.perf_counter() - started)
    finally:
        with connection.cursor() as cursor:
            for shadow in shadows.values():
                cursor.execute(f"DROP TABLE IF EXISTS {shadow}")
    total = sum(seconds)
    rows_inserted = sum(len(rows) for rows in found.values())
    return {
        "measured": True,
        "submissions": submissions,
        "rows": rows_inserted,
        "rows_per_table": {table: len(rows) for table, rows in found.items()},
        "rows_per_submission": round(rows_inserted / submissions, 2) if submissions else 0.0,
        "seconds": round(total, 3),
        "submissions_per_second": round(submissions / total, 1) if total else 0.0,
        "slices_submissions_per_second": [
            round(submissions / slices / part, 1) if part else 0.0 for part in seconds
        ],
    }


def environment_facts() -> dict[str, Any]:
    import django
    from django.db import connection

    if connection.vendor == "postgresql":
        version = int(connection.pg_version)  # type: ignore[attr-defined]
        database = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    commit = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=7"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    return {
        "database": database,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "commit": commit,
    }


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def table(result: dict[str, Any]) -> str:
    floor, replay = result["floor"], result["replay"]
    answers, db = result["answers"], result["database"]
    config, facts = result["config"], result["environment"]
    rows = [
        ("floor   GET /healthz", floor),
        ("replay  POST …/submission", replay),
    ]
    lines = [
        f"offline_replay: {config['submissions']} submissions, {config['retries']} retries "
        f"({config['concurrent_retries']} concurrent, {config['later_retries']} later), "
        f"concurrency {config['concurrency']}, {config['workers']} gunicorn workers, "
        f"{facts['database']}, {facts['cpus']} CPUs",
        "",
        f"{'':28}{'requests':>9}{'seconds':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}",
    ]
    for label, figures in rows:
        lines.append(
            f"{label:28}{figures['requests']:>9}{figures['seconds']:>9.1f}"
            f"{figures['per_second']:>9.1f}{figures['p50_ms']:>9.1f}{figures['p95_ms']:>9.1f}"
        )
    lines += [
        "",
        f"submissions/s (distinct visits)   {replay['submissions_per_second']:.1f}",
        f"ratio replay/floor, req/s         {result['ratio']['throughput']:.3f}"
        f"  (a submission costs {result['ratio']['cost']:.1f} bare requests)",
        f"ratio p50 latency replay/floor    {result['ratio']['p50_latency']:.1f}",
        f"ratio by slice, min – max         {result['ratio']['slices_min']:.3f} – "
        f"{result['ratio']['slices_max']:.3f}  ({len(result['slices'])} slices)",
        "floor req/s by slice              "
        + " ".join(f"{item['floor_per_second']:.0f}" for item in result["slices"]),
        "replay req/s by slice             "
        + " ".join(f"{item['replay_per_second']:.0f}" for item in result["slices"]),
        f"retries sent                      {config['retries']}",
        f"replays (Idempotent-Replayed)     {answers['replayed']}",
        f"first answers (200)               {answers['ok_first_answers']}",
        f"other answers                     {answers['not_200']}",
        f"duplicates                        {db['duplicates_total']}"
        f"  ({', '.join(f'{k} {v}' for k, v in db['duplicates'].items())})",
        f"ledger                            {db['stored']['ledger_entries']} entries, "
        f"{'intact' if db['stored']['ledger_intact'] else 'BROKEN'}",
    ]
    direct = result.get("direct") or {}
    if direct.get("measured"):
        lines.append(
            f"direct floor (same rows, SQL)     {direct['submissions_per_second']:.1f} "
            f"submissions/s ({direct['rows']} rows, {direct['rows_per_submission']:.1f} a "
            f"submission); replay ÷ direct {result['direct_ratio']:.4f}"
        )
    peaks = result.get("worker_peak_rss_mib") or {}
    if peaks:
        lines.append(
            "worker peak RSS (VmHWM)           "
            + ", ".join(f"{mib:.0f} MiB" for mib in peaks.values())
        )
    if result["problems"]:
        lines += ["", "FAILED:", *(f"  - {problem}" for problem in result["problems"])]
    else:
        lines += ["", "OK: no duplicates, every retry replayed the first answer."]
    return "\n".join(lines)


def problems_of(result: dict[str, Any], *, visits: int, retries: int, skipped: int) -> list[str]:
    answers, db = result["answers"], result["database"]
    problems = []
    if skipped:
        problems.append(f"time limit reached: {skipped} jobs not sent")
    if db["duplicates_total"]:
        problems.append(f"{db['duplicates_total']} duplicates in the database")
    if answers["not_200"]:
        problems.append(f"{answers['not_200']} answers other than 200: {answers['errors']}")
    if answers["ok_first_answers"] != visits:
        problems.append(f"{answers['ok_first_answers']} first answers for {visits} visits")
    if answers["replayed"] != retries:
        problems.append(f"{answers['replayed']} replays for {retries} retries")
    for name in (
        "visits_without_exactly_one_first_answer",
        "replays_differing_from_first_answer",
        "visits_missing_an_answer",
    ):
        if answers[name]:
            problems.append(f"{name}: {answers[name]}")
    for name, values in db["differences"].items():
        problems.append(f"stored {name}: {values['stored']}, expected {values['expected']}")
    return problems


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str]) -> int:
    opts = _parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(opts)
    except BenchFailed as failure:
        print(f"offline_replay: {failure}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("offline_replay: interrupted; the server was stopped.", file=sys.stderr)
        return 130


def _run(opts: Options) -> int:
    deadline = time.monotonic() + opts.time_limit
    rng = random.Random(opts.seed)
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(scratch_folder(keep=opts.keep))
        if opts.database:
            database_url = stack.enter_context(scratch_postgres(opts.database, keep=opts.keep))
        else:
            database_url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
        environment = server_environment(data_dir, database_url, secrets.token_urlsafe(50))
        configure_django(environment)
        from django.db import connections

        stack.callback(connections.close_all)
        facts = environment_facts()
        warmup = 4 * opts.workers
        _log(f"set-up: migrating {facts['database']}, {opts.submissions + warmup} visits…")
        ground = prepare_ground(opts, warmup=warmup)
        marks = insert_marks()  # what the server inserts from now on is the direct floor's
        connections.close_all()  # gunicorn has the database to itself from now on
        _log(f"set-up done in {ground.seconds:.1f} s")

        server = Server(
            workers=opts.workers, environment=environment, log=data_dir / "gunicorn.log"
        )
        stack.callback(server.stop)
        server.wait_ready(deadline)
        client = Client(server.port, ground.token)
        _log(f"gunicorn on 127.0.0.1:{server.port}, {opts.workers} workers")

        # Warm-up: every worker imports the URLs, the API and the submission path once.
        run_phase(
            [Job("healthz")] * (10 * opts.workers),
            lambda job: [client.call("GET", HEALTHZ)],
            concurrency=opts.concurrency,
            deadline=deadline,
        )
        run_phase(
            [Job("first", index) for index in range(len(ground.warmup))],
            lambda job: [client.submit(ground.warmup[job.visit])],
            concurrency=opts.concurrency,
            deadline=deadline,
        )

        jobs = replay_jobs(
            len(ground.visits),
            retry_rate=opts.retry_rate,
            concurrency=opts.concurrency,
            rng=rng,
        )
        requests = sum(2 if job.kind == "concurrent_pair" else 1 for job in jobs)
        retries = requests - len(ground.visits)

        def healthz(job: Job) -> list[Reply]:
            return [client.call("GET", HEALTHZ)]

        def replay(job: Job) -> list[Reply]:
            visit = ground.visits[job.visit]
            if job.kind == "concurrent_pair":
                return client.submit_twice_at_once(visit)
            return [client.submit(visit)]

        # Floor and replay alternate in slices (F R F R … R F), so that both see the same
        # background load on a shared machine; each slice's ratio shows how steady that was.
        slices = max(1, min(opts.slices, len(jobs)))
        bounds = [round(index * len(jobs) / slices) for index in range(slices + 1)]
        chunks = [jobs[bounds[index] : bounds[index + 1]] for index in range(slices)]
        floor_sizes = [
            requests // (slices + 1) + (1 if index < requests % (slices + 1) else 0)
            for index in range(slices + 1)
        ]
        _log(
            f"{slices} slices: {requests} × GET {HEALTHZ} (floor) interleaved with "
            f"{len(ground.visits)} submissions + {retries} retries = {requests} × POST"
        )
        floors: list[Phase] = []
        replays: list[Phase] = []
        for index in range(slices + 1):
            floors.append(
                run_phase(
                    [Job("healthz")] * floor_sizes[index],
                    healthz,
                    concurrency=opts.concurrency,
                    deadline=deadline,
                )
            )
            if index < slices:
                replays.append(
                    run_phase(
                        chunks[index], replay, concurrency=opts.concurrency, deadline=deadline
                    )
                )
        server.stop()
        _log("server stopped; checking the database…")

        floor_replies = replies_of(floors)
        floor = rate_figures(floor_replies, sum(phase.seconds for phase in floors))
        floor["not_200"] = sum(1 for r in floor_replies if r.status != 200)
        replayed = Phase(
            started=replays[0].started,
            seconds=sum(phase.seconds for phase in replays),
            done=[pair for phase in replays for pair in phase.done],
            skipped=sum(phase.skipped for phase in replays),
        )
        replay_figures = rate_figures(replies_of([replayed]), replayed.seconds)
        replay_figures["submissions_per_second"] = (
            round(len(ground.visits) / replayed.seconds, 1) if replayed.seconds else 0.0
        )
        by_slice = slice_figures(floors, replays)
        all_visits = ground.warmup + ground.visits
        database = database_checks(
            visits=len(all_visits), items=sum(visit.items for visit in all_visits)
        )
        _log("direct floor: the same rows inserted by plain SQL")
        direct = direct_inserts(marks, submissions=len(all_visits), slices=opts.slices)
        result: dict[str, Any] = {
            "benchmark": "offline_replay",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(["python -m bench offline_replay", *opts.argv]),
            "config": {
                "submissions": len(ground.visits),
                "retry_rate": opts.retry_rate,
                "retries": retries,
                "concurrent_retries": sum(1 for j in jobs if j.kind == "concurrent_pair"),
                "later_retries": sum(1 for j in jobs if j.kind == "later_retry"),
                "concurrency": opts.concurrency,
                "workers": opts.workers,
                "slices": slices,
                "warmup_submissions": len(ground.warmup),
                "photos_uploaded": 0,
                "seed": opts.seed,
                "setup_seconds": round(ground.seconds, 1),
            },
            "environment": facts,
            "floor": floor,
            "replay": replay_figures,
            "ratio": {
                "throughput": round(replay_figures["per_second"] / floor["per_second"], 4)
                if floor["per_second"]
                else 0.0,
                "cost": round(floor["per_second"] / replay_figures["per_second"], 2)
                if replay_figures["per_second"]
                else 0.0,
                "p50_latency": round(replay_figures["p50_ms"] / floor["p50_ms"], 2)
                if floor["p50_ms"]
                else 0.0,
                "slices_min": min(item["ratio"] for item in by_slice),
                "slices_max": max(item["ratio"] for item in by_slice),
            },
            "slices": by_slice,
            "answers": answer_checks(len(ground.visits), replayed),
            "database": database,
            "direct": direct,
            "direct_ratio": round(
                replay_figures["submissions_per_second"] / direct["submissions_per_second"], 4
            )
            if direct.get("submissions_per_second")
            else None,
            "worker_peak_rss_mib": {str(k): v for k, v in server.peak_rss_mib.items()},
        }
        problems = problems_of(
            result,
            visits=len(ground.visits),
            retries=retries,
            skipped=sum(phase.skipped for phase in floors) + replayed.skipped,
        )
        if floor["not_200"]:
            problems.append(f"{floor['not_200']} floor requests failed")
        result["problems"] = problems
        result["ok"] = not problems
        print(table(result))
        if opts.results is not None:
            opts.results.mkdir(parents=True, exist_ok=True)
            path = opts.results / f"offline_replay-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
            path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
            print(f"\nwritten to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return 0 if result["ok"] else 1
    raise AssertionError("unreachable")  # pragma: no cover (ExitStack does not swallow)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
