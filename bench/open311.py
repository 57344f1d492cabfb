"""Open311 under load: concurrent POSTs of service requests, and GETs of a 90-day window out of a
million stored requests, each against a floor served by the same gunicorn in the same run.

1. a throwaway data folder and database (SQLite in the folder, or a scratch PostgreSQL database
   created and dropped on the server given by ``--database``), migrated; the Donghu demo's
   ground through its demo modules (the centre's staff, the parks, the companies, the two
   contracts: what routing needs); an Open311 key made with ``open311.services.create_key``
   (100,000 requests an hour); then ``--stored`` requests (1,000,000) loaded with one
   ``INSERT … SELECT`` per batch from a recursive CTE (SQLite) or ``generate_series``
   (PostgreSQL), spread over the year before now, with the catalogue's services in realistic
   shares, Donghu's zones and contracts, statuses by age (closed, rejected, duplicate; the last
   three days open) and two or three public history events each (submitted, routed, closed);
2. gunicorn on 127.0.0.1 and a free port with ``DJANGO_SETTINGS_MODULE=bench.floor_site``:
   ParkPact's URLs plus a bench-only floor view (``bench/floor_urls.py``), and
   ``PARKPACT_REPORTS_PER_IP_HOUR`` raised so that the per-address limit never answers 429;
3. POST: ``--posts`` × ``POST /open311/v2/requests.json`` (form-encoded, the key, a service,
   a point in a Donghu zone, a Chinese description, the service's required answers), alternating
   in slices with as many POSTs of the same bodies to the floor, a bare view inserting one row;
4. GET: ``--gets`` × ``GET /open311/v2/requests.json?start_date=…&end_date=…`` (a 90-day window
   at a random place in the year: the first page, 1,000 requests), alternating in slices with as
   many GETs of the floor, a bare view selecting one row (one the POST floor wrote) by its key;
5. a table on standard output and the JSON in ``bench/results/open311-<UTC timestamp>.json``.

Goals: POST throughput at least 50 % of its floor's; GET p95 under 100 ms. Exit status 0 when
every answer was the expected one and both goals are met, 1 otherwise, 2 when it could not run.
All traffic goes to 127.0.0.1; loops are bounded by counts and the whole run by
``--time-limit``; gunicorn is stopped, the scratch database dropped and the folder removed on the
way out, error or not (``--keep`` keeps them).
"""

# The loader builds SQL from table names, the catalogue's ids and its own numbers only.
# ruff: noqa: S608

