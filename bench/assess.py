"""Assess: ``manage.py assess``'s counting for every contract of a city, beside DuckDB.

The floor here is not a bare request but the same counts computed by an analytical engine over
an export of the same tables, in the same run:

1. the city (bench/city.py: 100 parks, 200 contracts, a year of evidence), built in the
   database of ``--database`` or reused when it is there with the same parameters;
2. the columns the counts need, exported table by table (``COPY (SELECT …) TO STDOUT`` as CSV
   on PostgreSQL), timed on its own; loaded into an in-memory DuckDB;
3. ``assessments.measure.measure(contracts, month)`` for every contract in force in the city's
   last month, and the same counts per (contract, source[, standard code]) in one DuckDB SQL
   statement, alternating ``--repeat`` times (M D M D …), the best of each kept;
4. ``assessments.services.compute_month`` once (the month's drafts deleted first, so that it
   writes every draft);
5. both results compared key by key (checked, passed, occurrences, and the further measure);
   every difference printed;
6. a table on standard output and the JSON in ``bench/results/assess-<UTC timestamp>.json``.

Goal: measure() within 3 × DuckDB's time. Exit status 0 when the counts are identical and the
goal is met, 1 otherwise, 2 when it could not run. The city database is kept (it is reused by
the next run); ``--rebuild`` builds it afresh.
"""

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from bench.city import (
    add_city_arguments,
    check_city_arguments,
    city_parameters,
    ensure_city,
)
from bench.offline_replay import ROOT, BenchFailed, _log, environment_facts

RESULTS_DIR = Path(__file__).resolve().parent / "results"
GOAL = 3.0  # measure() seconds ÷ DuckDB seconds, at most
Counts = tuple[int, int, int, Decimal | None]  # checked, passed, occurrences, further measure

# Table → its exported columns and their DuckDB types; "T" marks a timestamp, "J" a JSON text.
TABLES: dict[str, list[tuple[str, str]]] = {
    "contracts_contract": [("id", "BIGINT"), ("service_kind", "VARCHAR")],
    "contracts_contract_zones": [("contract_id", "BIGINT"), ("zone_id", "BIGINT")],
    "contracts_performancestandard": [("id", "BIGINT"), ("code", "VARCHAR")],
    "inspections_inspection": [
        ("id", "BIGINT"),
        ("contract_id", "BIGINT"),
        ("status", "VARCHAR"),
        ("window_start", "T"),
    ],
    "inspections_finding": [
        ("id", "BIGINT"),
        ("inspection_id", "BIGINT"),
        ("standard_id", "BIGINT"),
        ("result", "VARCHAR"),
    ],
    "inspections_rectificationorder": [
        ("id", "BIGINT"),
        ("contract_id", "BIGINT"),
        ("deadline", "T"),
        ("rectified_at", "T"),
        ("status", "VARCHAR"),
    ],
    "servicerequests_servicerequest": [
        ("id", "BIGINT"),
        ("contract_id", "BIGINT"),
        ("requested_at", "T"),
        ("acknowledge_breached_at", "T"),
        ("resolve_breached_at", "T"),
        ("validated_at", "T"),
        ("contractor_at_fault", "BOOLEAN"),
    ],
    "patrols_patrolroute": [("id", "BIGINT"), ("contract_id", "BIGINT")],
    "patrols_patrolround": [
        ("id", "BIGINT"),
        ("route_id", "BIGINT"),
        ("window_start", "T"),
        ("status", "VARCHAR"),
        ("checkpoint_ids", "J"),
    ],
    "patrols_missedcheckpoint": [("id", "BIGINT"), ("round_id", "BIGINT")],
    "patrols_incident": [
        ("id", "BIGINT"),
        ("contract_id", "BIGINT"),
        ("reported_at", "T"),
        ("on_scene_at", "T"),
        ("target_minutes", "BIGINT"),
    ],
    "parks_facility": [("id", "BIGINT"), ("zone_id", "BIGINT")],
    "sensors_device": [
        ("id", "BIGINT"),
        ("kind", "VARCHAR"),
        ("facility_id", "BIGINT"),
        ("created_at", "T"),
        ("revoked_at", "T"),
    ],
    "sensors_sensorrule": [
        ("id", "BIGINT"),
        ("device_kind", "VARCHAR"),
        ("quantity", "VARCHAR"),
        ("threshold", "DOUBLE"),
        ("standard_code", "VARCHAR"),
        ("is_active", "BOOLEAN"),
    ],
    "sensors_alert": [
        ("id", "BIGINT"),
        ("device_id", "BIGINT"),
        ("rule_id", "BIGINT"),
        ("contract_id", "BIGINT"),
        ("raised_at", "T"),
    ],
    "sensors_reading": [
        ("device_id", "BIGINT"),
        ("observed_at", "T"),
        ("name", "VARCHAR"),
        ("value", "DOUBLE"),
    ],
}

