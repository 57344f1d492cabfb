"""The database a city lives in: its marker, its size, whether it holds other data, erasing it,
and the statistics and layout a bulk load leaves undone.

The marker is a table outside Django's models (``bench_city``, a name the benchmarks gave it)
with one row: the parameters the city was built with, builder version included. A database
whose marker equals the parameters asked for holds that city already.
"""

import json
from dataclasses import asdict
from datetime import UTC, datetime

from django.db import connection, transaction

from parkpact.city.parameters import CityParameters

MARKER_TABLE = "bench_city"
HISTORY_TABLE = "bench_city_history"  # history.py's marker: erased with the city
# Reference tables that migrations fill and the city reads: kept when a database is erased.
KEPT_TABLES = {
    "django_content_type",
    "auth_permission",
    "servicerequests_service",
    "servicerequests_serviceattribute",
    "sensors_sensorrule",
}
SIZE_TABLES = [
    "core_user",
    "providers_provider",
    "parks_park",
    "parks_zone",
    "parks_facility",
    "contracts_contract",
    "contracts_contract_zones",
    "contracts_performancestandard",
    "inspections_surveillanceplan",
    "inspections_inspection",
    "inspections_finding",
    "inspections_rectificationorder",
    "servicerequests_servicerequest",
    "patrols_patrolround",
    "patrols_missedcheckpoint",
    "patrols_incident",
    "sensors_device",
    "sensors_alert",
    "sensors_reading",
    "assessments_assessment",
    "assessments_paymentcertificate",
    "procurement_tender",
    "procurement_lot",
    "procurement_bid",
    "procurement_bidscore",
    "procurement_award",
]


def city_size() -> dict[str, int]:
    """Rows per table of everything the city holds (the tables ``assess`` counts in)."""
    sizes = {}
    with connection.cursor() as cursor:
        for table in SIZE_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            sizes[table] = int(cursor.fetchone()[0])
    return sizes


def database_bytes() -> int | None:
    """The database's size on disk (PostgreSQL; SQLite's pages × page size)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            )
        else:
            return None
        return int(cursor.fetchone()[0])


# ---------------------------------------------------------------------------------------------
# The marker
# ---------------------------------------------------------------------------------------------


def read_marker() -> CityParameters | None:
    """The parameters of the city in the database, None when it holds none. A marker written
    before the builder had a version is version 1."""
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT parameters FROM {MARKER_TABLE}")  # noqa: S608
        row = cursor.fetchone()
    if not row:
        return None
    values = json.loads(row[0])
    values.setdefault("version", 1)
    try:
        return CityParameters(**values)
    except TypeError:  # a marker from a later builder, with fields this one lacks
        return None


def write_marker(parameters: CityParameters) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (parameters TEXT NOT NULL, built_at TEXT)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s)",  # noqa: S608
            [json.dumps(asdict(parameters)), datetime.now(tz=UTC).isoformat()],
        )


# ---------------------------------------------------------------------------------------------
# Other data, and erasing it
# ---------------------------------------------------------------------------------------------


def data_found() -> dict[str, int]:
    """What the database holds besides migrations' reference rows: rows per kind of record,
    only the kinds that have some (empty: the database is fresh)."""
    from parkpact.contracts.models import Contract
    from parkpact.core.models import AuditEvent, User
    from parkpact.parks.models import Park
    from parkpact.procurement.models import Tender
    from parkpact.providers.models import Provider
    from parkpact.servicerequests.models import ServiceRequest

    found = {}
    for label, model in (
        ("users", User),
        ("parks", Park),
        ("providers", Provider),
        ("contracts", Contract),
        ("tenders", Tender),
        ("service requests", ServiceRequest),
        ("audit events", AuditEvent),
    ):
        rows = model.objects.count()
        if rows:
            found[label] = rows
    return found


def erase_database() -> None:
    """Delete every row of every ParkPact and Django table but the reference ones that
    migrations filled (the service catalogue, the sensor rules, content types, permissions),
    and the city's markers; ids start again from 1. PostgreSQL TRUNCATEs (which the audit
    ledger's append-only trigger, a row trigger, does not see)."""
    from django.core.management.color import no_style

    tables = [
        table
        for table in connection.introspection.django_table_names(only_existing=True)
        if table not in KEPT_TABLES
    ]
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=False
    )
    existing = set(connection.introspection.table_names())
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows written earlier in the same transaction (a test's) still have deferred
            # foreign-key checks pending, and TRUNCATE refuses such a table: run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in statements:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for marker in (MARKER_TABLE, HISTORY_TABLE):
            if marker in existing:
                cursor.execute(f"DROP TABLE {marker}")


# ---------------------------------------------------------------------------------------------
# After a bulk load
# ---------------------------------------------------------------------------------------------


def analyze(*, always: bool) -> None:
    """Planner statistics for the bulk-loaded tables (VACUUM ANALYZE on PostgreSQL, ANALYZE on
    SQLite and inside a transaction): a server with autovacuum off would otherwise plan every
    query on empty-table guesses, which no production database does. Skipped when done before,
    unless ``always``."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        cursor.execute(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname = %s"
            " AND last_analyze IS NULL AND last_autoanalyze IS NULL",
            ["servicerequests_servicerequest"],
        )
        if always or cursor.fetchone()[0]:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")


def cluster_requests() -> None:
    """Lay the service requests out in the order they were made, as a live system's inserts
    do. The builder writes them in that order since version 2; the first one wrote them in
    random order, which spread any window of days over every page of the table (the portal's
    90 days read all of it). Ids and contents are unchanged. PostgreSQL only (SQLite has no
    CLUSTER); kept for the benchmarks."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Within the transaction that wrote them, the rows' deferred foreign-key checks are
            # still pending, and CLUSTER refuses a table with pending trigger events: run them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("CLUSTER servicerequests_servicerequest USING sr_requested_idx")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