import argparse
import contextlib
import http.client
import json
import random
import secrets
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.offline_replay import (
    HEALTHZ,
    LOOPBACK,
    REQUEST_TIMEOUT,
    ROOT,
    BenchFailed,
    Job,
    Phase,
    Reply,
    Server,
    _interrupt,
    _log,
    configure_django,
    environment_facts,
    percentile,
    replies_of,
    run_phase,
    scratch_folder,
    scratch_postgres,
    server_environment,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REQUESTS = "/open311/v2/requests.json"
FLOOR = "/bench/floor-insert"
SELECT_FLOOR = "/bench/floor-select"
FLOOR_TABLE = "bench_floor_row"
CLIENT = "12345 市民热线"
CHINA = "+08:00"
POST_GOAL = 0.5  # POST throughput ÷ floor throughput, at least
GET_GOAL_MS = 100.0  # GET p95, under
WINDOW = timedelta(days=90)
YEAR_SECONDS = 365 * 24 * 3600
RECENT_SECONDS = 3 * 24 * 3600  # the stored requests of the last three days are still open
HASH_MODULUS = 1_000_003  # a prime: (n × A) mod p spreads n over 0…p−1
BATCH = 100_000

DESCRIPTIONS = [
    "步道边有很多烟头和纸屑。",
    "垃圾桶满了，垃圾掉到地上。",
    "厕所很臭，地面湿滑。",
    "晚上广场舞音响声音太大。",
    "湖边护栏有一段松动了。",
    "路灯晚上不亮，步道很黑。",
    "草坪上有人野餐后留下一堆塑料袋。",
    "有人在湖里游泳。",
]


# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    posts: int
    gets: int
    stored: int
    concurrency: int
    get_concurrency: int
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
        prog="python -m bench open311",
        description="Open311 POST throughput against a one-row-insert floor, and GET of a "
        "90-day window out of a million stored requests against a select-one-row floor.",
    )
    parser.add_argument("--posts", type=int, default=3000, help="POSTs sent (3000)")
    parser.add_argument("--gets", type=int, default=1000, help="GETs sent (1000)")
    parser.add_argument(
        "--stored", type=int, default=1_000_000, help="requests stored before the GETs (1000000)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once (8)")
    parser.add_argument(
        "--get-concurrency",
        type=int,
        help="GETs in flight at once, if not --concurrency (1 shows a GET's own time, no queue)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgres://user@127.0.0.1:5432/postgres: a scratch database is created on this "
        "server and dropped at the end (default: SQLite in the temporary folder)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=1800, help="seconds for the whole run (1800)"
    )
    parser.add_argument(
        "--slices", type=int, default=10, help="floor and measure alternate in this many slices"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed for the bodies (1)")
    parser.add_argument("--keep", action="store_true", help="keep the folder and database")
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR,
        help="folder for the JSON result (bench/results); '-' to write none",
    )
    args = parser.parse_args(list(argv))
    if not 1 <= args.posts <= 100_000:
        parser.error("--posts must be between 1 and 100,000")
    if not 1 <= args.gets <= 100_000:
        parser.error("--gets must be between 1 and 100,000")
    if not 0 <= args.stored <= 10_000_000:
        parser.error("--stored must be between 0 and 10,000,000")
    if not 1 <= args.concurrency <= 256:
        parser.error("--concurrency must be between 1 and 256")
    if args.get_concurrency is not None and not 1 <= args.get_concurrency <= 256:
        parser.error("--get-concurrency must be between 1 and 256")
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
        posts=args.posts,
        gets=args.gets,
        stored=args.stored,
        concurrency=args.concurrency,
        get_concurrency=args.get_concurrency or args.concurrency,
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
# Set-up: the Donghu ground, the key, a million requests
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """What the loader and the bodies need to know of the ground."""

    services: list[dict[str, Any]]  # id, code, kind, hours, weight, contract, provider
    zones: list[dict[str, Any]]  # id, park, code, (lon, lat) points inside it


@dataclass
class Ground:
    key: str
    catalogue: Catalogue
    stored: int
    events: int
    setup_seconds: float
    load_seconds: float
    first_at: datetime
    now: datetime