# The counts of measure(), source by source, over the exported tables. $start, $end and
# $until are the month's bounds as naive UTC timestamps; `measured` holds the contracts' ids
# and `service_of` which service answers for each kind of device (Device.SERVICE_OF).
COUNTS_SQL = """
WITH
insp AS (
    SELECT i.contract_id, 'inspections:' || s.code AS key,
           count(*) FILTER (WHERE f.result IN ('pass', 'fail')) AS checked,
           count(*) FILTER (WHERE f.result = 'fail') AS failed
    FROM inspections_finding f
    JOIN inspections_inspection i ON i.id = f.inspection_id
    JOIN contracts_performancestandard s ON s.id = f.standard_id
    WHERE i.contract_id IN (SELECT id FROM measured) AND i.status = 'submitted'
      AND i.window_start >= $start AND i.window_start < $end
    GROUP BY ALL
),
rect AS (
    SELECT m.id AS contract_id, count(o.id) AS due,
           count(o.id) FILTER (
               WHERE o.rectified_at IS NULL OR o.rectified_at > o.deadline
                  OR o.status IN ('open', 'reopened')
           ) AS late
    FROM measured m
    LEFT JOIN inspections_rectificationorder o
      ON o.contract_id = m.id AND o.deadline >= $start AND o.deadline < $until
    GROUP BY m.id
),
complaints AS (
    SELECT m.id AS contract_id, count(r.id) AS n
    FROM measured m
    LEFT JOIN servicerequests_servicerequest r
      ON r.contract_id = m.id AND r.contractor_at_fault AND r.validated_at >= $start
     AND r.validated_at < $until
    GROUP BY m.id
),
sla AS (
    SELECT m.id AS contract_id,
           count(r.id) FILTER (WHERE r.requested_at >= $start AND r.requested_at < $until)
               AS received,
           count(r.id) FILTER (
               WHERE r.acknowledge_breached_at BETWEEN $start AND $until
                  OR r.resolve_breached_at BETWEEN $start AND $until
           ) AS late
    FROM measured m
    LEFT JOIN servicerequests_servicerequest r ON r.contract_id = m.id
    GROUP BY m.id
),
closed_rounds AS (
    SELECT ro.id, rt.contract_id, json_array_length(ro.checkpoint_ids::JSON) AS due
    FROM patrols_patrolround ro
    JOIN patrols_patrolroute rt ON rt.id = ro.route_id
    WHERE rt.contract_id IN (SELECT id FROM measured)
      AND ro.window_start >= $start AND ro.window_start < $end
      AND ro.status NOT IN ('pending', 'in_progress')
),
patrols AS (
    SELECT c.contract_id, coalesce(sum(c.due), 0) AS due,
           coalesce(max(mc.n), 0) AS missed
    FROM closed_rounds c
    LEFT JOIN (
        SELECT cr.contract_id, count(*) AS n
        FROM patrols_missedcheckpoint mc JOIN closed_rounds cr ON cr.id = mc.round_id
        GROUP BY cr.contract_id
    ) mc ON mc.contract_id = c.contract_id
    GROUP BY c.contract_id
),
incidents AS (
    SELECT m.id AS contract_id, count(i.id) AS n,
           count(i.id) FILTER (
               WHERE i.on_scene_at > i.reported_at + i.target_minutes * INTERVAL 1 MINUTE
                  OR (i.on_scene_at IS NULL
                      AND i.reported_at < $until - i.target_minutes * INTERVAL 1 MINUTE)
           ) AS late,
           max(epoch(i.on_scene_at - i.reported_at)) AS worst_seconds
    FROM measured m
    LEFT JOIN patrols_incident i
      ON i.contract_id = m.id AND i.reported_at >= $start AND i.reported_at < $until
    GROUP BY m.id
),
rules AS (
    SELECT * FROM sensors_sensorrule WHERE standard_code <> '' AND is_active
),
watched AS (
    SELECT DISTINCT cz.contract_id, d.id AS device_id, d.kind
    FROM sensors_device d
    JOIN parks_facility f ON f.id = d.facility_id
    JOIN contracts_contract_zones cz ON cz.zone_id = f.zone_id
    JOIN contracts_contract c ON c.id = cz.contract_id
    JOIN service_of s ON s.kind = d.kind AND s.service_kind = c.service_kind
    WHERE cz.contract_id IN (SELECT id FROM measured)
      AND d.created_at < $end AND (d.revoked_at IS NULL OR d.revoked_at >= $start)
),
steps AS (
    SELECT device_id, name, value,
           epoch(coalesce(lead(observed_at) OVER w, $until) - observed_at) AS seconds
    FROM sensors_reading
    WHERE observed_at >= $start AND observed_at < $until
      AND name IN (SELECT quantity FROM rules)
    WINDOW w AS (PARTITION BY device_id, name ORDER BY observed_at)
),
above AS (
    SELECT r.id AS rule_id, s.device_id,
           sum(CASE WHEN s.value >= r.threshold THEN s.seconds ELSE 0 END) AS seconds
    FROM steps s JOIN rules r ON r.quantity = s.name
    GROUP BY ALL
),
alerted AS (
    SELECT a.contract_id, r.standard_code, a.device_id, count(*) AS n
    FROM sensors_alert a JOIN rules r ON r.id = a.rule_id
    WHERE a.contract_id IN (SELECT id FROM measured)
      AND a.raised_at >= $start AND a.raised_at < $until
    GROUP BY ALL
),
sensors AS (
    SELECT w.contract_id, r.standard_code, r.id AS rule_id,
           count(*) AS devices,
           count(al.device_id) AS alerted_devices,
           coalesce(sum(al.n), 0) AS alerts,
           coalesce(sum(ab.seconds), 0) AS seconds
    FROM watched w
    JOIN rules r ON r.device_kind = w.kind
    LEFT JOIN alerted al
      ON al.contract_id = w.contract_id AND al.standard_code = r.standard_code
     AND al.device_id = w.device_id
    LEFT JOIN above ab ON ab.rule_id = r.id AND ab.device_id = w.device_id
    GROUP BY ALL
)
SELECT contract_id, key, checked, checked - failed, failed, NULL FROM insp WHERE checked > 0
UNION ALL SELECT contract_id, 'rectification', due, due - late, late, NULL FROM rect
UNION ALL SELECT contract_id, 'complaints', 0, 0, n, NULL FROM complaints
UNION ALL SELECT contract_id, 'sla', greatest(received, late), greatest(received, late) - late,
                 late, NULL FROM sla
UNION ALL SELECT contract_id, 'patrols', due, due - least(missed, due), least(missed, due), NULL
          FROM patrols
UNION ALL SELECT contract_id, 'incidents', n, n - late, late, worst_seconds FROM incidents
UNION ALL SELECT contract_id, 'sensors:' || standard_code || '#' || rule_id, devices,
                 devices - alerted_devices, alerts, seconds FROM sensors
"""


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench assess",
        description="Time manage.py assess's counting (measure) over a city-sized database "
        "beside DuckDB computing the same counts over an export; check they agree.",
    )
    add_city_arguments(parser)
    parser.add_argument("--month", help="YYYY-MM to assess (the city's last month)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, best kept (3)")
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR,
        help="folder for the JSON result (bench/results); '-' to write none",
    )
    args = parser.parse_args(list(argv))
    check_city_arguments(parser, args)
    if not 1 <= args.repeat <= 20:
        parser.error("--repeat must be between 1 and 20")
    return args


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def export_tables(folder: Path, start: datetime, until: datetime) -> dict[str, int]:
    """Each table's columns to ``folder/<table>.csv`` (with a header); rows per table. The
    readings are limited to the month measured (the only ones either side reads): a year of a
    city's readings is 17 M rows."""
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for table, columns in TABLES.items():
            path = folder / f"{table}.csv"
            where, params = "", []
            if table == "sensors_reading":
                where, params = " WHERE observed_at >= %s AND observed_at < %s", [start, until]
            if connection.vendor == "postgresql":
                select = ", ".join(_pg_column(name, kind) for name, kind in columns)
                with (
                    path.open("wb") as out,
                    cursor.copy(
                        f"COPY (SELECT {select} FROM {table}{where}) TO STDOUT"  # noqa: S608 (fixed names)
                        " WITH (FORMAT csv, HEADER)",
                        params,
                    ) as copy,
                ):
                    for block in copy:
                        out.write(block)
            else:
                names = ", ".join(name for name, _kind in columns)
                cursor.execute(f"SELECT {names} FROM {table}{where}", params)  # noqa: S608 (fixed names)
                with path.open("w", newline="") as out:
                    writer = csv.writer(out)
                    writer.writerow([name for name, _kind in columns])
                    writer.writerows(cursor.fetchall())
            with path.open("rb") as written:
                rows[table] = sum(1 for _ in written) - 1
    return rows


