"""The suite: every benchmark in one run, one results file, one table (`make bench`).

``python -m bench [--scale N] [--only NAME …]`` runs each benchmark in its own process (each one
configures Django for its own database), against PostgreSQL, with the app under gunicorn on
127.0.0.1, then:

1. reads back the JSON each one wrote (``bench/results/<name>-<UTC time>.json``, scratch files
   that git ignores);
2. writes ``bench/results/<YYYY-MM-DD>.json`` — every benchmark's figures, the machine (CPUs,
   memory, load average before and after, git commit), the scale and the wall time — and
   ``bench/results/<YYYY-MM-DD>.md``, one row per workload: figure, floor, ratio, goal, met?
   (a run with ``--only`` or another scale than 1 adds a suffix: ``<date>-scale3.json``,
   ``<date>-only-portal.md``);
3. replaces the table in ``docs/performance.md`` between its marker comments (full runs at
   scale 1 only: that table is the reference one).

Exit status: 0 when every benchmark ran and met its goals, 1 when a goal was missed (or a
check failed), 2 when a benchmark could not run. Each benchmark still runs alone with
``python -m bench NAME [OPTIONS]``.
"""

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DOC = ROOT / "docs" / "performance.md"
BEGIN = "<!-- bench:table:begin -->"
END = "<!-- bench:table:end -->"
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"  # scratch databases are made on it
RSS_GOAL_MIB = 250.0  # a gunicorn worker's peak resident set, under

# The order they run in, and the options the suite gives each (scratch databases on the local
# PostgreSQL; the city ones get --scale). GETs of Open311 one at a time: a GET's own time, as
# the portal's pages are judged at concurrency 1.
ORDER = ("open311", "offline_replay", "ingest", "assess", "portal")
OPTIONS: dict[str, list[str]] = {
    "open311": ["--database", POSTGRES, "--get-concurrency", "1"],
    "offline_replay": ["--database", POSTGRES],
    "ingest": ["--database", POSTGRES],
    "assess": ["--repeat", "5"],
    "portal": [],
}
CITY = {"assess", "portal"}
TIME_LIMIT = {  # seconds, each; a benchmark still running then is stopped
    "open311": 1800,
    "offline_replay": 1200,
    "ingest": 900,
    "assess": 1800,
    "portal": 2400,
}


@dataclass
class Row:
    workload: str
    figure: str
    floor: str
    ratio: str
    goal: str
    met: bool | None  # None: reported, no goal


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="the city's evidence multiplier (1)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=ORDER,
        default=[],
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(ORDER)}",
    )
    args = parser.parse_args(list(argv))
    if not 0.01 <= args.scale <= 20:
        parser.error("--scale must be between 0.01 and 20")
    return args


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] suite: {message}", file=sys.stderr, flush=True)


def _git(*args: str) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(  # noqa: S603 (our own arguments)
            ["git", *args],  # noqa: S607 (git from PATH, fixed arguments)
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    return ""


def _memory_mib() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return None


def _load() -> list[float]:
    with contextlib.suppress(OSError):
        return [round(value, 2) for value in os.getloadavg()]
    return []


def run_one(name: str, scale: float) -> dict[str, Any]:
    """``python -m bench NAME …`` in its own process; its exit status, time and JSON result."""
    argv = [*OPTIONS[name], "--results", str(RESULTS_DIR)]
    if name in CITY:
        argv += ["--scale", f"{scale:g}"]
    command = [sys.executable, "-m", "bench", name, *argv]
    _log(f"{name}: {' '.join(command[1:])}")
    before = time.time()
    started = time.perf_counter()
    try:
        status = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            command, cwd=ROOT, timeout=TIME_LIMIT[name], check=False
        ).returncode
    except subprocess.TimeoutExpired:
        status = 2
        _log(f"{name}: stopped after {TIME_LIMIT[name]} s")
    seconds = time.perf_counter() - started
    written = sorted(
        (path for path in RESULTS_DIR.glob(f"{name}-*.json") if path.stat().st_mtime >= before),
        key=lambda path: path.stat().st_mtime,
    )
    result = json.loads(written[-1].read_text()) if written else None
    _log(f"{name}: exit {status} after {seconds:.0f} s")
    return {
        "exit": status,
        "seconds": round(seconds, 1),
        "file": str(written[-1].relative_to(ROOT)) if written else None,
        "result": result,
    }


# ---------------------------------------------------------------------------------------------
# One row per workload
# ---------------------------------------------------------------------------------------------