def prepare_ground(opts: Options) -> Ground:
    """Migrate; the demo's parks, companies and contracts; the key; the stored requests."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from parkpact.contracts import demo as contracts_demo
    from parkpact.core.management.commands.seed_demo import DEMO_PASSWORD, seed_centre_staff
    from parkpact.open311.services import MAX_PER_HOUR, create_key
    from parkpact.parks import demo as parks_demo
    from parkpact.providers import demo as providers_demo

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        context: dict[str, Any] = {
            "password": DEMO_PASSWORD,
            "today": timezone.localdate(),
            "users": seed_centre_staff(),
        }
        for module in (parks_demo, providers_demo, contracts_demo):
            module.seed(context)
        _api_key, key = create_key(
            name=CLIENT, requests_per_hour=MAX_PER_HOUR, by=context["users"]["admin"]
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {FLOOR_TABLE} (id {_serial()} PRIMARY KEY, body TEXT NOT NULL, "
            "at TIMESTAMP NOT NULL)"
        )
    catalogue = read_catalogue(context)
    setup_seconds = time.perf_counter() - started
    now = timezone.now()
    loaded = time.perf_counter()
    stored, events = load_requests(opts.stored, catalogue, now=now)
    return Ground(
        key=key,
        catalogue=catalogue,
        stored=stored,
        events=events,
        setup_seconds=setup_seconds,
        load_seconds=time.perf_counter() - loaded,
        first_at=now - timedelta(seconds=YEAR_SECONDS),
        now=now,
    )


def _serial() -> str:
    from django.db import connection

    return "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"


def read_catalogue(context: dict[str, Any]) -> Catalogue:
    from shapely.geometry import Point, shape

    from parkpact.servicerequests.demo import SERVICE_WEIGHTS
    from parkpact.servicerequests.models import Service

    contracts = context["contracts"]
    services = []
    for service in Service.objects.filter(active=True).order_by("code"):
        contract = contracts.get(service.kind)
        services.append(
            {
                "id": service.pk,
                "code": service.code,
                "kind": service.kind,
                "ack": service.acknowledge_hours,
                "resolve": service.resolve_hours,
                "weight": SERVICE_WEIGHTS.get(service.code, 1),
                "contract": contract.pk if contract else None,
                "provider": contract.provider_id if contract else None,
            }
        )
    donghu = context["parks"]["donghu"]
    rng = random.Random(0)
    zones = []
    for zone in sorted(context["zones"].values(), key=lambda z: z.code):
        if zone.park_id != donghu.pk:
            continue
        outline = shape(zone.boundary)
        west, south, east, north = outline.bounds
        points: list[tuple[float, float]] = []
        for _attempt in range(400):
            candidate = Point(rng.uniform(west, east), rng.uniform(south, north))
            if outline.contains(candidate):
                points.append((round(candidate.x, 6), round(candidate.y, 6)))
            if len(points) == 8:
                break
        if not points:
            inside = outline.representative_point()
            points.append((round(inside.x, 6), round(inside.y, 6)))
        zones.append({"id": zone.pk, "park": zone.park_id, "code": zone.code, "points": points})
    return Catalogue(services=services, zones=zones)


def _case(selector: str, values: Sequence[Any]) -> str:
    """CASE selector WHEN 0 THEN values[0] … END, with SQL literals."""
    whens = " ".join(f"WHEN {index} THEN {_literal(value)}" for index, value in enumerate(values))
    return f"CASE {selector} {whens} END"


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def load_requests(count: int, catalogue: Catalogue, *, now: datetime) -> tuple[int, int]:
    """Insert ``count`` requests spread evenly over the year before ``now``, and their public
    history, with plain SQL in batches; returns (requests, events) inserted."""
    from django.db import connection, transaction

    from parkpact.servicerequests.models import RequestEvent, ServiceRequest

    if count == 0:
        return 0, 0
    postgres = connection.vendor == "postgresql"
    requests_table = ServiceRequest._meta.db_table
    events_table = RequestEvent._meta.db_table

    def ts(seconds: str) -> str:
        if postgres:
            return f"to_timestamp({seconds})"
        return f"strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch')"

    def pick(h: str, weights: Sequence[int]) -> str:
        total, bound, whens = sum(weights), 0, []
        for index, weight in enumerate(weights[:-1]):
            bound += weight
            whens.append(f"WHEN {h} % {total} < {bound} THEN {index}")
        return f"CASE {' '.join(whens)} ELSE {len(weights) - 1} END"

    services, zones = catalogue.services, catalogue.zones
    points = [(zone, point) for zone in zones for point in zone["points"]]
    start = int(now.timestamp()) - YEAR_SECONDS
    recent_from = int(now.timestamp()) - RECENT_SECONDS
    step = YEAR_SECONDS / count
    tracking = "'B' || lpad(n::text, 9, '0')" if postgres else "'B' || printf('%09d', n)"
    json_empty = "CAST('{}' AS jsonb)" if postgres else "'{}'"
    status = (
        f"CASE WHEN at >= {recent_from} THEN "
        + _case("h3 % 4", ["submitted", "acknowledged", "in_progress", "resolved"])
        + " WHEN h3 % 100 < 90 THEN 'closed' WHEN h3 % 100 < 95 THEN 'rejected'"
        " ELSE 'duplicate' END"
    )
    ack = _case("s", [service["ack"] for service in services])
    resolve = _case("s", [service["resolve"] for service in services])
    inner = (
        "SELECT n, at, s, p, h3, "
        f"at + 3600 * {ack} AS ack_by, at + 3600 * {resolve} AS due, {status} AS status "
        "FROM (SELECT n, "
        f"{start} + CAST((n - 1) * {step!r} AS INTEGER) + (n * 7919) % 600 AS at, "
        f"{pick(f'((n * 2654435761) % {HASH_MODULUS})', [s['weight'] for s in services])} AS s, "
        f"((n * 40503) % {HASH_MODULUS}) % {len(points)} AS p, "
        f"(n * 97531) % {HASH_MODULUS} AS h3 "
        "FROM {numbers}) AS drawn"
    )
    closed = "status IN ('closed', 'rejected', 'duplicate')"
    columns = {
        "service_id": _case("s", [service["id"] for service in services]),
        "status": "status",
        "channel": "CASE WHEN h3 % 10 < 7 THEN 'qr' WHEN h3 % 10 < 9 THEN 'open311' "
        "ELSE 'hotline' END",
        "client": f"CASE WHEN h3 % 10 IN (7, 8) THEN {_literal(CLIENT)} ELSE '' END",
        "tracking_code": tracking,
        "description": _case("h3 % 8", DESCRIPTIONS),
        "original_description": _case("h3 % 8", DESCRIPTIONS),
        "attributes": json_empty,
        "media_url": "''",
        "longitude": _case("p", [point[0] for _zone, point in points]),
        "latitude": _case("p", [point[1] for _zone, point in points]),
        "address_string": "''",
        "park_id": _case("p", [zone["park"] for zone, _point in points]),
        "zone_id": _case("p", [zone["id"] for zone, _point in points]),
        "contract_id": _case("s", [service["contract"] for service in services]),
        "provider_id": _case("s", [service["provider"] for service in services]),
        "requested_at": ts("at"),
        "updated_at": ts(f"CASE WHEN {closed} THEN at + 14400 ELSE at + 600 END"),
        "acknowledge_by": ts("ack_by"),
        "expected_at": ts("due"),
        "acknowledged_at": ts("CASE WHEN status <> 'submitted' THEN at + 1200 END"),
        "resolved_at": ts("CASE WHEN status IN ('resolved', 'closed') THEN at + 5400 END"),
        "closed_at": ts(f"CASE WHEN {closed} THEN at + 14400 END"),
        "resolve_breached_at": ts("CASE WHEN (h3 / 100) % 50 = 0 THEN due + 300 END"),
        "validated_at": ts("CASE WHEN status = 'closed' THEN at + 14400 END"),
        "contractor_at_fault": "(status = 'closed' AND h3 % 4 = 0)",
        "contact_name": "''",
        "contact_email": "''",
        "contact_phone": "''",
        "device_id": "''",
        "account_id": "''",
        "reporter_rating": "CASE WHEN status = 'closed' AND h3 % 3 = 0 THEN 3 + h3 % 3 END",
        "reporter_comment": "''",
    }
    insert = (
        f"INSERT INTO {requests_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns.values())} FROM ({inner}) AS chosen"
    )
    notes = [
        ("'status'", "''", "'submitted'", "''", "TRUE"),
        ("'routing'", "''", "''", _literal("已派发至承包单位。"), "TRUE"),
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {requests_table}")
        before = int(cursor.fetchone()[0])
    for first in range(1, count + 1, BATCH):
        last = min(count, first + BATCH - 1)
        numbers = (
            f"generate_series(CAST({first} AS BIGINT), CAST({last} AS BIGINT)) AS n"
            if postgres
            else f"(WITH RECURSIVE seq(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM seq "
            f"WHERE n < {last}) SELECT n FROM seq) AS numbers"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(insert.replace("{numbers}", numbers))
        _log(f"  stored {last:,} of {count:,} requests")
    events = 0
    with transaction.atomic(), connection.cursor() as cursor:
        source = f"FROM {requests_table} WHERE id > {before}"
        for kind, from_status, to_status, note, public in notes:
            cursor.execute(
                f"INSERT INTO {events_table} (request_id, at, kind, actor_id, by_reporter, "
                "from_status, to_status, note, public) "
                f"SELECT id, requested_at, {kind}, NULL, TRUE, {from_status}, {to_status}, "
                f"{note}, {public} {source}"
            )
            events += cursor.rowcount
        cursor.execute(
            f"INSERT INTO {events_table} (request_id, at, kind, actor_id, by_reporter, "
            "from_status, to_status, note, public) "
            "SELECT id, closed_at, 'status', NULL, FALSE, 'submitted', status, "
            + _case(
                "CASE status WHEN 'closed' THEN 0 WHEN 'rejected' THEN 1 ELSE 2 END",
                [
                    "公园管理中心已核实处理结果，办结。",
                    "经核实不属于公园管理范围。",
                    "已有相同反映，请关注原工单。",
                ],
            )
            + f", TRUE {source} AND closed_at IS NOT NULL"
        )
        events += cursor.rowcount
    _log(f"  stored {events:,} history events")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return count, events


# ---------------------------------------------------------------------------------------------
# Bodies and the client
# ---------------------------------------------------------------------------------------------

ANSWERS: dict[str, list[tuple[str, str]]] = {
    "toilet": [("attribute[problem][]", "smell"), ("attribute[problem][]", "paper")],
    "lost_person": [("attribute[description]", "约5岁男孩，穿红色T恤。")],
    "litter": [("attribute[amount]", "pile")],
}


def post_bodies(count: int, catalogue: Catalogue, key: str, rng: random.Random) -> list[bytes]:
    """Form-encoded Open311 POSTs: a service in its share, a point in a Donghu zone."""
    services = catalogue.services
    weights = [service["weight"] for service in services]
    bodies = []
    for index in range(count):
        service = rng.choices(services, weights=weights)[0]
        zone = rng.choice(catalogue.zones)
        lon, lat = rng.choice(zone["points"])
        fields = [
            ("api_key", key),
            ("service_code", service["code"]),
            ("lat", f"{lat:.6f}"),
            ("long", f"{lon:.6f}"),
            ("description", f"{rng.choice(DESCRIPTIONS)}（压测 {index}）"),
            ("account_id", f"QZ12345-BENCH-{index:07d}"),
            *ANSWERS.get(service["code"], []),
        ]
        if rng.random() < 0.3:
            fields.append(("first_name", "陈女士"))
        bodies.append(urlencode(fields).encode())
    return bodies


def window_queries(count: int, ground: Ground, rng: random.Random) -> list[str]:
    """A 90-day window at a random place in the stored year, as an Open311 client asks it."""
    span = (ground.now - ground.first_at - WINDOW).total_seconds()
    paths = []
    for _index in range(count):
        start = ground.first_at + timedelta(seconds=rng.uniform(0, max(span, 0)))
        end = start + WINDOW
        query = urlencode(
            {
                "start_date": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end_date": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
        paths.append(f"{REQUESTS}?{query}")
    return paths


@dataclass(frozen=True)
class Answer:
    status: int
    seconds: float
    items: int = -1  # how many requests a GET listed; -1 when not counted
    error: str = ""


def call(port: int, method: str, path: str, body: bytes | None = None) -> Answer:
    """One request on a new connection (gunicorn's sync workers close each one anyway)."""
    headers = {"Accept": "application/json", "Accept-Language": "zh-hans"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        seconds = time.perf_counter() - started
    except (OSError, http.client.HTTPException) as error:
        return Answer(status=0, seconds=time.perf_counter() - started, error=repr(error))
    finally:
        conn.close()
    items = -1
    problem = ""
    if response.status >= 400:
        problem = data[:300].decode(errors="replace")
    elif method == "GET" and path.startswith(REQUESTS):
        with contextlib.suppress(ValueError):
            items = len(json.loads(data))
    return Answer(status=response.status, seconds=seconds, items=items, error=problem)


# ---------------------------------------------------------------------------------------------
# Phases and figures
# ---------------------------------------------------------------------------------------------


def alternate(
    floor: Callable[[int], Answer],
    measure: Callable[[int], Answer],
    count: int,
    *,
    slices: int,
    concurrency: int,
    deadline: float,
) -> tuple[list[Phase], list[Phase]]:
    """F M F M … M F: ``count`` measured requests in ``slices`` slices, as many floor requests
    in one more slice, each run to completion."""
    slices = max(1, min(slices, count))
    bounds = [round(index * count / slices) for index in range(slices + 1)]
    floor_sizes = [
        count // (slices + 1) + (1 if index < count % (slices + 1) else 0)
        for index in range(slices + 1)
    ]
    floors: list[Phase] = []
    measures: list[Phase] = []
    floor_done = 0

    def as_reply(answer: Answer) -> list[Reply]:
        # offline_replay's Reply carries the status and seconds; items ride in ``digest``.
        return [
            Reply(
                status=answer.status,
                seconds=answer.seconds,
                digest=str(answer.items),
                error=answer.error,
            )
        ]

    for index in range(slices + 1):
        offset = floor_done
        floors.append(
            run_phase(
                [Job("floor", offset + i) for i in range(floor_sizes[index])],
                lambda job: as_reply(floor(job.visit)),
                concurrency=concurrency,
                deadline=deadline,
            )
        )
        floor_done += floor_sizes[index]
        if index < slices:
            measures.append(
                run_phase(
                    [Job("measure", i) for i in range(bounds[index], bounds[index + 1])],
                    lambda job: as_reply(measure(job.visit)),
                    concurrency=concurrency,
                    deadline=deadline,
                )
            )
    return floors, measures


def figures(phases: Sequence[Phase]) -> dict[str, Any]:
    answered = replies_of(phases)
    seconds = sum(phase.seconds for phase in phases)
    latencies = [reply.seconds for reply in answered]
    statuses = Counter(str(reply.status) for reply in answered)
    return {
        "requests": len(answered),
        "skipped": sum(phase.skipped for phase in phases),
        "seconds": round(seconds, 3),
        "per_second": round(len(answered) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(max(latencies, default=0) * 1000, 2),
        "statuses": dict(sorted(statuses.items())),
        "errors": dict(Counter(r.error[:200] for r in answered if r.error).most_common(5)),
    }


def by_slice(floors: Sequence[Phase], measures: Sequence[Phase]) -> list[dict[str, float]]:
    result = []
    for index, measure in enumerate(measures):
        around = floors[index : index + 2]
        floor_seconds = sum(phase.seconds for phase in around)
        floor_rate = len(replies_of(around)) / floor_seconds if floor_seconds else 0.0
        rate = len(replies_of([measure])) / measure.seconds if measure.seconds else 0.0
        result.append(
            {
                "floor_per_second": round(floor_rate, 1),
                "per_second": round(rate, 1),
                "ratio": round(rate / floor_rate, 4) if floor_rate else 0.0,
            }
        )
    return result


def comparison(
    floor: dict[str, Any], measure: dict[str, Any], slices: list[dict[str, float]]
) -> dict[str, Any]:
    return {
        "throughput": round(measure["per_second"] / floor["per_second"], 4)
        if floor["per_second"]
        else 0.0,
        "p50_latency": round(measure["p50_ms"] / floor["p50_ms"], 2) if floor["p50_ms"] else 0.0,
        "slices_min": min((item["ratio"] for item in slices), default=0.0),
        "slices_max": max((item["ratio"] for item in slices), default=0.0),
    }


def table(result: dict[str, Any]) -> str:
    config, facts = result["config"], result["environment"]
    lines = [
        f"open311: {config['posts']} POSTs, {config['gets']} GETs of a 90-day window out of "
        f"{config['stored']:,} stored requests, concurrency {config['concurrency']} "
        f"(GET {config['get_concurrency']}), "
        f"{config['workers']} gunicorn workers, {facts['database']}, {facts['cpus']} CPUs",
        "",
        f"{'':34}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}",
    ]
    for label, key in (
        ("floor  POST /bench/floor-insert", "post_floor"),
        ("       POST /open311/v2/requests", "post"),
        ("floor  GET /bench/floor-select", "get_floor"),
        ("       GET /open311/v2/requests", "get"),
    ):
        row = result[key]
        lines.append(
            f"{label:34}{row['requests']:>9}{row['per_second']:>9.1f}{row['p50_ms']:>9.1f}"
            f"{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}"
        )
    post, get = result["post_ratio"], result["get_ratio"]
    lines += [
        "",
        f"POST ratio to floor, req/s   {post['throughput']:.3f}  (goal ≥ {POST_GOAL}; slices "
        f"{post['slices_min']:.3f} – {post['slices_max']:.3f})",
        f"GET p95                      {result['get']['p95_ms']:.1f} ms  (goal < {GET_GOAL_MS:.0f}"
        f" ms); ratio to floor, req/s {get['throughput']:.3f} (slices {get['slices_min']:.3f} – "
        f"{get['slices_max']:.3f})",
        f"GET items per answer         {result['get_items']}",
        f"set-up                       {config['setup_seconds']:.1f} s, loading "
        f"{config['stored']:,} requests and {config['events']:,} events "
        f"{config['load_seconds']:.1f} s",
    ]
    if result["problems"]:
        lines += ["", "FAILED:", *(f"  - {problem}" for problem in result["problems"])]
    else:
        lines += ["", "OK: every answer as expected, both goals met."]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    opts = _parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(opts)
    except BenchFailed as failure:
        print(f"open311: {failure}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("open311: interrupted; the server was stopped.", file=sys.stderr)
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
        _log(f"set-up: migrating {facts['database']}, the Donghu ground, {opts.stored:,} requests…")
        ground = prepare_ground(opts)
        connections.close_all()  # gunicorn has the database to itself from now on
        _log(f"set-up done: {ground.setup_seconds:.1f} s, loading {ground.load_seconds:.1f} s")

        environment = {
            **environment,
            "DJANGO_SETTINGS_MODULE": "bench.floor_site",
            "PARKPACT_REPORTS_PER_IP_HOUR": "10000000",
        }
        server = Server(
            workers=opts.workers, environment=environment, log=data_dir / "gunicorn.log"
        )
        stack.callback(server.stop)
        server.wait_ready(deadline)
        port = server.port
        _log(f"gunicorn on 127.0.0.1:{port}, {opts.workers} workers")

        warmup = 4 * opts.workers
        bodies = post_bodies(opts.posts + warmup, ground.catalogue, ground.key, rng)
        paths = window_queries(opts.gets + warmup, ground, rng)
        # Warm-up: every worker loads the URLs and each path once (not counted).
        run_phase(
            [Job("warm", i) for i in range(warmup)],
            lambda job: [
                Reply(status=call(port, "GET", HEALTHZ).status, seconds=0.0),
                Reply(status=call(port, "POST", FLOOR, bodies[job.visit]).status, seconds=0.0),
                Reply(status=call(port, "POST", REQUESTS, bodies[job.visit]).status, seconds=0.0),
                Reply(status=call(port, "GET", paths[job.visit]).status, seconds=0.0),
            ],
            concurrency=opts.concurrency,
            deadline=deadline,
        )
        posts, gets = bodies[warmup:], paths[warmup:]

        _log(f"POST: {opts.posts} × {REQUESTS} against as many {FLOOR}, {opts.slices} slices")
        post_floors, post_measures = alternate(
            lambda i: call(port, "POST", FLOOR, posts[i % len(posts)]),
            lambda i: call(port, "POST", REQUESTS, posts[i]),
            opts.posts,
            slices=opts.slices,
            concurrency=opts.concurrency,
            deadline=deadline,
        )
        _log(f"GET: {opts.gets} × {REQUESTS}?start_date…end_date against {SELECT_FLOOR}")
        # The floor reads one of the rows the POST floor wrote (ids 1 … posts), by its key.
        floor_rows = max(1, opts.posts)
        get_floors, get_measures = alternate(
            lambda i: call(port, "GET", f"{SELECT_FLOOR}?id={i % floor_rows + 1}"),
            lambda i: call(port, "GET", gets[i]),
            opts.gets,
            slices=opts.slices,
            concurrency=opts.get_concurrency,
            deadline=deadline,
        )
        server.stop()

        post_floor, post = figures(post_floors), figures(post_measures)
        get_floor, get = figures(get_floors), figures(get_measures)
        post_slices = by_slice(post_floors, post_measures)
        get_slices = by_slice(get_floors, get_measures)
        items = Counter(int(reply.digest) for reply in replies_of(get_measures))
        result: dict[str, Any] = {
            "benchmark": "open311",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(["python -m bench open311", *opts.argv]),
            "config": {
                "posts": opts.posts,
                "gets": opts.gets,
                "stored": ground.stored,
                "events": ground.events,
                "concurrency": opts.concurrency,
                "get_concurrency": opts.get_concurrency,
                "workers": opts.workers,
                "slices": opts.slices,
                "seed": opts.seed,
                "setup_seconds": round(ground.setup_seconds, 1),
                "load_seconds": round(ground.load_seconds, 1),
            },
            "environment": facts,
            "post_floor": post_floor,
            "post": post,
            "post_ratio": comparison(post_floor, post, post_slices),
            "post_slices": post_slices,
            "get_floor": get_floor,
            "get": get,
            "get_ratio": comparison(get_floor, get, get_slices),
            "get_slices": get_slices,
            "get_items": dict(sorted(items.items())),
            "worker_peak_rss_mib": {str(k): v for k, v in server.peak_rss_mib.items()},
        }
        problems = []
        for key, expected in (
            ("post_floor", "201"),
            ("post", "201"),
            ("get_floor", "200"),
            ("get", "200"),
        ):
            row = result[key]
            if row["skipped"]:
                problems.append(f"{key}: time limit reached, {row['skipped']} requests not sent")
            others = {status: n for status, n in row["statuses"].items() if status != expected}
            if others:
                problems.append(f"{key}: answers other than {expected}: {others} {row['errors']}")
        if ground.stored >= 100_000 and set(items) != {1000}:
            problems.append(f"GET pages not all 1,000 requests long: {dict(items)}")
        if result["post_ratio"]["throughput"] < POST_GOAL:
            problems.append(
                f"POST throughput {result['post_ratio']['throughput']:.3f} of the floor's, "
                f"goal ≥ {POST_GOAL}"
            )
        if get["p95_ms"] >= GET_GOAL_MS:
            problems.append(f"GET p95 {get['p95_ms']:.1f} ms, goal < {GET_GOAL_MS:.0f} ms")
        result["problems"] = problems
        result["ok"] = not problems
        print(table(result))
        if opts.results is not None:
            opts.results.mkdir(parents=True, exist_ok=True)
            path = opts.results / f"open311-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
            path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
            print(f"\nwritten to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return 0 if result["ok"] else 1
    raise AssertionError("unreachable")  # pragma: no cover (ExitStack does not swallow)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