def _pg_column(name: str, kind: str) -> str:
    if kind == "T":
        return f"({name} AT TIME ZONE 'UTC') AS {name}"
    if kind == "J":
        return f"{name}::text AS {name}"
    return name


def load_duckdb(folder: Path, contract_ids: list[int]) -> Any:
    import duckdb

    from parkpact.sensors.models import Device

    con = duckdb.connect(":memory:")
    for table, columns in TABLES.items():
        types = {name: {"T": "TIMESTAMP", "J": "VARCHAR"}.get(kind, kind) for name, kind in columns}
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true, columns = ?)",  # noqa: S608
            [str(folder / f"{table}.csv"), types],
        )
    con.execute("CREATE TABLE measured (id BIGINT)")
    con.executemany("INSERT INTO measured VALUES (?)", [[pk] for pk in contract_ids])
    con.execute("CREATE TABLE service_of (kind VARCHAR, service_kind VARCHAR)")
    con.executemany(
        "INSERT INTO service_of VALUES (?, ?)",
        [[str(kind), str(service)] for kind, service in Device.SERVICE_OF.items()],
    )
    return con


def duckdb_counts(con: Any, start: datetime, end: datetime, until: datetime) -> dict[Any, Counts]:
    rows = con.execute(
        COUNTS_SQL,
        {"start": _naive_utc(start), "end": _naive_utc(end), "until": _naive_utc(until)},
    ).fetchall()
    found: dict[Any, Counts] = {}
    hundredth, tenth = Decimal("0.01"), Decimal("0.1")
    for contract_id, key, checked, passed, occurrences, extra in rows:
        if key.startswith("sensors:"):
            # Per rule, as measure() adds them up: hours rounded per rule, then summed.
            key = key.split("#")[0]
            hours = (Decimal(extra) / 3600).quantize(hundredth, rounding=ROUND_HALF_UP)
            before = found.get((contract_id, key), (0, 0, 0, Decimal(0)))
            found[(contract_id, key)] = (
                before[0] + checked,
                before[1] + passed,
                before[2] + occurrences,
                (before[3] or Decimal(0)) + hours,
            )
            continue
        value = None
        if key == "incidents" and extra is not None:
            value = (Decimal(extra) / 60).quantize(tenth, rounding=ROUND_HALF_UP)
        found[(contract_id, key)] = (checked, passed, occurrences, value)
    return found


