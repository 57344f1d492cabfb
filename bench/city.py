"""A city-sized ParkPact database: 100 parks, 200 contracts and a year of evidence.

``build_city(parks=100, months=12, scale=1.0, seed=1)`` fills an empty, migrated database (the
one Django is connected to) with direct bulk inserts — no services, no ledger events, since
these are what make seeding slow — and returns the rows written per table. The same seed gives
the same rows, ids included (on a fresh database). What it makes:

- 20 providers (10 cleaning, 10 security companies), a manager and 20 inspectors;
- ``parks`` parks of 6–12 square zones each (a plaza and a toilet block in every park), with a
  bin in every zone, a toilet in every toilet block, 4–6 patrol checkpoints and fire equipment;
- two active contracts per park, cleaning and security, covering all its zones, each with a
  version in force carrying the Donghu demo's standards and pay bands (contracts.demo): between
  them every ``PerformanceStandard.Source``;
- for each of the ``months`` (from ``first_month``, January 2025 by default): surveillance plans
  (revealed) for the inspected standards, their inspections (94 % submitted) and findings (86 %
  pass, 9 % fail, 5 % not inspected), a rectification order for every failure (14 % put right
  late, 8 % not at all); patrol rounds six times a day with their checkpoints due and the ones
  missed (3 %, and 2 % of rounds missed outright); incidents (11 % reached late, 5 % never);
  sensor alerts (about one bin or toilet in three per month), half of them with an order;
- 100,000 × ``scale`` service requests over the year, most acknowledged, resolved and validated
  by the centre, 25 % of the validated ones the contractor's fault, some past their deadlines;
- one sensor per bin (fill level) and per toilet (NH₃), reading every 30 minutes during the
  last month only (the month ``assess`` measures): about 1.5 million readings for 100 parks.

``scale`` multiplies the evidence (inspections, incidents, service requests), not the city.
Run it alone with ``python -m bench.city`` (``--help``); ``python -m bench assess`` builds or
reuses it. A row in the table ``bench_city`` records what was built, so a database built with
the same parameters is reused rather than rebuilt.
"""

import argparse
import contextlib
import hashlib
import io
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/parkpact_city"
FIRST_MONTH = date(2025, 1, 1)
LOCAL = ZoneInfo("Asia/Shanghai")
REQUESTS_PER_SCALE = 100_000
BATCH = 5_000
MARKER_TABLE = "bench_city"
# Each park sits in its own 0.05° cell of a 10-wide grid; its zones are 0.001° squares in a row.
GRID_ORIGIN = (118.0, 24.5)
PARK_CELL = 0.05
ZONE_SIZE = 0.001
ZONE_STEP = 0.0015
OTHER_ZONE_KINDS = ("path", "lawn", "lakeshore", "playground", "parking", "woodland", "water")
ROUND_HOURS = (7, 10, 13, 16, 19, 22)  # local starts of the six daily patrol rounds
VISITS = {"CL-01": 24, "CL-02": 12, "SE-03": 6}  # zone-visits a month per plan, at scale 1
INCIDENTS_PER_MONTH = 15  # per security contract, at scale 1
READING_MINUTES = 30


