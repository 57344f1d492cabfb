"""Measuring a month's evidence for many contracts at once, counted in the database.

Each source answers with one grouped query per month (not a Python loop over rows), keyed by
contract and, where a source is per standard, by standard code. The failed records come back
as ``[kind, id]`` pairs so every number on an assessment traces back to what was found.

What each source counts (docs/assessments.md has the reasoning):

- inspections: findings of the standard on inspections whose window opened in the month;
  checked = passed + failed (not inspected is left out), occurrences = failed.
- rectification: orders due in the month (deadline passed); occurrences = not put right by the
  deadline (rectified later, not yet, or reopened by a failed re-inspection).
- complaints: public reports against the contract whose resolution the centre validated in the
  month.
- sla: public reports against the contract that missed a deadline (acknowledge or resolve) in the
  month; checked = reports received in the month.
- patrols: checkpoints due on the contract's rounds that opened in the month and have closed;
  occurrences = checkpoints missed.
- incidents: incidents reported in the month; occurrences = not on scene within the target
  (including those nobody reached); the further measure is the slowest response in minutes.
- sensors: alerts of rules that count for the standard raised in the month; checked = devices
  watching, passed = devices without an alert; the further measure is the hours above the
  rules' thresholds.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Q,
    Sum,
)
from django.utils import timezone

from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.inspections.models import Finding, Inspection, RectificationOrder
from parkpact.patrols.models import Incident, MissedCheckpoint, PatrolRound
from parkpact.patrols.services import month_bounds
from parkpact.sensors.models import Alert, Device, SensorRule
from parkpact.servicerequests.models import ServiceRequest

Source = PerformanceStandard.Source
Key = tuple[int, str]  # contract id, standard code ("" for sources per contract)


@dataclass
class Measure:
    """What one source found for one contract (and standard) in one month."""

    available: bool = True
    checked: int = 0
    passed: int = 0
    occurrences: int = 0
    extra_value: Decimal | None = None
    records: list[tuple[str, int]] = field(default_factory=list)


class JSONArrayLength(Func):
    """The number of items in a JSON array column, on PostgreSQL and SQLite alike."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def,override]
        function = (
            "jsonb_array_length" if connection.vendor == "postgresql" else "json_array_length"
        )
        return super().as_sql(compiler, connection, function=function, **extra)


@dataclass
class Month:
    """The month measured and the moment measured at: nothing due after ``until`` counts yet."""

    month: date
    start: datetime
    end: datetime
    until: datetime

    @classmethod
    def of(cls, month: date, now: datetime | None = None) -> "Month":
        start, end = month_bounds(month)
        return cls(
            month=month.replace(day=1), start=start, end=end, until=min(end, now or timezone.now())
        )


def measure(
    contracts: Sequence[Contract], month: date, now: datetime | None = None
) -> dict[Key, Measure]:
    """Every source's measures for these contracts in the month."""
    period = Month.of(month, now)
    ids = [c.pk for c in contracts]
    found: dict[Key, Measure] = {}
    for source in (_inspections, _rectification, _complaints, _sla, _patrols, _incidents, _sensors):
        found.update(source(ids, period))
    return found


def measure_for(
    found: dict[Key, Measure], contract_id: int, standard: PerformanceStandard
) -> Measure:
    """The measure a standard takes: per standard for inspections and sensors, else per
    contract. A source with nothing recorded is unavailable."""
    per_standard = standard.source in (Source.INSPECTIONS, Source.SENSORS)
    key = (
        contract_id,
        standard.source if not per_standard else f"{standard.source}:{standard.code}",
    )
    return found.get(key, Measure(available=False))


def _key(contract_id: int, source: str, code: str = "") -> Key:
    return (contract_id, f"{source}:{code}" if code else source)


def _records(kind: str, rows: Iterable[tuple[int, int]]) -> dict[int, list[tuple[str, int]]]:
    grouped: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for contract_id, pk in rows:
        grouped[contract_id].append((kind, pk))
    return grouped


def _inspections(ids: list[int], period: Month) -> dict[Key, Measure]:
    findings = Finding.objects.filter(
        inspection__contract_id__in=ids,
        inspection__status=Inspection.Status.SUBMITTED,
        inspection__window_start__gte=period.start,
        inspection__window_start__lt=period.end,
    )
    failed = Q(result=Finding.Result.FAIL)
    counts = findings.values("inspection__contract_id", "standard__code").annotate(
        checked=Count("pk", filter=Q(result__in=[Finding.Result.PASS, Finding.Result.FAIL])),
        failed=Count("pk", filter=failed),
    )
    failures: dict[Key, list[tuple[str, int]]] = defaultdict(list)
    for contract_id, code, inspection_id in (
        findings.filter(failed)
        .values_list("inspection__contract_id", "standard__code", "inspection_id")
        .order_by("inspection__window_start")
    ):
        failures[_key(contract_id, Source.INSPECTIONS, code)].append(("inspection", inspection_id))
    found = {}
    for row in counts:
        key = _key(row["inspection__contract_id"], Source.INSPECTIONS, row["standard__code"])
        if row["checked"]:
            found[key] = Measure(
                checked=row["checked"],
                passed=row["checked"] - row["failed"],
                occurrences=row["failed"],
                records=failures[key],
            )
    return found