def _n(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def rows_open311(result: dict[str, Any]) -> list[Row]:
    from bench.open311 import GET_GOAL_MS, POST_GOAL

    post, floor = result["post"], result["post_floor"]
    get, get_floor = result["get"], result["get_floor"]
    ratio = result["post_ratio"]["throughput"]
    return [
        Row(
            "Open311 `POST requests.json`",
            f"{_n(post['per_second'])} req/s (p95 {_n(post['p95_ms'], 0)} ms)",
            f"{_n(floor['per_second'])} req/s: a bare view inserting one row",
            f"{ratio:.3f}",
            f"≥ {POST_GOAL:.2f}",
            ratio >= POST_GOAL,
        ),
        Row(
            "Open311 `GET requests.json`, 90-day window (1,000 items), one at a time",
            f"p95 {_n(get['p95_ms'], 0)} ms, {_n(get['per_second'])} req/s",
            f"p95 {_n(get_floor['p95_ms'])} ms, {_n(get_floor['per_second'])} req/s: "
            "a bare view selecting one row",
            f"{result['get_ratio']['throughput']:.3f}",
            f"p95 < {GET_GOAL_MS:.0f} ms",
            get["p95_ms"] < GET_GOAL_MS,
        ),
    ]


def rows_offline_replay(result: dict[str, Any]) -> list[Row]:
    replay, floor, direct = result["replay"], result["floor"], result.get("direct") or {}
    duplicates = result["database"]["duplicates_total"]
    rows = []
    if direct.get("measured"):
        rows.append(
            Row(
                "Inspector app's batch submission (`offline_replay`)",
                f"{_n(replay['submissions_per_second'])} submissions/s",
                f"{_n(direct['submissions_per_second'])} submissions/s: the same "
                f"{direct['rows']:,} rows inserted by plain SQL",
                f"{result['direct_ratio']:.4f}",
                "reported; duplicates 0",
                None if not duplicates and result["ok"] else False,
            )
        )
    rows.append(
        Row(
            "Inspector app's batch submission, per request",
            f"{_n(replay['per_second'])} req/s (p95 {_n(replay['p95_ms'], 0)} ms)",
            f"{_n(floor['per_second'])} req/s: `GET /healthz`",
            f"{result['ratio']['throughput']:.3f}",
            "reported; every retry replayed",
            None if result["ok"] else False,
        )
    )
    return rows


def rows_ingest(result: dict[str, Any]) -> list[Row]:
    from bench.ingest import GOAL

    http, floor, mqtt = result["http"], result["copy_floor"], result["mqtt"]
    ratio = result["http_share_of_copy"]
    return [
        Row(
            "Sensor ingestion, HTTP SenML batches of 1,000",
            f"{_n(http['per_second'], 0)} readings/s",
            f"{_n(floor['per_second'], 0)} rows/s: PostgreSQL `COPY`",
            f"{ratio:.3f}",
            f"≥ {GOAL:.2f}",
            ratio >= GOAL and http["stored"] == http["readings"],
        ),
        Row(
            "Sensor ingestion, MQTT (one worker, 20 a message)",
            f"{_n(mqtt['per_second'], 0)} readings/s",
            f"{_n(floor['per_second'], 0)} rows/s: PostgreSQL `COPY`",
            f"{mqtt['per_second'] / floor['per_second']:.3f}",
            "reported",
            None if mqtt["stored"] == mqtt["readings"] else False,
        ),
    ]


def rows_assess(result: dict[str, Any]) -> list[Row]:
    from bench.assess import GOAL

    ratio = result["ratio"]
    return [
        Row(
            f"`assess`: measure() for the {result['contracts']} contracts of {result['month']}",
            f"{result['measure_seconds']:.2f} s",
            f"{result['duckdb_seconds']:.2f} s: DuckDB over an export of the same rows",
            f"{ratio:.2f}",
            f"≤ {GOAL:g}",
            ratio <= GOAL and not result["differences"],
        )
    ]


def rows_portal(result: dict[str, Any]) -> list[Row]:
    from bench.portal import GOAL_MS

    rows = []
    for label, row in result["pages"].items():
        cell = row.get("1")
        if cell is None:
            continue
        page, floor = cell["page"], cell["floor"]
        queries = result["queries"][label]["queries"]
        rows.append(
            Row(
                f"page: {label} `{row['path'].split('?')[0]}`",
                f"p50/p95/p99 {_n(page['p50_ms'])} / **{_n(page['p95_ms'])}** / "
                f"{_n(page['p99_ms'])} ms, {queries} queries",
                f"p95 {_n(floor['p95_ms'])} ms: `GET /healthz`",
                f"{cell['p95_ratio']:.1f}",
                f"p95 < {GOAL_MS:.0f} ms",
                page["p95_ms"] < GOAL_MS and set(page["statuses"]) == {"200"},
            )
        )
    return rows


ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "open311": rows_open311,
    "offline_replay": rows_offline_replay,
    "ingest": rows_ingest,
    "assess": rows_assess,
    "portal": rows_portal,
}


