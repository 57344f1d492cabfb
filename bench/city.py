"""The benchmarks' city: ``parkpact.city``'s generator on a database of the bench's choosing.

The generator moved into the product (``parkpact/city/``, ``manage.py seed_city``; docs/city.md
says what it makes, its sizes and times). This module keeps what the benchmarks import from it —
every name below is re-exported — and what only they need: ``create_database`` and
``configure`` (a database named by URL, created if missing), ``ensure_city`` (reused when its
marker matches, else rebuilt; builder version included, so a city of an older builder is
rebuilt), the shared ``--database/--parks/--months/--scale/--seed/--rebuild`` arguments, and the
CLI ``python -m bench.city`` that builds it alone.
"""

import argparse
import contextlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from parkpact.city.build import (
    GRID_ORIGIN,
    OTHER_ZONE_KINDS,
    PARK_CELL,
    ROUND_HOURS,
    ZONE_SIZE,
    ZONE_STEP,
    _Builder,
    _Park,
    build_city,
)
from parkpact.city.bulk import BATCH
from parkpact.city.database import (
    MARKER_TABLE,
    analyze,
    city_size,
    cluster_requests,
    read_marker,
    write_marker,
)
from parkpact.city.history import (
    HISTORY_TABLE,
    HISTORY_VERSION,
    TENDER_STATUSES,
    TENDERS,
    _History,
    build_with_history,
    ensure_history,
    read_history_marker,
    write_history_marker,
)
from parkpact.city.parameters import (
    BUILDER_VERSION,
    FIRST_MONTH,
    INCIDENTS_PER_MONTH,
    LOCAL,
    READING_SECONDS,
    REQUESTS_PER_PARK_YEAR,
    VISITS,
    CityParameters,
    add_months,
    check_parameters,
    month_start,
)

__all__ = [
    "BATCH",
    "BUILDER_VERSION",
    "DEFAULT_DATABASE",
    "FIRST_MONTH",
    "GRID_ORIGIN",
    "HISTORY_TABLE",
    "HISTORY_VERSION",
    "INCIDENTS_PER_MONTH",
    "LOCAL",
    "MARKER_TABLE",
    "OTHER_ZONE_KINDS",
    "PARK_CELL",
    "READING_MINUTES",
    "READING_SECONDS",
    "REQUESTS_PER_PARK_YEAR",
    "ROOT",
    "ROUND_HOURS",
    "TENDERS",
    "TENDER_STATUSES",
    "VISITS",
    "ZONE_SIZE",
    "ZONE_STEP",
    "CityParameters",
    "_Builder",
    "_History",
    "_Park",
    "add_city_arguments",
    "add_months",
    "analyze",
    "build_city",
    "check_city_arguments",
    "city_parameters",
    "city_size",
    "cluster_requests",
    "configure",
    "create_database",
    "ensure_city",
    "ensure_history",
    "main",
    "month_start",
    "read_history_marker",
    "read_marker",
    "write_history_marker",
    "write_marker",
]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/parkpact_city"
READING_MINUTES = READING_SECONDS // 60


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.strip("/")
    if not name:
        raise ValueError("The database URL must name a database, e.g. …/parkpact_city.")
    return urlunsplit(parts._replace(path="/postgres")), name


def create_database(url: str, *, drop: bool = False) -> None:
    """Create the PostgreSQL database of ``url`` if missing (dropped first if ``drop``); for
    SQLite, remove the file if ``drop``."""
    if url.startswith("sqlite"):
        path = Path(urlsplit(url).path.removeprefix("/"))
        if drop:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if drop:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure(url: str) -> None:
    """Point this process's Django at the city database (settings read the environment)."""
    import secrets

    from bench.offline_replay import configure_django, server_environment

    data_dir = ROOT / "var" / "bench-city"
    data_dir.mkdir(parents=True, exist_ok=True)
    configure_django(server_environment(data_dir, url, secrets.token_urlsafe(50)))


def ensure_city(
    url: str, parameters: CityParameters, *, rebuild: bool = False, progress: bool = True
) -> tuple[dict[str, int], float | None]:
    """Connect Django to ``url`` and make sure it holds the city of ``parameters``: reused when
    it does, else (re)built; a reused city lacking its history (``ensure_history``) is topped
    up. Returns the rows per table and the seconds the build or top-up took (None when reused
    as it was)."""
    create_database(url)
    configure(url)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)
    if not rebuild and read_marker() == parameters:
        topped_up = ensure_history(parameters, progress=progress)
        analyze(always=topped_up is not None)
        return city_size(), topped_up
    from parkpact.parks.models import Park

    if Park.objects.exists() or rebuild:
        connections.close_all()
        create_database(url, drop=True)
        call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    build_with_history(parameters, progress=progress)
    analyze(always=True)
    return city_size(), time.perf_counter() - started


def add_city_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help=f"where the city lives, created if missing ({DEFAULT_DATABASE}); "
        "sqlite:///path/to/file.sqlite3 works too",
    )
    parser.add_argument("--parks", type=int, default=100, help="parks (100), two contracts each")
    parser.add_argument("--months", type=int, default=12, help="months of evidence (12)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="evidence multiplier: 1 = 1M service requests, a reading every 30 minutes (1)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if it is there")


def city_parameters(args: argparse.Namespace) -> CityParameters:
    return CityParameters(parks=args.parks, months=args.months, scale=args.scale, seed=args.seed)


def check_city_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    problems = check_parameters(parks=args.parks, months=args.months, scale=args.scale)
    if problems:
        parser.error(" ".join(problems))
    scheme = urlsplit(args.database).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        parser.error("--database takes a postgres://… or sqlite:///… URL")
    host = urlsplit(args.database).hostname
    if scheme != "sqlite" and host not in {"127.0.0.1", "localhost", "::1"}:
        parser.error("--database must be a server on this machine (127.0.0.1)")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.city", description="Build (or check) the city-sized database."
    )
    add_city_arguments(parser)
    args = parser.parse_args(list(argv))
    check_city_arguments(parser, args)
    sizes, seconds = ensure_city(args.database, city_parameters(args), rebuild=args.rebuild)
    for table, rows in sizes.items():
        print(f"{table:<34}{rows:>12,}")
    print("reused" if seconds is None else f"built in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
