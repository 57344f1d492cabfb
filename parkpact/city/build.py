"""The city: parks, zones and facilities, contracts, and a year of their evidence.

``build_city(parks=100, months=12, scale=1.0, seed=1)`` fills an empty, migrated database (the
one Django is connected to) with direct bulk inserts — no services, no ledger events, since
these are what make seeding slow — and returns the rows written per table. The same seed gives
the same rows, ids included (on a fresh or erased database). What it makes (docs/city.md):

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
- 10,000 service requests per park-year × ``scale`` (service_requests.py): 1,000,000 for 100
  parks and 12 months;
- one sensor per bin (fill level) and per toilet (NH₃), reading every 30 minutes ÷ ``scale``
  over every month (readings.py): about 17.5 million for 100 parks and 12 months.

``scale`` multiplies the evidence (inspections, incidents, service requests, readings), not the
city. ``ensure_history`` (history.py) then adds the approved months and past tenders.
"""

import hashlib
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any

from parkpact.city.bulk import BATCH, progress_bar
from parkpact.city.database import city_size, write_marker
from parkpact.city.parameters import (
    FIRST_MONTH,
    INCIDENTS_PER_MONTH,
    LOCAL,
    VISITS,
    CityParameters,
    add_months,
    month_start,
)

# Each park sits in its own 0.05° cell of a 10-wide grid; its zones are 0.001° squares in a row.
GRID_ORIGIN = (118.0, 24.5)
PARK_CELL = 0.05
ZONE_SIZE = 0.001
ZONE_STEP = 0.0015
OTHER_ZONE_KINDS = ("path", "lawn", "lakeshore", "playground", "parking", "woodland", "water")
ROUND_HOURS = (7, 10, 13, 16, 19, 22)  # local starts of the six daily patrol rounds


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
        self.first = parameters.first
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
        bar = progress_bar(
            total=len(rows), label=label, progress=self.progress and len(rows) >= 20_000
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
        from django.db import connection, transaction

        from parkpact.city.readings import write_readings
        from parkpact.city.service_requests import write_service_requests
        from parkpact.sensors.partitions import ensure_partitions

        ensure_partitions(connection, through=self.months[-1])
        steps: list[tuple[str, Callable[[], None]]] = [
            ("providers and staff", self.people),
            ("parks, zones and facilities", self.city),
            ("contracts", self.contracts),
            ("plans, inspections, findings", self.inspections),
            ("service requests", lambda: write_service_requests(self)),
            ("patrol rounds", self.patrols),
            ("incidents", self.incidents),
            ("sensors, alerts", self.sensors),
            ("rectification orders", self.save_orders),
            ("readings", lambda: write_readings(self)),
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
        """Month by month, so that only one month of inspections is held at a time."""
        for month in self.months:
            self._inspections_of(month)

    def _inspections_of(self, month: date) -> None:
        from parkpact.inspections.models import Finding, Inspection, SurveillancePlan

        plans, visits = [], []
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
        # Park by park, so that only one park's year of rounds is held at a time.
        days = (self.end - self.start).days
        bar = progress_bar(
            total=len(routes) * days * len(ROUND_HOURS),
            label="patrol rounds",
            progress=self.progress,
        )
        with bar:
            for route, schedule, park in zip(routes, schedules, self.parks, strict=True):
                rounds, missing = [], []
                for day in range(days):
                    local_day = self.first + timedelta(days=day)
                    for hour in ROUND_HOURS:
                        opens = datetime.combine(local_day, clock(hour), tzinfo=LOCAL).astimezone(
                            UTC
                        )
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
                PatrolRound.objects.bulk_create(rounds, batch_size=BATCH)
                MissedCheckpoint.objects.bulk_create(
                    [MissedCheckpoint(round=r, checkpoint_id=c) for r, c in missing],
                    batch_size=BATCH,
                )
                bar.update(len(rounds))

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