def _rectification(ids: list[int], period: Month) -> dict[Key, Measure]:
    orders = RectificationOrder.objects.filter(
        contract_id__in=ids, deadline__gte=period.start, deadline__lt=period.until
    )
    # Late: put right after the deadline, or not put right at all — still open, or reopened
    # because the re-inspection found the fix did not hold (its old rectified_at is moot).
    late = (
        Q(rectified_at__isnull=True)
        | Q(rectified_at__gt=F("deadline"))
        | Q(status__in=[RectificationOrder.Status.OPEN, RectificationOrder.Status.REOPENED])
    )
    counts = orders.values("contract_id").annotate(due=Count("pk"), late=Count("pk", filter=late))
    failures = _records(
        "order", orders.filter(late).values_list("contract_id", "pk").order_by("deadline")
    )
    found = {_key(c, Source.RECTIFICATION): Measure() for c in ids}
    for row in counts:
        c = row["contract_id"]
        found[_key(c, Source.RECTIFICATION)] = Measure(
            checked=row["due"],
            passed=row["due"] - row["late"],
            occurrences=row["late"],
            records=failures[c],
        )
    return found


def _complaints(ids: list[int], period: Month) -> dict[Key, Measure]:
    validated = ServiceRequest.objects.validated_complaints().filter(
        contract_id__in=ids, validated_at__gte=period.start, validated_at__lt=period.until
    )
    failures = _records(
        "request", validated.values_list("contract_id", "pk").order_by("validated_at")
    )
    found = {_key(c, Source.COMPLAINTS): Measure() for c in ids}
    for contract_id, rows in failures.items():
        found[_key(contract_id, Source.COMPLAINTS)] = Measure(occurrences=len(rows), records=rows)
    return found


def _sla(ids: list[int], period: Month) -> dict[Key, Measure]:
    requests = ServiceRequest.objects.filter(contract_id__in=ids)
    breached = Q(acknowledge_breached_at__range=(period.start, period.until)) | Q(
        resolve_breached_at__range=(period.start, period.until)
    )
    received = dict(
        requests.filter(requested_at__gte=period.start, requested_at__lt=period.until)
        .values_list("contract_id")
        .annotate(n=Count("pk"))
        .values_list("contract_id", "n")
    )
    failures = _records(
        "request",
        requests.filter(breached).values_list("contract_id", "pk").order_by("requested_at"),
    )
    found = {}
    for c in ids:
        late = len(failures[c])
        checked = max(received.get(c, 0), late)
        found[_key(c, Source.SLA)] = Measure(
            checked=checked, passed=checked - late, occurrences=late, records=failures[c]
        )
    return found


def _patrols(ids: list[int], period: Month) -> dict[Key, Measure]:
    rounds = PatrolRound.objects.filter(
        route__contract_id__in=ids, window_start__gte=period.start, window_start__lt=period.end
    ).exclude(status__in=PatrolRound.OPEN_STATUSES)
    due = dict(
        rounds.values("route__contract_id")
        .annotate(due=Sum(JSONArrayLength("checkpoint_ids")))
        .values_list("route__contract_id", "due")
    )
    missed = MissedCheckpoint.objects.filter(round__in=rounds)
    missed_counts = dict(
        missed.values("round__route__contract_id")
        .annotate(n=Count("pk"))
        .values_list("round__route__contract_id", "n")
    )
    failures = _records(
        "round",
        missed.values_list("round__route__contract_id", "round_id").distinct().order_by("round_id"),
    )
    found = {}
    for c, scheduled in due.items():
        scheduled = scheduled or 0
        miss = min(missed_counts.get(c, 0), scheduled)
        found[_key(c, Source.PATROLS)] = Measure(
            checked=scheduled, passed=scheduled - miss, occurrences=miss, records=failures[c]
        )
    return found


def _incidents(ids: list[int], period: Month) -> dict[Key, Measure]:
    incidents = Incident.objects.filter(
        contract_id__in=ids, reported_at__gte=period.start, reported_at__lt=period.until
    ).annotate(
        response=ExpressionWrapper(
            F("on_scene_at") - F("reported_at"), output_field=DurationField()
        ),
    )
    # Late: reached after the target, or not reached and the target has passed. Targets are
    # few (one per contract), so each is a constant here: SQLite cannot scale a duration.
    late = Q(pk__in=[])
    for minutes in set(incidents.values_list("target_minutes", flat=True).distinct()):
        target = timedelta(minutes=minutes)
        late |= Q(target_minutes=minutes) & (
            Q(on_scene_at__gt=F("reported_at") + target)
            | Q(on_scene_at__isnull=True, reported_at__lt=period.until - target)
        )
    counts = incidents.values("contract_id").annotate(
        n=Count("pk"), late=Count("pk", filter=late), worst=Max("response")
    )
    failures = _records(
        "incident", incidents.filter(late).values_list("contract_id", "pk").order_by("reported_at")
    )
    found = {_key(c, Source.INCIDENTS): Measure() for c in ids}
    for row in counts:
        c = row["contract_id"]
        worst = row["worst"]
        found[_key(c, Source.INCIDENTS)] = Measure(
            checked=row["n"],
            passed=row["n"] - row["late"],
            occurrences=row["late"],
            extra_value=_minutes(worst) if worst is not None else None,
            records=failures[c],
        )
    return found