@dataclass(frozen=True)
class CityParameters:
    """What a city is built from: equal parameters give an equal database."""

    parks: int = 100
    months: int = 12
    scale: float = 1.0
    seed: int = 1
    first_month: str = FIRST_MONTH.isoformat()

    @property
    def assessed_month(self) -> date:
        """The year's last month: the one with sensor readings, which ``assess`` measures."""
        return add_months(date.fromisoformat(self.first_month), self.months - 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    return datetime.combine(month, clock(), tzinfo=LOCAL).astimezone(UTC)


def build_city(
    *,
    parks: int = 100,
    months: int = 12,
    scale: float = 1.0,
    seed: int = 1,
    first_month: date = FIRST_MONTH,
    progress: bool = True,
) -> dict[str, int]:
    """Fill the (empty, migrated) default database with a city; rows written per table."""
    parameters = CityParameters(
        parks=parks, months=months, scale=scale, seed=seed, first_month=first_month.isoformat()
    )
    builder = _Builder(parameters, progress=progress)
    builder.build()
    write_marker(parameters)
    return city_size()


def city_size() -> dict[str, int]:
    """Rows per table of everything the city holds (the tables ``assess`` counts in)."""
    from django.db import connection

    tables = [
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
    sizes = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            sizes[table] = int(cursor.fetchone()[0])
    return sizes


# ---------------------------------------------------------------------------------------------
# The marker: what the database was built with
# ---------------------------------------------------------------------------------------------


def read_marker() -> CityParameters | None:
    from django.db import connection

    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT parameters FROM {MARKER_TABLE}")  # noqa: S608
        row = cursor.fetchone()
    return CityParameters(**json.loads(row[0])) if row else None


def write_marker(parameters: CityParameters) -> None:
    from django.db import connection

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
# The builder
# ---------------------------------------------------------------------------------------------


@dataclass
class _Park:
    pk: int
    index: int
    zones: list[Any]  # Zone
    toilets: list[Any]  # Facility
    bins: list[Any]  # Facility
    checkpoints: list[int]  # Checkpoint ids
    cleaning: Any = None  # Contract
    security: Any = None  # Contract


class _Builder:
    def __init__(self, parameters: CityParameters, *, progress: bool) -> None:
        self.p = parameters
        self.rng = random.Random(parameters.seed)
        self.progress = progress
        self.first = date.fromisoformat(parameters.first_month)
        self.months = [add_months(self.first, n) for n in range(parameters.months)]
        self.start = month_start(self.first)
        self.end = month_start(add_months(self.first, parameters.months))
        self.parks: list[_Park] = []
        self.standards: dict[tuple[int, str], Any] = {}  # (contract id, code) → standard
        self.orders: list[Any] = []
        self.alert_orders: list[tuple[Any, Any]] = []  # (alert, the order it opened)

    # -- helpers ---------------------------------------------------------------------------

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _token(self, length: int, alphabet: str = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ") -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def _moment(self, start: datetime, end: datetime) -> datetime:
        """A whole second between start and end."""
        return start + timedelta(seconds=self.rng.randrange(int((end - start).total_seconds())))

    def _save(self, model: Any, rows: Sequence[Any], label: str) -> list[Any]:
        """bulk_create in batches, with a progress bar for the big tables."""
        bar = tqdm(
            total=len(rows),
            desc=label,
            unit="row",
            unit_scale=True,
            disable=not self.progress or len(rows) < 20_000,
            file=sys.stderr,
        )
        with bar:
            for first in range(0, len(rows), BATCH):
                model.objects.bulk_create(rows[first : first + BATCH])
                bar.update(len(rows[first : first + BATCH]))
        return list(rows)

    def _log(self, message: str) -> None:
        if self.progress:
            print(f"[{datetime.now():%H:%M:%S}] city: {message}", file=sys.stderr, flush=True)

    # -- the build -------------------------------------------------------------------------

    def build(self) -> None:
        from django.db import transaction

        steps: list[tuple[str, Callable[[], None]]] = [
            ("providers and staff", self.people),
            ("parks, zones and facilities", self.city),
            ("contracts", self.contracts),
            ("plans, inspections, findings", self.inspections),
            ("service requests", self.service_requests),
            ("patrol rounds", self.patrols),
            ("incidents", self.incidents),
            ("sensors, alerts", self.sensors),
            ("rectification orders", self.save_orders),
            ("readings", self.readings),
        ]
        for label, step in steps:
            started = time.perf_counter()
            with transaction.atomic():
                step()
            self._log(f"{label}: {time.perf_counter() - started:.1f} s")

    def people(self) -> None:
        from parkpact.core.models import Role, User
        from parkpact.providers.credit_code import complete
        from parkpact.providers.models import Provider

        self.providers = self._save(
            Provider,
            [
                Provider(
                    name=f"City {'Cleaning' if n < 10 else 'Security'} Company {n % 10 + 1:02}",
                    short_name=f"{'CL' if n < 10 else 'SE'}{n % 10 + 1:02}",
                    credit_code=complete(f"9135050{900 + n:09}"[:16]),
                )
                for n in range(20)
            ],
            "providers",
        )
        unusable = "!"  # no sign-in: these accounts only own evidence
        users = [User(username="city-manager", role=Role.MANAGER, password=unusable)]
        users += [
            User(username=f"city-inspector-{n:02}", role=Role.INSPECTOR, password=unusable)
            for n in range(1, 21)
        ]
        saved = self._save(User, users, "users")
        self.inspectors = [u.pk for u in saved[1:]]

    def city(self) -> None:
        from parkpact.parks import geometry
        from parkpact.parks.models import Facility, Park, Zone
        from parkpact.patrols.models import Checkpoint

        parks = self._save(
            Park,
            [
                Park(code=f"city-{n:03}", name=f"City Park {n:03}", district=f"District {n % 12}")
                for n in range(1, self.p.parks + 1)
            ],
            "parks",
        )
        zones = []
        for n, park in enumerate(parks):
            lon0 = GRID_ORIGIN[0] + (n % 10) * PARK_CELL
            lat0 = GRID_ORIGIN[1] + (n // 10) * PARK_CELL
            count = self.rng.randint(6, 12)
            kinds = ["plaza", "toilet"] + [
                self.rng.choice(OTHER_ZONE_KINDS) for _ in range(count - 2)
            ]
            for i, kind in enumerate(kinds):
                lon = lon0 + i * ZONE_STEP
                ring = [
                    [lon, lat0],
                    [lon + ZONE_SIZE, lat0],
                    [lon + ZONE_SIZE, lat0 + ZONE_SIZE],
                    [lon, lat0 + ZONE_SIZE],
                    [lon, lat0],
                ]
                boundary = {"type": "Polygon", "coordinates": [ring]}
                west, south, east, north = geometry.bounds(boundary)
                zones.append(
                    Zone(
                        park=park,
                        code=f"Z{i + 1:02}",
                        name=f"{kind.title()} {i + 1}",
                        kind=kind,
                        boundary=boundary,
                        area_m2=Decimal(str(round(geometry.geodesic_area_m2(boundary), 1))),
                        qr_token=self._token(16),
                        west=west,
                        south=south,
                        east=east,
                        north=north,
                    )
                )
        zones = self._save(Zone, zones, "zones")
        by_park: dict[int, list[Any]] = {}
        for zone in zones:
            by_park.setdefault(zone.park_id, []).append(zone)
        facilities = []
        for n, park in enumerate(parks):
            park_zones = by_park[park.pk]
            guarded = self.rng.randint(4, 6)
            for i, zone in enumerate(park_zones):
                place = {
                    "zone": zone,
                    "longitude": Decimal(str(round(zone.west + ZONE_SIZE / 2, 6))),
                    "latitude": Decimal(str(round(zone.south + ZONE_SIZE / 2, 6))),
                }
                prefix = f"C{n + 1:03}-{zone.code}"
                facilities.append(
                    Facility(code=f"{prefix}-BIN", name="Bin", kind=Facility.Kind.BIN, **place)
                )
                if zone.kind == "toilet":
                    facilities.append(
                        Facility(code=f"{prefix}-WC", name="Toilet", kind="toilet", **place)
                    )
                if i < guarded:
                    facilities.append(
                        Facility(code=f"{prefix}-CP", name="Checkpoint", kind="checkpoint", **place)
                    )
                if i == 0:
                    facilities.append(
                        Facility(
                            code=f"{prefix}-FIRE",
                            name="Extinguisher",
                            kind="fire_equipment",
                            **place,
                        )
                    )
        facilities = self._save(Facility, facilities, "facilities")
        checkpoints = self._save(
            Checkpoint,
            [Checkpoint(facility=f) for f in facilities if f.kind == "checkpoint"],
            "checkpoints",
        )
        checkpoint_of = {c.facility_id: c.pk for c in checkpoints}
        for n, park in enumerate(parks):
            zone_ids = {z.pk for z in by_park[park.pk]}
            mine = [f for f in facilities if f.zone_id in zone_ids]
            self.parks.append(
                _Park(
                    pk=park.pk,
                    index=n,
                    zones=by_park[park.pk],
                    toilets=[f for f in mine if f.kind == "toilet"],
                    bins=[f for f in mine if f.kind == "bin"],
                    checkpoints=[checkpoint_of[f.pk] for f in mine if f.kind == "checkpoint"],
                )
            )

    def contracts(self) -> None:
        from parkpact.contracts.demo import CLEANING_STANDARDS, PAY_BANDS, SECURITY_STANDARDS
        from parkpact.contracts.models import Contract, ContractVersion, PayBand
        from parkpact.contracts.models import PerformanceStandard as Standard
        from parkpact.patrols.models import ResponseTarget

        start = self.first
        end = add_months(self.first, 24) - timedelta(days=1)
        contracts = []
        for park in self.parks:
            for kind, provider in (
                (Contract.ServiceKind.CLEANING, self.providers[park.index % 10]),
                (Contract.ServiceKind.SECURITY, self.providers[10 + park.index % 10]),
            ):
                contracts.append(
                    Contract(
                        number=f"CITY-{park.index + 1:03}-{'CL' if kind == 'cleaning' else 'SE'}",
                        title=f"City Park {park.index + 1:03} {kind}",
                        provider=provider,
                        service_kind=kind,
                        start_date=start,
                        end_date=end,
                        signed_on=start - timedelta(days=20),
                        status=Contract.Status.ACTIVE,
                    )
                )
        contracts = self._save(Contract, contracts, "contracts")
        for park, (cleaning, security) in zip(
            self.parks, zip(contracts[::2], contracts[1::2], strict=True), strict=True
        ):
            park.cleaning, park.security = cleaning, security
        through = Contract.zones.through
        self._save(
            through,
            [
                through(contract_id=c.pk, zone_id=z.pk)
                for park in self.parks
                for c in (park.cleaning, park.security)
                for z in park.zones
            ],
            "contract zones",
        )
        versions = self._save(
            ContractVersion,
            [
                ContractVersion(
                    contract=c,
                    number=1,
                    effective_from=start,
                    in_force=True,
                    monthly_fee=Decimal(self.rng.randrange(80_000, 300_000, 1_000)),
                    retention_rate=Decimal("0.05"),
                )
                for c in contracts
            ],
            "versions",
        )
        standards, bands = [], []
        for version, contract in zip(versions, contracts, strict=True):
            terms = (
                CLEANING_STANDARDS if contract.service_kind == "cleaning" else SECURITY_STANDARDS
            )
            standards += [Standard(version=version, **terms_row) for terms_row in terms]
            bands += [PayBand(version=version, **band) for band in PAY_BANDS]
        for standard in self._save(Standard, standards, "standards"):
            self.standards[(standard.version.contract_id, standard.code)] = standard
        self._save(PayBand, bands, "pay bands")
        self._save(
            ResponseTarget,
            [ResponseTarget(contract=park.security, minutes=5) for park in self.parks],
            "response targets",
        )

    def inspections(self) -> None:
        from parkpact.inspections.models import Finding, Inspection, SurveillancePlan

        plans, visits = [], []
        for month in self.months:
            first, last = month_start(month), month_start(add_months(month, 1))
            days = (last - first).days
            for park in self.parks:
                for contract, code in (
                    (park.cleaning, "CL-01"),
                    (park.cleaning, "CL-02"),
                    (park.security, "SE-03"),
                ):
                    standard = self.standards[(contract.pk, code)]
                    places = [z for z in park.zones if standard.applies_to(z.kind)] or park.zones
                    size = max(1, round(VISITS[code] * self.p.scale))
                    seed = self._token(32, "0123456789abcdef")
                    plan = SurveillancePlan(
                        contract=contract,
                        standard=standard,
                        month=month,
                        sample_size=size,
                        windows=[["08:00", "10:00"], ["14:00", "16:00"]],
                        status=SurveillancePlan.Status.REVEALED,
                        parameters={"sample_size": size, "zones": [z.pk for z in places]},
                        parameters_hash=hashlib.sha256(
                            f"{contract.pk}{code}{month}".encode()
                        ).hexdigest(),
                        seed_hash=hashlib.sha256(seed.encode()).hexdigest(),
                        seed=seed,
                        committed_at=first - timedelta(days=2),
                        revealed_at=last + timedelta(days=1),
                    )
                    plans.append(plan)
                    for index in range(size):
                        opens = first + timedelta(
                            days=self.rng.randrange(days), hours=self.rng.choice((8, 14))
                        )
                        visits.append((plan, index, self.rng.choice(places), opens, standard))
        plans = self._save(SurveillancePlan, plans, "plans")
        inspections, results = [], []
        for plan, index, zone, opens, standard in visits:
            roll = self.rng.random()
            status = "submitted" if roll < 0.94 else "missed" if roll < 0.98 else "cancelled"
            inspection = Inspection(
                uuid=self._uuid(),
                plan=plan,
                visit_index=index,
                contract_id=plan.contract_id,
                zone=zone,
                inspector_id=self.rng.choice(self.inspectors),
                window_start=opens,
                window_end=opens + timedelta(hours=2),
                status=status,
            )
            if status == "submitted":
                started = opens + timedelta(seconds=self.rng.randrange(3600))
                finished = started + timedelta(seconds=self.rng.randrange(600, 1200))
                inspection.started_at, inspection.finished_at = started, finished
                inspection.submitted_at = finished + timedelta(seconds=self.rng.randrange(5, 300))
                lon, lat = (
                    Decimal(str(round(zone.west + 0.0005, 6))),
                    Decimal(str(round(zone.south + 0.0005, 6))),
                )
                inspection.start_longitude = inspection.finish_longitude = lon
                inspection.start_latitude = inspection.finish_latitude = lat
                roll = self.rng.random()
                result = "pass" if roll < 0.86 else "fail" if roll < 0.95 else "not_inspected"
                results.append((inspection, standard, result))
            inspections.append(inspection)
        self._save(Inspection, inspections, "inspections")
        findings = self._save(
            Finding,
            [Finding(uuid=self._uuid(), inspection=i, standard=s, result=r) for i, s, r in results],
            "findings",
        )
        for finding in findings:
            if finding.result == "fail":
                inspection = finding.inspection
                self.orders.append(
                    self._order(
                        contract=self.contract_by_id(inspection.contract_id),
                        standard=finding.standard,
                        issued=inspection.submitted_at,
                        finding=finding,
                    )
                )

    def contract_by_id(self, pk: int) -> Any:
        if not hasattr(self, "_contracts"):
            self._contracts = {
                c.pk: c for park in self.parks for c in (park.cleaning, park.security)
            }
        return self._contracts[pk]

    def _order(self, *, contract: Any, standard: Any, issued: datetime, finding: Any = None) -> Any:
        from parkpact.inspections.models import RectificationOrder as Order

        deadline = issued + timedelta(hours=standard.rectification_hours)
        order = Order(
            origin=Order.Origin.INSPECTION if finding is not None else Order.Origin.SENSOR_ALERT,
            finding=finding,
            standard=standard,
            contract=contract,
            provider_id=contract.provider_id,
            issued_at=issued,
            deadline=deadline,
        )
        roll = self.rng.random()
        window = int((deadline - issued).total_seconds())
        if roll < 0.78:
            order.rectified_at = issued + timedelta(seconds=self.rng.randrange(60, window))
        elif roll < 0.92:
            order.rectified_at = deadline + timedelta(seconds=self.rng.randrange(600, 36_000))
            order.overdue_at = deadline + timedelta(minutes=1)
        else:
            order.overdue_at = deadline + timedelta(minutes=1)
        if order.rectified_at is not None:
            order.status = Order.Status.CLOSED
            order.closed_at = order.rectified_at + timedelta(seconds=self.rng.randrange(600, 7200))
        return order

    def save_orders(self) -> None:
        from parkpact.inspections.models import RectificationOrder
        from parkpact.sensors.models import Alert

        self._save(RectificationOrder, self.orders, "orders")
        for alert, order in self.alert_orders:
            alert.order = order
        Alert.objects.bulk_update([a for a, _o in self.alert_orders], ["order"], batch_size=BATCH)

    def service_requests(self) -> None:
        from parkpact.servicerequests.models import Service, ServiceRequest

        services = list(Service.objects.filter(active=True).order_by("code"))
        total = round(REQUESTS_PER_SCALE * self.p.scale)
        codes: set[str] = set()
        rows = []
        for _ in range(total):
            park = self.rng.choice(self.parks)
            zone = self.rng.choice(park.zones)
            service = self.rng.choice(services)
            contract = {"cleaning": park.cleaning, "security": park.security}.get(service.kind)
            asked = self._moment(self.start, self.end)
            code = self._token(10)
            while code in codes:
                code = self._token(10)
            codes.add(code)
            request = ServiceRequest(
                service=service,
                channel=self.rng.choice(("qr", "open311", "hotline")),
                tracking_code=code,
                description="Reported in the city benchmark",
                longitude=Decimal(str(round(zone.west + 0.0005, 6))),
                latitude=Decimal(str(round(zone.south + 0.0005, 6))),
                park_id=park.pk,
                zone=zone,
                contract=contract,
                provider_id=contract.provider_id if contract is not None else None,
                requested_at=asked,
                acknowledge_by=asked + timedelta(hours=service.acknowledge_hours),
                expected_at=asked + timedelta(hours=service.resolve_hours),
                updated_at=asked,
            )
            self._outcome(request, service)
            rows.append(request)
        self._save(ServiceRequest, rows, "service requests")

    def _outcome(self, request: Any, service: Any) -> None:
        roll = self.rng.random()
        asked = request.requested_at
        if roll < 0.05:
            request.status = "rejected"
            request.updated_at = asked + timedelta(minutes=self.rng.randrange(5, 120))
            return
        if roll < 0.08:
            request.status = "duplicate"
            request.updated_at = asked + timedelta(minutes=self.rng.randrange(5, 120))
            return
        ack_seconds = max(60, service.acknowledge_hours * 3600)
        acknowledged = asked + timedelta(seconds=int(ack_seconds * self.rng.uniform(0.05, 1.15)))
        request.acknowledged_at = acknowledged
        if acknowledged > request.acknowledge_by:
            request.acknowledge_breached_at = request.acknowledge_by + timedelta(seconds=30)
        resolve_seconds = max(ack_seconds, service.resolve_hours * 3600)
        resolved = acknowledged + timedelta(
            seconds=int(resolve_seconds * self.rng.uniform(0.1, 1.2))
        )
        if resolved > request.expected_at:
            request.resolve_breached_at = request.expected_at + timedelta(seconds=30)
        request.resolved_at = resolved
        request.status = "resolved"
        request.updated_at = resolved
        if self.rng.random() < 0.85:
            validated = resolved + timedelta(seconds=self.rng.randrange(600, 48 * 3600))
            request.validated_at = request.closed_at = request.updated_at = validated
            request.status = "closed"
            request.contractor_at_fault = request.contract is not None and self.rng.random() < 0.25

    def patrols(self) -> None:
        from parkpact.patrols.models import (
            MissedCheckpoint,
            PatrolRound,
            PatrolRoute,
            PatrolSchedule,
            RouteCheckpoint,
        )

        routes = self._save(
            PatrolRoute,
            [PatrolRoute(contract=park.security, name="Main round") for park in self.parks],
            "routes",
        )
        self._save(
            RouteCheckpoint,
            [
                RouteCheckpoint(route=route, checkpoint_id=checkpoint, position=n + 1)
                for route, park in zip(routes, self.parks, strict=True)
                for n, checkpoint in enumerate(park.checkpoints)
            ],
            "route stops",
        )
        schedules = self._save(
            PatrolSchedule,
            [
                PatrolSchedule(
                    route=route,
                    every_minutes=180,
                    daily_from=clock(7),
                    daily_to=clock(23),
                    window_minutes=60,
                )
                for route in routes
            ],
            "schedules",
        )
        rounds, missing = [], []
        days = (self.end - self.start).days
        for route, schedule, park in zip(routes, schedules, self.parks, strict=True):
            for day in range(days):
                local_day = self.first + timedelta(days=day)
                for hour in ROUND_HOURS:
                    opens = datetime.combine(local_day, clock(hour), tzinfo=LOCAL).astimezone(UTC)
                    due = park.checkpoints
                    if self.rng.random() < 0.02:
                        missed = list(due)
                        status = "missed"
                    else:
                        missed = [c for c in due if self.rng.random() < 0.03]
                        status = "incomplete" if missed else "completed"
                    patrol = PatrolRound(
                        uuid=self._uuid(),
                        route=route,
                        schedule=schedule,
                        window_start=opens,
                        window_end=opens + timedelta(hours=1),
                        checkpoint_ids=list(due),
                        status=status,
                        started_at=None if status == "missed" else opens + timedelta(minutes=3),
                        closed_at=opens + timedelta(hours=1),
                    )
                    rounds.append(patrol)
                    missing += [(patrol, c) for c in missed]
        self._save(PatrolRound, rounds, "patrol rounds")
        self._save(
            MissedCheckpoint,
            [MissedCheckpoint(round=r, checkpoint_id=c) for r, c in missing],
            "missed checkpoints",
        )

    def incidents(self) -> None:
        from parkpact.patrols.models import Incident

        rows = []
        per_month = max(1, round(INCIDENTS_PER_MONTH * self.p.scale))
        for month in self.months:
            first, last = month_start(month), month_start(add_months(month, 1))
            for park in self.parks:
                for _ in range(per_month):
                    reported = self._moment(first, last)
                    roll = self.rng.random()
                    incident = Incident(
                        contract=park.security,
                        kind=self.rng.choice(Incident.Kind.values),
                        severity=self.rng.choice(Incident.Severity.values),
                        zone=self.rng.choice(park.zones),
                        source=self.rng.choice(Incident.Source.values),
                        reported_at=reported,
                        target_minutes=5,
                    )
                    if roll < 0.95:
                        seconds = (
                            self.rng.randrange(60, 301)
                            if roll < 0.84
                            else self.rng.randrange(301, 2400)
                        )
                        incident.on_scene_at = reported + timedelta(seconds=seconds)
                        incident.resolved_at = incident.on_scene_at + timedelta(
                            minutes=self.rng.randrange(5, 120)
                        )
                        incident.status = "resolved"
                    rows.append(incident)
        self._save(Incident, rows, "incidents")

    def sensors(self) -> None:
        from parkpact.sensors.models import Alert, Device, SensorRule

        rule_of = {
            rule.device_kind: rule
            for rule in SensorRule.objects.exclude(standard_code="").filter(is_active=True)
        }
        devices = []
        for park in self.parks:
            for facility, kind in [(f, "waste_container") for f in park.bins] + [
                (f, "toilet_air") for f in park.toilets
            ]:
                code = f"city-{facility.code.lower()}"
                devices.append(
                    Device(
                        code=code,
                        name=facility.code,
                        kind=kind,
                        facility=facility,
                        secret_hash=hashlib.sha256(f"{self.p.seed}:{code}".encode()).hexdigest(),
                        secret_prefix=code[:12],
                    )
                )
        devices = self._save(Device, devices, "devices")
        # created_at is auto_now_add: set it to before the first month.
        Device.objects.update(created_at=self.start - timedelta(days=7))
        self.devices = devices
        cleaning_of = {f.zone_id: park.cleaning for park in self.parks for f in park.bins}
        alerts = []
        for month in self.months:
            first, last = month_start(month), month_start(add_months(month, 1))
            for device in devices:
                rule = rule_of.get(device.kind)
                if rule is None:
                    continue
                roll = self.rng.random()
                for _ in range(2 if roll < 0.05 else 1 if roll < 0.3 else 0):
                    raised = self._moment(first, last)
                    contract = cleaning_of[device.facility.zone_id]
                    alert = Alert(
                        device=device,
                        rule=rule,
                        contract=contract,
                        status=Alert.Status.CLEARED,
                        breach_started_at=raised - timedelta(minutes=rule.duration_minutes),
                        raised_at=raised,
                        cleared_at=raised + timedelta(minutes=self.rng.randrange(10, 180)),
                        peak_value=round(rule.threshold * self.rng.uniform(1.0, 1.8), 3),
                    )
                    alerts.append(alert)
        alerts = self._save(Alert, alerts, "alerts")
        for alert in alerts:
            if self.rng.random() < 0.5:
                standard = self.standards[(alert.contract.pk, alert.rule.standard_code)]  # type: ignore[union-attr]
                order = self._order(
                    contract=alert.contract, standard=standard, issued=alert.raised_at
                )
                self.orders.append(order)
                self.alert_orders.append((alert, order))

    def readings(self) -> None:
        """Every device, every 30 minutes, in the assessed month: COPY on PostgreSQL."""
        from django.db import connection

        from parkpact.sensors.models import Reading

        month = self.months[-1]
        first, last = month_start(month), month_start(add_months(month, 1))
        steps = int((last - first).total_seconds() // (READING_MINUTES * 60))
        moments = [first + timedelta(minutes=READING_MINUTES * k) for k in range(steps)]
        stamps = [m.isoformat() for m in moments]
        received = [(m + timedelta(seconds=5)).isoformat() for m in moments]
        bar = tqdm(
            total=len(self.devices) * steps,
            desc="readings",
            unit="row",
            unit_scale=True,
            disable=not self.progress,
            file=sys.stderr,
        )
        with bar:
            for first_device in range(0, len(self.devices), 100):
                chunk = self.devices[first_device : first_device + 100]
                rows = [row for d in chunk for row in self._series(d, stamps, received)]
                if connection.vendor == "postgresql":
                    buffer = io.StringIO()
                    for row in rows:
                        buffer.write("\t".join(map(str, row)) + "\n")
                    with (
                        connection.cursor() as cursor,
                        cursor.copy(
                            "COPY sensors_reading (device_id, observed_at, name, value, received_at)"
                            " FROM STDIN"
                        ) as copy,
                    ):
                        copy.write(buffer.getvalue())
                else:
                    Reading.objects.bulk_create(
                        [
                            Reading(
                                device_id=d,
                                observed_at=datetime.fromisoformat(o),
                                name=n,
                                value=v,
                                received_at=datetime.fromisoformat(r),
                            )
                            for d, o, n, v, r in rows
                        ],
                        batch_size=BATCH,
                    )
                bar.update(len(rows))

    def _series(
        self, device: Any, stamps: list[str], received: list[str]
    ) -> Iterator[tuple[int, str, str, float, str]]:
        rng = self.rng
        if device.kind == "waste_container":
            level = rng.uniform(0, 0.3)
            for observed, got in zip(stamps, received, strict=True):
                yield device.pk, observed, "fillingLevel", round(level, 3), got
                if level > 0.6 and rng.random() < 0.3:
                    level = rng.uniform(0, 0.1)
                else:
                    level = min(1.0, level + rng.uniform(0.0, 0.05))
        else:
            spike = 0
            for observed, got in zip(stamps, received, strict=True):
                if spike == 0 and rng.random() < 0.01:
                    spike = rng.randint(1, 3)
                if spike:
                    value = rng.uniform(1.0, 2.5)
                    spike -= 1
                else:
                    value = rng.uniform(0.1, 0.8)
                yield device.pk, observed, "nh3", round(value, 3), got


# ---------------------------------------------------------------------------------------------
# The history: approved months and past tenders, added to a city that lacks them
# ---------------------------------------------------------------------------------------------

# Bump when the history below changes: a city whose history marker differs is topped up again
# (its history deleted and rewritten; the evidence above is kept).
HISTORY_VERSION = 2
HISTORY_TABLE = "bench_city_history"
TENDERS = 40
TENDER_STATUSES = (  # how the 40 tenders stand
    ["awarded"] * 28
    + ["unsuccessful"] * 3
    + ["evaluation"] * 3
    + ["active"] * 3
    + ["cancelled"] * 2
    + ["planned"]
)


def read_history_marker() -> int | None:
    from django.db import connection

    if HISTORY_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {HISTORY_TABLE}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else None


def write_history_marker() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (version INTEGER NOT NULL)")
        cursor.execute(f"DELETE FROM {HISTORY_TABLE}")  # noqa: S608
        cursor.execute(f"INSERT INTO {HISTORY_TABLE} VALUES (%s)", [HISTORY_VERSION])  # noqa: S608


def ensure_history(parameters: CityParameters, *, progress: bool = True) -> float | None:
    """Top the city up with its history when it lacks this version of it: every month but the
    last approved (assessment, payment certificate, rating), ``TENDERS`` past tenders with
    lots, bids, evaluators' scores and awards, and the service requests in the order they were
    made. Seconds taken, None when already there."""
    if read_history_marker() == HISTORY_VERSION:
        return None
    from django.db import transaction

    started = time.perf_counter()
    history = _History(parameters, progress=progress)
    with transaction.atomic():
        history.clear()
        history.approved_months()
        history.tenders()
        cluster_requests()
        write_history_marker()
    return time.perf_counter() - started


def cluster_requests() -> None:
    """Lay the service requests out in the order they were made, as a live system's inserts
    do: the builder writes them in random order, which spreads any window of days over every
    page of the table (the portal's 90 days read all of it). Ids and contents are unchanged.
    PostgreSQL only (SQLite has no CLUSTER)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CLUSTER servicerequests_servicerequest USING sr_requested_idx")


class _History:
    """Bulk inserts, like the builder; its own random stream, so the evidence is unchanged."""

    def __init__(self, parameters: CityParameters, *, progress: bool) -> None:
        self.p = parameters
        self.rng = random.Random(f"history:{parameters.seed}")
        self.progress = progress
        self.first = date.fromisoformat(parameters.first_month)
        self.months = [add_months(self.first, n) for n in range(parameters.months)]
        from parkpact.core.models import User

        self.manager = User.objects.get(username="city-manager")
        self.inspectors = list(
            User.objects.filter(username__startswith="city-inspector-").order_by("username")
        )

    def _log(self, message: str) -> None:
        if self.progress:
            print(f"[{datetime.now():%H:%M:%S}] city history: {message}", file=sys.stderr)

    def clear(self) -> None:
        from parkpact.assessments.models import Assessment, PaymentCertificate, Rating
        from parkpact.procurement.models import Award, Bid, BidScore, Tender
        from parkpact.publication.models import Release

        # Every release of a city comes from what the generator wrote: those of the history
        # rewritten here would name objects that are gone. publish_releases() writes them anew.
        Release.objects.all().delete()
        mine = Tender.objects.filter(reference__startswith="CITY-T-")
        Award.objects.filter(lot__tender__in=mine).delete()
        BidScore.objects.filter(bid__lot__tender__in=mine).delete()
        Bid.objects.filter(lot__tender__in=mine).delete()
        mine.delete()
        earlier = Assessment.objects.filter(
            contract__number__startswith="CITY-", month__lt=self.p.assessed_month
        )
        Rating.objects.filter(assessment__in=earlier).delete()
        PaymentCertificate.objects.filter(assessment__in=earlier).delete()
        earlier.delete()

    def approved_months(self) -> None:
        """Every month before the assessed one, approved ten days after it ended."""
        from parkpact.assessments.models import Assessment, Grade, PaymentCertificate, Rating
        from parkpact.contracts.models import ContractVersion

        versions = list(
            ContractVersion.objects.filter(contract__number__startswith="CITY-", number=1)
            .select_related("contract")
            .order_by("contract_id")
        )
        assessments, certificates, ratings = [], [], []
        cent = Decimal("0.01")
        for month in self.months[:-1]:
            ended = month_start(add_months(month, 1))
            for version in versions:
                score = Decimal(str(round(min(100.0, self.rng.gauss(91, 5)), 2)))
                grade = (
                    Grade.EXCEPTIONAL
                    if score >= 95
                    else Grade.VERY_GOOD
                    if score >= 90
                    else Grade.SATISFACTORY
                    if score >= 80
                    else Grade.MARGINAL
                    if score >= 70
                    else Grade.UNSATISFACTORY
                )
                assessment = Assessment(
                    contract=version.contract,
                    month=month,
                    version=version,
                    status=Assessment.Status.APPROVED,
                    score=score,
                    grade=grade,
                    payment_factor=Decimal(1),
                    bonus_rate=Decimal(0),
                    computed_at=ended + timedelta(days=2),
                    sent_at=ended + timedelta(days=2, hours=1),
                    appeal_deadline=(ended + timedelta(days=9)).date(),
                    approved_at=ended + timedelta(days=10),
                    approved_by=self.manager,
                )
                assessments.append(assessment)
                fee = version.monthly_fee
                deduction = (fee * (100 - score) / 200).quantize(cent)
                retention = ((fee - deduction) * version.retention_rate).quantize(cent)
                certificates.append(
                    PaymentCertificate(
                        assessment=assessment,
                        number=f"{version.contract.number}-PC-{month:%Y%m}",
                        fee=fee,
                        deduction=deduction,
                        bonus=Decimal(0),
                        adjustments=Decimal(0),
                        retention=retention,
                        retention_released=Decimal(0),
                        net=fee - deduction - retention,
                        status=PaymentCertificate.Status.APPROVED,
                        issued_at=ended + timedelta(days=10),
                        approved_by=self.manager,
                        approved_at=ended + timedelta(days=12),
                    )
                )
                ratings.append(
                    Rating(
                        provider_id=version.contract.provider_id,
                        contract=version.contract,
                        assessment=assessment,
                        month=month,
                        score=score,
                        grade=grade,
                    )
                )
        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        for certificate, rating, assessment in zip(certificates, ratings, assessments, strict=True):
            certificate.assessment = assessment
            rating.assessment = assessment
        PaymentCertificate.objects.bulk_create(certificates, batch_size=BATCH)
        Rating.objects.bulk_create(ratings, batch_size=BATCH)
        self._log(f"{len(assessments)} approved assessments, certificates and ratings")

    def tenders(self) -> None:
        """Tenders of the year before the city's contracts began (and a few still running),
        each lot one park's zones; an awarded lot's contract is that park's city contract."""
        from parkpact.contracts.models import Contract
        from parkpact.parks.models import Park
        from parkpact.procurement.demo import CLEANING_METHOD, SECURITY_METHOD
        from parkpact.procurement.models import (
            Award,
            Bid,
            BidScore,
            Criterion,
            Evaluator,
            Lot,
            Requirement,
            Tender,
        )
        from parkpact.providers.models import Provider, Qualification

        rng = self.rng
        contract_of: dict[tuple[int, str], Any] = {}
        for contract in Contract.objects.filter(number__startswith="CITY-").prefetch_related(
            "zones"
        ):
            for park_id in {zone.park_id for zone in contract.zones.all()}:
                contract_of[(park_id, contract.service_kind)] = contract
        park_zones: dict[int, list[int]] = {}
        for city_park in Park.objects.filter(code__startswith="city-").prefetch_related("zones"):
            park_zones[city_park.pk] = [zone.pk for zone in city_park.zones.all()]
        providers = {
            kind: list(Provider.objects.filter(short_name__startswith=prefix).order_by("pk"))
            for kind, prefix in (("cleaning", "CL"), ("security", "SE"))
        }
        slots = [(park, kind) for park in sorted(park_zones) for kind in ("cleaning", "security")]
        rng.shuffle(slots)
        city_start = month_start(self.first)
        city_end = month_start(add_months(self.first, self.p.months))

        tenders, lots_of = [], []
        for n, status in enumerate(TENDER_STATUSES[:TENDERS]):
            kind = "cleaning" if n % 2 == 0 else "security"
            running = status in {"active", "evaluation", "planned"}
            if running:  # the next term's tenders, around the city's last month
                opens = city_end - timedelta(days=rng.randrange(10, 40))
            else:
                opens = city_start - timedelta(days=rng.randrange(60, 360))
            closes = opens + timedelta(days=rng.randrange(20, 30))
            term_start = (closes + timedelta(days=40)).date().replace(day=1)
            tenders.append(
                Tender(
                    uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    reference=f"CITY-T-{n + 1:03}",
                    title=f"City parks {kind} services, batch {n + 1}",
                    description=f"Daily {kind} of the parks in the lots below.",
                    service_kind=kind,
                    status=status,
                    submission_start=opens,
                    submission_end=closes,
                    contract_start=term_start,
                    contract_end=add_months(term_start, 24) - timedelta(days=1),
                    published_at=None if status == "planned" else opens - timedelta(days=2),
                    status_changed_at=closes + timedelta(days=3),
                    created_by=self.manager,
                )
            )
            lot_count = rng.randint(1, 3)
            lots_of.append([slots.pop() for _ in range(lot_count) if slots])
        Tender.objects.bulk_create(tenders)
        requirements, criteria, evaluators, lots = [], [], [], []
        for tender, slots_here in zip(tenders, lots_of, strict=True):
            specific = (
                Qualification.Kind.CLEANING_GRADE
                if tender.service_kind == "cleaning"
                else Qualification.Kind.SECURITY_PERMIT
            )
            requirements += [
                Requirement(tender=tender, kind=Qualification.Kind.BUSINESS_LICENCE),
                Requirement(tender=tender, kind=specific),
            ]
            method = CLEANING_METHOD if tender.service_kind == "cleaning" else SECURITY_METHOD
            criteria += [
                Criterion(tender=tender, kind=k, name=name, weight=w, is_technical=t)
                for k, name, w, t in method
            ]
            evaluators += [
                Evaluator(tender=tender, user=user) for user in rng.sample(self.inspectors, 3)
            ]
            for number, (park, _kind) in enumerate(slots_here, start=1):
                lots.append(
                    Lot(
                        tender=tender,
                        number=number,
                        title=f"Lot {number}: park {park}",
                        budget_ceiling=Decimal(rng.randrange(100_000, 320_000, 1_000)),
                    )
                )
        Requirement.objects.bulk_create(requirements)
        Criterion.objects.bulk_create(criteria)
        Evaluator.objects.bulk_create(evaluators)
        Lot.objects.bulk_create(lots)
        slot_of_lot = [slot for slots_here in lots_of for slot in slots_here]
        through = Lot.zones.through
        through.objects.bulk_create(
            [
                through(lot_id=lot.pk, zone_id=zone)
                for lot, (park, _kind) in zip(lots, slot_of_lot, strict=True)
                for zone in park_zones[park]
            ]
        )
        judged_of: dict[int, list[Any]] = {}
        for criterion in criteria:
            if criterion.kind == Criterion.Kind.JUDGED:
                judged_of.setdefault(criterion.tender_id, []).append(criterion)
        panel_of: dict[int, list[Any]] = {}
        for evaluator in evaluators:
            panel_of.setdefault(evaluator.tender_id, []).append(evaluator)

        bids: list[Any] = []
        awards_to_make: list[tuple[Any, list[Any], Any]] = []
        for lot, (park, kind) in zip(lots, slot_of_lot, strict=True):
            tender = lot.tender
            if tender.status in {"planned", "cancelled"} and rng.random() < 0.8:
                continue
            bidders = rng.sample(providers[kind], rng.randint(3, 6))
            lot_bids = [
                Bid(
                    uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    lot=lot,
                    provider=provider,
                    price=(lot.budget_ceiling * Decimal(rng.uniform(0.72, 0.99))).quantize(
                        Decimal(1)
                    ),
                    submitted_by=self.manager,
                    submitted_at=tender.submission_start
                    + (tender.submission_end - tender.submission_start) * rng.random(),
                )
                for provider in bidders
            ]
            bids += lot_bids
            if tender.status == "awarded":
                awards_to_make.append((lot, lot_bids, contract_of.get((park, kind))))
        Bid.objects.bulk_create(bids, batch_size=BATCH)
        scores = []
        for bid in bids:
            tender = bid.lot.tender
            if tender.status not in {"evaluation", "awarded", "unsuccessful"}:
                continue
            for criterion in judged_of[tender.pk]:
                for evaluator in panel_of[tender.pk]:
                    scores.append(
                        BidScore(
                            bid=bid,
                            criterion=criterion,
                            evaluator=evaluator,
                            score=(criterion.weight * Decimal(rng.uniform(0.6, 1.0))).quantize(
                                Decimal("0.01")
                            ),
                            scored_at=tender.submission_end + timedelta(days=1),
                        )
                    )
        BidScore.objects.bulk_create(scores, batch_size=BATCH)
        awards = []
        for lot, lot_bids, contract in awards_to_make:
            ranked = sorted(lot_bids, key=lambda bid: bid.price)
            totals = sorted(
                (Decimal(rng.randrange(7000, 9600)) / 100 for _ in ranked), reverse=True
            )
            awards.append(
                Award(
                    lot=lot,
                    bid=ranked[0],
                    total_score=totals[0],
                    ranking=[
                        {
                            "bid": bid.pk,
                            "provider": bid.provider_id,
                            "total": str(total),
                            "rank": rank,
                        }
                        for rank, (bid, total) in enumerate(zip(ranked, totals, strict=True), 1)
                    ],
                    contract=contract,
                    decided_by=self.manager,
                    decided_at=lot.tender.submission_end + timedelta(days=3),
                )
            )
        Award.objects.bulk_create(awards)
        self._log(
            f"{len(tenders)} tenders, {len(lots)} lots, {len(bids)} bids, {len(scores)} scores,"
            f" {len(awards)} awards"
        )


# ---------------------------------------------------------------------------------------------
# The database: created if missing, rebuilt when its parameters differ
# ---------------------------------------------------------------------------------------------


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
    build_city(
        parks=parameters.parks,
        months=parameters.months,
        scale=parameters.scale,
        seed=parameters.seed,
        first_month=date.fromisoformat(parameters.first_month),
        progress=progress,
    )
    ensure_history(parameters, progress=progress)
    analyze(always=True)
    return city_size(), time.perf_counter() - started


def analyze(*, always: bool) -> None:
    """Planner statistics for the bulk-loaded tables (VACUUM ANALYZE on PostgreSQL, ANALYZE on
    SQLite): a server with autovacuum off would otherwise plan every query on empty-table
    guesses, which no production database does. Skipped when done before, unless ``always``."""
    from django.db import connection

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
            cursor.execute("VACUUM (ANALYZE)")


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
        "--scale", type=float, default=1.0, help="evidence multiplier: 1 = 100k requests (1)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if it is there")


def city_parameters(args: argparse.Namespace) -> CityParameters:
    return CityParameters(parks=args.parks, months=args.months, scale=args.scale, seed=args.seed)


def check_city_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not 1 <= args.parks <= 1000:
        parser.error("--parks must be between 1 and 1000")
    if not 1 <= args.months <= 36:
        parser.error("--months must be between 1 and 36")
    if not 0.01 <= args.scale <= 20:
        parser.error("--scale must be between 0.01 and 20")
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