def measured_counts(found: dict[Any, Any]) -> dict[Any, Counts]:
    return {
        key: (m.checked, m.passed, m.occurrences, m.extra_value)
        for key, m in found.items()
        if m.available
    }


def differences(ours: dict[Any, Counts], theirs: dict[Any, Counts]) -> list[dict[str, Any]]:
    return [
        {"contract": key[0], "key": key[1], "measure": ours.get(key), "duckdb": theirs.get(key)}
        for key in sorted(set(ours) | set(theirs), key=str)
        if ours.get(key) != theirs.get(key)
    ]


def main(argv: Sequence[str]) -> int:
    opts = _parse(argv)
    try:
        return _run(opts)
    except BenchFailed as failure:
        print(f"assess: {failure}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("assess: interrupted.", file=sys.stderr)
        return 130


def _run(opts: argparse.Namespace) -> int:
    parameters = city_parameters(opts)
    _log(f"city: {parameters}")
    try:
        sizes, build_seconds = ensure_city(opts.database, parameters, rebuild=opts.rebuild)
    except Exception as error:
        raise BenchFailed(f"Cannot build the city in {opts.database}: {error}") from error
    _log("city reused" if build_seconds is None else f"city built in {build_seconds:.1f} s")

    from parkpact.assessments import services
    from parkpact.assessments.measure import Month, measure
    from parkpact.assessments.models import Assessment

    facts = environment_facts()
    month = (
        datetime.strptime(opts.month, "%Y-%m").date() if opts.month else parameters.assessed_month
    )
    period = Month.of(month)
    now = period.end  # the month is over: everything due in it counts
    contracts = services.contracts_in_term(month)
    if not contracts:
        raise BenchFailed(f"No contract in force in {month:%Y-%m}.")
    folder = Path(tempfile.mkdtemp(prefix="parkpact-assess-"))
    try:
        _log("export")
        started = time.perf_counter()
        exported = export_tables(folder, period.start, period.until)
        export_seconds = time.perf_counter() - started
        started = time.perf_counter()
        con = load_duckdb(folder, [c.pk for c in contracts])
        load_seconds = time.perf_counter() - started
        # measure() and DuckDB alternate (M D M D …), so that both meet the same background
        # load; the best of each is kept.
        _log(
            f"measure() and DuckDB, alternating {opts.repeat} times: {len(contracts)} "
            f"contracts, {month:%Y-%m}"
        )
        measure_seconds, duck_seconds = float("inf"), float("inf")
        for _ in range(opts.repeat):
            seconds, found = best_of(1, lambda: measure(contracts, month, now))
            measure_seconds = min(measure_seconds, seconds)
            seconds, theirs = best_of(
                1, lambda: duckdb_counts(con, period.start, period.end, period.until)
            )
            duck_seconds = min(duck_seconds, seconds)
        con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours = measured_counts(found)

    Assessment.objects.filter(month=month, status=Assessment.Status.DRAFT).delete()
    _log("compute_month(): writing every draft")
    started = time.perf_counter()
    done, refused = services.compute_month(month=month, by=None, contracts=contracts, now=now)
    compute_seconds = time.perf_counter() - started

    import duckdb

    different = differences(ours, theirs)
    ratio = measure_seconds / duck_seconds
    result = {
        "benchmark": "assess",
        "at": datetime.now(tz=UTC).isoformat(),
        "environment": {**facts, "duckdb": duckdb.__version__},
        "options": {k: str(v) for k, v in vars(opts).items()},
        "city": {"parameters": vars(parameters), "build_seconds": build_seconds, "rows": sizes},
        "month": f"{month:%Y-%m}",
        "contracts": len(contracts),
        "keys": len(ours),
        "measure_seconds": measure_seconds,
        "compute_month_seconds": compute_seconds,
        "drafts_written": len(done),
        "refused": [(c.number, " ".join(e.messages)) for c, e in refused],
        "export_seconds": export_seconds,
        "exported_rows": exported,
        "duckdb_load_seconds": load_seconds,
        "duckdb_seconds": duck_seconds,
        "ratio": ratio,
        "goal": GOAL,
        "differences": len(different),
    }
    if opts.results is not None and str(opts.results) != "-":
        opts.results.mkdir(exist_ok=True)
        path = opts.results / f"assess-{datetime.now(tz=UTC):%Y%m%dT%H%M%SZ}.json"
        path.write_text(json.dumps(result, indent=2, default=str))
        where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    else:
        where = "not written"
    print(_table(result, different))
    print(f"results in {where}")
    return 0 if not different and ratio <= GOAL else 1


def _table(result: dict[str, Any], different: list[dict[str, Any]]) -> str:
    city = result["city"]
    built = city["build_seconds"]
    lines = ["City (rows per table):"]
    lines += [f"  {table:<34}{rows:>12,}" for table, rows in city["rows"].items()]
    lines.append(
        "  generation: " + ("reused (built earlier)" if built is None else f"{built:.1f} s")
    )
    lines.append(
        f"Month {result['month']}: {result['contracts']} contracts, {result['keys']} measures"
    )
    lines.append(f"{'step':<44}{'seconds':>10}")
    for label, key in (
        ("measure(), best of repeat", "measure_seconds"),
        ("compute_month() (writes the drafts), once", "compute_month_seconds"),
        ("export (CSV)", "export_seconds"),
        ("DuckDB load", "duckdb_load_seconds"),
        ("DuckDB counts, best of repeat", "duckdb_seconds"),
    ):
        lines.append(f"{label:<44}{result[key]:>10.3f}")
    lines.append(
        f"measure ÷ DuckDB = {result['ratio']:.2f} (goal ≤ {GOAL:g}); "
        f"drafts written {result['drafts_written']}, refused {len(result['refused'])}"
    )
    if different:
        lines.append(f"DIFFERENCES ({len(different)}), first 30:")
        lines += [
            f"  contract {d['contract']} {d['key']}: measure {d['measure']} duckdb {d['duckdb']}"
            for d in different[:30]
        ]
    else:
        lines.append("Counts identical (checked, passed, occurrences, further measure).")
    return "\n".join(lines)