def _minutes(value: timedelta) -> Decimal:
    return (Decimal(value.total_seconds()) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _sensors(ids: list[int], period: Month) -> dict[Key, Measure]:
    rules = list(SensorRule.objects.exclude(standard_code="").filter(is_active=True))
    if not rules:
        return {}
    contracts = Contract.objects.filter(pk__in=ids)
    # Which devices each contract answers for: those on facilities in its zones, of the kinds
    # its service watches (Device.SERVICE_OF), in place before the month ended.
    watched: dict[tuple[int, str], list[int]] = defaultdict(list)
    zones_of: dict[int, set[int]] = defaultdict(set)
    for contract_id, zone_id in Contract.zones.through.objects.filter(
        contract_id__in=ids
    ).values_list("contract_id", "zone_id"):
        zones_of[contract_id].add(zone_id)
    service_of = dict(contracts.values_list("pk", "service_kind"))
    devices = Device.objects.filter(
        facility__zone_id__in={z for zones in zones_of.values() for z in zones},
        created_at__lt=period.end,
    ).exclude(revoked_at__lt=period.start)
    for device_id, kind, zone_id in devices.values_list("pk", "kind", "facility__zone_id"):
        for contract_id, zones in zones_of.items():
            if zone_id in zones and Device.SERVICE_OF[kind] == service_of[contract_id]:
                watched[(contract_id, kind)].append(device_id)
    alerts = Alert.objects.filter(
        contract_id__in=ids,
        raised_at__gte=period.start,
        raised_at__lt=period.until,
        rule__in=rules,
    )
    alert_rows: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    for contract_id, code, device_id, pk in alerts.values_list(
        "contract_id", "rule__standard_code", "device_id", "pk"
    ).order_by("raised_at"):
        alert_rows[_key(contract_id, Source.SENSORS, code)].append((device_id, pk))
    found: dict[Key, Measure] = {}
    for rule in rules:
        hours = _hours_above(
            rule,
            [d for (c, kind), ds in watched.items() if kind == rule.device_kind for d in ds],
            period,
        )
        for contract_id in ids:
            device_ids = watched.get((contract_id, rule.device_kind), [])
            if not device_ids:
                continue
            key = _key(contract_id, Source.SENSORS, rule.standard_code)
            measure = found.setdefault(key, Measure(extra_value=Decimal(0)))
            rows = [r for r in alert_rows[key] if r[0] in set(device_ids)]
            alerted = {device_id for device_id, _pk in rows}
            measure.checked += len(device_ids)
            measure.passed += len(device_ids) - len(alerted)
            measure.occurrences += len(rows)
            measure.records += [("alert", pk) for _device, pk in rows]
            seconds = sum(hours.get(d, 0.0) for d in device_ids)
            measure.extra_value = (measure.extra_value or Decimal(0)) + (
                Decimal(seconds) / 3600
            ).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return found


def _hours_above(rule: SensorRule, device_ids: list[int], period: Month) -> dict[int, float]:
    """Seconds each device's readings of the rule's quantity stayed at or above its threshold
    in the month: each reading holds until the next one (the last until the month's end).

    Only the readings at or above the threshold are visited, each finding the time of the next
    reading through the (device, observed_at, name) index: a window over every reading of the
    month would sort them all, and nearly all are normal."""
    if not device_ids:
        return {}
    end: datetime | str = period.until
    start: datetime | str = period.start
    if connection.vendor == "postgresql":
        seconds = "EXTRACT(EPOCH FROM ({following} - r.observed_at))"
    else:
        seconds = "(julianday({following}) - julianday(r.observed_at)) * 86400"
        end, start = _sqlite_time(period.until), _sqlite_time(period.start)
    following = """COALESCE((
        SELECT MIN(n.observed_at) FROM sensors_reading n
        WHERE n.device_id = r.device_id AND n.name = r.name
          AND n.observed_at > r.observed_at AND n.observed_at < %s
    ), %s)"""
    placeholders = ", ".join(["%s"] * len(device_ids))
    sql = f"""
        SELECT r.device_id, SUM({seconds.format(following=following)})
        FROM sensors_reading r
        WHERE r.device_id IN ({placeholders}) AND r.name = %s
          AND r.observed_at >= %s AND r.observed_at < %s AND r.value >= %s
        GROUP BY r.device_id
    """  # noqa: S608 — only placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [end, end, *device_ids, rule.quantity, start, end, rule.threshold])
        return {device_id: float(total or 0) for device_id, total in cursor.fetchall()}


def _sqlite_time(moment: datetime) -> str:
    """A moment as Django stores it in SQLite: naive UTC text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