def rows_rss(runs: dict[str, dict[str, Any]]) -> list[Row]:
    rows = []
    for name, run in runs.items():
        peaks = (run["result"] or {}).get("worker_peak_rss_mib") or {}
        if not peaks:
            continue
        highest = max(peaks.values())
        rows.append(
            Row(
                f"gunicorn worker peak RSS, `{name}`'s server ({len(peaks)} workers)",
                f"{highest:.0f} MiB (lowest {min(peaks.values()):.0f})",
                "—",
                "—",
                f"< {RSS_GOAL_MIB:.0f} MiB",
                highest < RSS_GOAL_MIB,
            )
        )
    return rows


def rows_of(runs: dict[str, dict[str, Any]]) -> list[Row]:
    rows = []
    for name, run in runs.items():
        if run["result"] is None:
            rows.append(Row(f"`{name}`", "did not run", "—", "—", "—", False))
            continue
        try:
            rows += ROWS[name](run["result"])
        except (KeyError, TypeError, ZeroDivisionError) as error:
            rows.append(Row(f"`{name}`", f"unreadable result ({error!r})", "—", "—", "—", False))
    return rows + rows_rss(runs)


def markdown(summary: dict[str, Any], rows: Sequence[Row]) -> str:
    machine, suite = summary["machine"], summary["suite"]
    load = machine["load_before"], machine["load_after"]
    lines = [
        f"`{suite['command']}` on {suite['date']}, commit `{machine['commit'] or '?'}`, "
        f"city scale {suite['scale']:g}; {machine['cpus']} CPUs, "
        f"{machine['memory_mib'] or '?'} MiB, {machine['database'] or 'PostgreSQL'}; load "
        f"average {load[0][0] if load[0] else '?'} before, {load[1][0] if load[1] else '?'} "
        f"after; wall time {suite['wall_seconds'] / 60:.1f} min. Ratios are figure ÷ floor "
        "(for pages: p95 ÷ the floor's p95), both measured in the same run.",
        "",
        "| Workload | Figure | Floor | Ratio | Goal | Met? |",
        "|---|---|---|---|---|---|",
    ]
    verdict = {True: "yes", False: "**no**", None: "—"}
    lines += [
        f"| {r.workload} | {r.figure} | {r.floor} | {r.ratio} | {r.goal} | {verdict[r.met]} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def update_doc(table: str) -> bool:
    """Replace what lies between the markers of docs/performance.md; False when they are
    missing."""
    if not DOC.exists():
        return False
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")
    return True


def main(argv: Sequence[str]) -> int:
    opts = _parse(argv)
    names = [name for name in ORDER if not opts.only or name in opts.only]
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    load_before = _load()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    runs: dict[str, dict[str, Any]] = {}
    try:
        for name in names:
            runs[name] = run_one(name, opts.scale)
    except KeyboardInterrupt:
        _log("interrupted")
        return 2
    wall = time.perf_counter() - started
    rows = rows_of(runs)
    environments = [run["result"]["environment"] for run in runs.values() if run["result"]]
    suffix = ""
    if opts.scale != 1:
        suffix += f"-scale{opts.scale:g}"
    if opts.only:
        suffix += "-only-" + "-".join(names)
    command = " ".join(["python -m bench", *argv])
    summary: dict[str, Any] = {
        "suite": {
            "command": command,
            "date": f"{started_at:%Y-%m-%d}",
            "started": started_at.isoformat(timespec="seconds"),
            "wall_seconds": round(wall, 1),
            "scale": opts.scale,
            "benchmarks": names,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "memory_mib": _memory_mib(),
            "load_before": load_before,
            "load_after": _load(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "database": next((e.get("database") for e in environments), None),
            "django": next((e.get("django") for e in environments), None),
            "commit": _git("describe", "--always", "--dirty", "--abbrev=7"),
        },
        "rows": [asdict(row) for row in rows],
        "benchmarks": runs,
    }
    if any(run["exit"] not in {0, 1} or run["result"] is None for run in runs.values()):
        status = 2
    elif any(run["exit"] == 1 for run in runs.values()) or any(r.met is False for r in rows):
        status = 1
    else:
        status = 0
    summary["exit"] = status
    table = markdown(summary, rows)
    stem = RESULTS_DIR / f"{started_at:%Y-%m-%d}{suffix}"
    Path(f"{stem}.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n"
    )
    Path(f"{stem}.md").write_text(f"# Benchmarks, {started_at:%Y-%m-%d}{suffix}\n\n{table}")
    print(f"\n{table}")
    print(f"written to {stem.relative_to(ROOT)}.json and .md")
    if not suffix:
        if update_doc(table):
            print(f"table replaced in {DOC.relative_to(ROOT)}")
        else:
            print(f"no {BEGIN} … {END} in {DOC.relative_to(ROOT)}: table not copied")
    _log(f"exit {status} after {wall / 60:.1f} min")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
