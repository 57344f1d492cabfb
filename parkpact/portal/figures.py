"""What the public portal shows, read from the other apps.

Every count, share, median and percentile is computed by the database, and each function runs a
fixed number of queries whatever the size of the city: the pages stay fast and their query
counts flat (the tests hold them to it). Nothing here reads a complainant's contact details or a
report's text, and nothing names a member of staff.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import (
    ExtractHour,
    ExtractIsoWeekDay,
    Round,
    RowNumber,
    TruncDate,
    TruncMonth,
)
from django.utils import timezone

from parkpact.assessments.models import Assessment, Rating
from parkpact.contracts.models import Contract, ContractVersion
from parkpact.core.models import AuditEvent
from parkpact.inspections.models import Finding, Inspection
from parkpact.parks.models import Park, Zone
from parkpact.providers.models import Provider
from parkpact.servicerequests.models import ServiceRequest

from .models import FigureSnapshot

# How far back the request map, heat map and resolution times look, and the other windows.
REQUEST_DAYS = 90
INSPECTION_MONTHS = 12
RATING_MONTHS = 12
LEDGER_DAYS = 30
# Points not placed in a zone are shown rounded to 3 decimals of a degree (about 100 m).
POINT_DECIMALS = 3

Status = ServiceRequest.Status
# Spam and abuse are rejected, and a duplicate would count one problem twice.
NOT_COUNTED = (Status.REJECTED, Status.DUPLICATE)
RESOLVED = Q(status__in=(Status.RESOLVED, Status.CLOSED), resolved_at__isnull=False)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, one decimal; None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def start_of_year(today: date) -> datetime:
    return timezone.make_aware(datetime.combine(today.replace(month=1, day=1), time.min))


def _month_of(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


def months_back(today: date, count: int) -> list[date]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    months = [today.replace(day=1)]
    while len(months) < count:
        first = months[-1]
        months.append(date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return months[::-1]


def public_requests() -> QuerySet[ServiceRequest]:
    """The reports the portal counts: every one but the rejected and the duplicates."""
    return ServiceRequest.objects.exclude(status__in=NOT_COUNTED)


def contracts_in_force(today: date) -> QuerySet[Contract]:
    return Contract.objects.filter(
        status=Contract.Status.ACTIVE, start_date__lte=today, end_date__gte=today
    )


# ---- Home -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigures:
    parks: int
    contracts_in_force: int
    reports: int
    reports_due: int
    reports_in_time: int
    inspections: int
    findings_judged: int
    findings_passed: int

    @property
    def share_in_time(self) -> Decimal | None:
        return percent(self.reports_in_time, self.reports_due)

    @property
    def share_passed(self) -> Decimal | None:
        return percent(self.findings_passed, self.findings_judged)


def key_figures(now: datetime) -> KeyFigures:
    """This year's figures. A report counts towards the SLA share once it is resolved or its
    deadline has passed: resolved by the deadline is in time, anything else is not."""
    today = timezone.localdate(now)
    year = start_of_year(today)
    reports = (
        public_requests()
        .filter(requested_at__gte=year)
        .aggregate(
            total=Count("pk"),
            due=Count("pk", filter=RESOLVED | Q(expected_at__lt=now)),
            in_time=Count("pk", filter=RESOLVED & Q(resolved_at__lte=F("expected_at"))),
        )
    )
    findings = Finding.objects.filter(
        inspection__status=Inspection.Status.SUBMITTED, inspection__submitted_at__gte=year
    ).aggregate(
        passed=Count("pk", filter=Q(result=Finding.Result.PASS)),
        judged=Count("pk", filter=Q(result__in=(Finding.Result.PASS, Finding.Result.FAIL))),
    )
    return KeyFigures(
        parks=Park.objects.count(),
        contracts_in_force=contracts_in_force(today).count(),
        reports=reports["total"],
        reports_due=reports["due"],
        reports_in_time=reports["in_time"],
        inspections=Inspection.objects.filter(
            status=Inspection.Status.SUBMITTED, submitted_at__gte=year
        ).count(),
        findings_judged=findings["judged"],
        findings_passed=findings["passed"],
    )


# ---- Parks and contracts ----------------------------------------------------------------------


@dataclass
class PublicContract:
    pk: int
    number: str
    title: str
    service: str
    status: str
    start_date: date
    end_date: date
    provider_id: int
    provider_name: str
    monthly_fee: Decimal | None


@dataclass
class ParkContracts:
    park: Park
    contracts: list[PublicContract] = field(default_factory=list)


def _fee_on(today: date) -> Subquery:
    """The monthly fee of the terms in force today (contracts.models.terms_on, as a subquery)."""
    return Subquery(
        ContractVersion.objects.filter(
            contract=OuterRef("pk"), in_force=True, effective_from__lte=today
        )
        .order_by("-number")
        .values("monthly_fee")[:1]
    )


def _public_contract(row: dict[str, Any]) -> PublicContract:
    return PublicContract(
        pk=row["pk"],
        number=row["number"],
        title=row["title"],
        service=str(Contract.ServiceKind(row["service_kind"]).label),
        status=str(Contract.Status(row["status"]).label),
        start_date=row["start_date"],
        end_date=row["end_date"],
        provider_id=row["provider_id"],
        provider_name=row["provider__name"],
        monthly_fee=row["monthly_fee"],
    )


CONTRACT_FIELDS = (
    "pk",
    "number",
    "title",
    "service_kind",
    "status",
    "start_date",
    "end_date",
    "provider_id",
    "provider__name",
    "monthly_fee",
)


def parks_with_contracts(today: date) -> list[ParkContracts]:
    """Every park with the signed contracts whose zones lie in it (drafts are not public)."""
    parks = {park.pk: ParkContracts(park) for park in Park.objects.order_by("name")}
    rows = (
        Contract.objects.exclude(status=Contract.Status.DRAFT)
        .annotate(in_park=F("zones__park"), monthly_fee=_fee_on(today))
        .values(*CONTRACT_FIELDS, "in_park")
        .distinct()
        .order_by("number")
    )
    for row in rows:
        if row["in_park"] in parks:
            parks[row["in_park"]].contracts.append(_public_contract(row))
    return list(parks.values())


# ---- Contractors ------------------------------------------------------------------------------


def approved_ratings() -> QuerySet[Rating]:
    return Rating.objects.filter(assessment__status=Assessment.Status.APPROVED)


def contractors(today: date) -> QuerySet[Provider]:
    """Companies with a signed contract, with their contracts in force and, over the last
    twelve months, their average score and latest rating."""
    since = months_back(today, RATING_MONTHS)[0]
    recent = approved_ratings().filter(provider=OuterRef("pk"), month__gte=since)
    in_force = contracts_in_force(today).filter(provider=OuterRef("pk"))
    return (
        Provider.objects.filter(
            pk__in=Contract.objects.exclude(status=Contract.Status.DRAFT).values("provider_id")
        )
        .annotate(
            contracts_in_force=Subquery(
                in_force.values("provider").annotate(n=Count("pk")).values("n")[:1]
            ),
            average_score=Subquery(
                recent.values("provider").annotate(a=Avg("score")).values("a")[:1]
            ),
            latest_grade=Subquery(recent.order_by("-month", "-pk").values("grade")[:1]),
            latest_month=Subquery(recent.order_by("-month", "-pk").values("month")[:1]),
        )
        .order_by("name")
    )


def provider_contracts(provider: Provider, today: date) -> list[PublicContract]:
    rows = (
        Contract.objects.filter(provider=provider)
        .exclude(status=Contract.Status.DRAFT)
        .annotate(monthly_fee=_fee_on(today))
        .values(*CONTRACT_FIELDS)
        .order_by("-start_date", "number")
    )
    return [_public_contract(row) for row in rows]


def provider_ratings(provider: Provider) -> list[Rating]:
    return list(
        approved_ratings()
        .filter(provider=provider)
        .select_related("contract")
        .order_by("month", "contract__number")
    )


def ratings_chart(ratings: list[Rating]) -> dict[str, Any]:
    """What the ECharts line chart draws: one line of monthly scores per contract."""
    numbers = sorted({rating.contract.number for rating in ratings})
    months = sorted({f"{rating.month:%Y-%m}" for rating in ratings})
    score_at = {(r.contract.number, f"{r.month:%Y-%m}"): float(r.score) for r in ratings}
    return {
        "months": months,
        "series": [
            {"name": number, "data": [score_at.get((number, month)) for month in months]}
            for number in numbers
        ],
    }


# ---- Service requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    total: int
    open: int
    resolved: int
    due: int
    in_time: int
    median_hours: Decimal | None
    p90_hours: Decimal | None

    @property
    def share_in_time(self) -> Decimal | None:
        return percent(self.in_time, self.due)


def _hours(value: timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP)


def resolution_times(recent: QuerySet[ServiceRequest]) -> dict[int, tuple[timedelta, timedelta]]:
    """Per service: the median and 90th-percentile time from report to resolution, by the
    nearest-rank method (the ⌈p·n⌉-th shortest), picked out by a window function in the
    database so only two rows per service travel."""
    duration = ExpressionWrapper(F("resolved_at") - F("requested_at"), output_field=DurationField())
    ranked = (
        recent.filter(RESOLVED)
        .annotate(
            duration=duration,
            position=Window(
                RowNumber(), partition_by=[F("service_id")], order_by=[duration.asc(), "pk"]
            ),
            size=Window(Count("pk"), partition_by=[F("service_id")]),
        )
        # ⌈n/2⌉ and ⌈9n/10⌉ in integer arithmetic, the same on SQLite and PostgreSQL.
        .filter(Q(position=(F("size") + 1) / 2) | Q(position=(F("size") * 9 + 9) / 10))
        .values("service_id", "duration", "position", "size")
        .order_by()
    )
    picked: dict[int, dict[str, timedelta]] = {}
    for row in ranked:
        size = row["size"]
        found = picked.setdefault(row["service_id"], {})
        if row["position"] == -(-size // 2):
            found["median"] = row["duration"]
        if row["position"] == -(-size * 9 // 10):
            found["p90"] = row["duration"]
    return {
        service: (times["median"], times["p90"])
        for service, times in picked.items()
        if "median" in times and "p90" in times
    }


@dataclass
class RequestFigures:
    since: datetime
    total: int
    categories: list[Category]
    heatmap: list[list[int]]
    map_data: dict[str, Any]


def request_figures(now: datetime, *, english: bool) -> RequestFigures:
    """The public reports page's figures counted now (what the snapshot holds)."""
    return figures_from(count_requests(now), english=english)


def count_requests(now: datetime) -> dict[str, Any]:
    """The 90-day window's figures as plain JSON, in both languages: a snapshot's content."""
    since = now - timedelta(days=REQUEST_DAYS)
    recent = public_requests().filter(requested_at__gte=since)
    times = resolution_times(recent)
    rows = (
        recent.values("service_id", "service__code", "service__name_zh", "service__name_en")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=ServiceRequest.OPEN_STATUSES)),
            resolved=Count("pk", filter=RESOLVED),
            due=Count("pk", filter=RESOLVED | Q(expected_at__lt=now)),
            in_time=Count("pk", filter=RESOLVED & Q(resolved_at__lte=F("expected_at"))),
        )
        .order_by("-total", "service__code")
    )
    categories = []
    for row in rows:
        median, p90 = times.get(row["service_id"], (None, None))
        categories.append(
            {
                "code": row["service__code"],
                "name_zh": row["service__name_zh"],
                "name_en": row["service__name_en"],
                **{key: row[key] for key in ("total", "open", "resolved", "due", "in_time")},
                "median_hours": _text(_hours(median)),
                "p90_hours": _text(_hours(p90)),
            }
        )
    # Weekday (Monday first) × hour of the day, local time.
    heatmap = [
        [row["hour"], row["weekday"] - 1, row["count"]]
        for row in recent.annotate(
            weekday=ExtractIsoWeekDay("requested_at"), hour=ExtractHour("requested_at")
        )
        .values("weekday", "hour")
        .annotate(count=Count("pk"))
        .order_by()
    ]
    return {
        "since": since.isoformat(),
        "categories": categories,
        "heatmap": heatmap,
        "map_data": _request_map(recent),
    }


def figures_from(data: dict[str, Any], *, english: bool) -> RequestFigures:
    categories = [
        Category(
            code=row["code"],
            name=row["name_en"] if english else row["name_zh"],
            total=row["total"],
            open=row["open"],
            resolved=row["resolved"],
            due=row["due"],
            in_time=row["in_time"],
            median_hours=_decimal(row["median_hours"]),
            p90_hours=_decimal(row["p90_hours"]),
        )
        for row in data["categories"]
    ]
    return RequestFigures(
        since=datetime.fromisoformat(data["since"]),
        total=sum(category.total for category in categories),
        categories=categories,
        heatmap=data["heatmap"],
        map_data=data["map_data"],
    )


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


# ---- The snapshot the page reads ------------------------------------------------------------------

REQUESTS_SNAPSHOT = "requests"
SNAPSHOT_EVERY = timedelta(minutes=10)  # the worker's sweep (portal.tasks)
SNAPSHOT_STALE = 3 * SNAPSHOT_EVERY  # older than this, the page counts afresh


def snapshot_requests(now: datetime) -> FigureSnapshot:
    """Count the window and keep the figures with the moment they describe."""
    snapshot, _created = FigureSnapshot.objects.update_or_create(
        name=REQUESTS_SNAPSHOT, defaults={"computed_at": now, "data": count_requests(now)}
    )
    return snapshot


def current_request_figures(now: datetime, *, english: bool) -> tuple[RequestFigures, datetime]:
    """The figures the page shows and when they were counted: the worker's snapshot while it
    is fresh, else counted now (and kept)."""
    snapshot = FigureSnapshot.objects.filter(name=REQUESTS_SNAPSHOT).first()
    if snapshot is None or not now - SNAPSHOT_STALE <= snapshot.computed_at <= now:
        snapshot = snapshot_requests(now)
    return figures_from(snapshot.data, english=english), snapshot.computed_at


def _request_map(recent: QuerySet[ServiceRequest]) -> dict[str, Any]:
    """The zones that had reports, each with its count; reports placed in no zone as counts at
    rounded points. No report is ever shown on its own: no text, no time, no exact spot."""
    # Counted per zone id first, then the zones read: grouping the zones' rows (polygons and
    # all) over a join with every report they ever had cost a city 300 ms.
    counts = dict(
        recent.filter(zone__isnull=False)
        .values_list("zone_id")
        .annotate(reports=Count("pk"))
        .order_by()
    )
    # Plain tuples: a city's map has a thousand zones, and model instances cost 50 ms more.
    # Every zone is read and the ones without reports dropped here, rather than their ids
    # sent back in an IN list as long as the city.
    zones = Zone.objects.order_by("park__name", "code").values_list(
        "pk", "boundary", "park__name", "code", "name"
    )
    points = (
        recent.filter(zone__isnull=True, longitude__isnull=False, latitude__isnull=False)
        .annotate(
            lon=Round("longitude", POINT_DECIMALS),
            lat=Round("latitude", POINT_DECIMALS),
        )
        .values("lon", "lat")
        .annotate(reports=Count("pk"))
        .order_by()
    )
    return {
        "zones": [
            {
                "geometry": boundary,
                "title": f"{park_name} · {code} {name}",
                "reports": counts[pk],
            }
            for pk, boundary, park_name, code, name in zones
            if pk in counts
        ],
        "points": [
            {
                "longitude": round(float(point["lon"]), POINT_DECIMALS),
                "latitude": round(float(point["lat"]), POINT_DECIMALS),
                "reports": point["reports"],
            }
            for point in points
        ],
    }


# ---- Inspections ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionMonth:
    month: date
    inspections: int
    passed: int
    failed: int

    @property
    def share_passed(self) -> Decimal | None:
        return percent(self.passed, self.passed + self.failed)


def inspection_months(today: date) -> list[InspectionMonth]:
    """Submitted inspections per month of submission (local time) and their findings' pass
    share (pass ÷ pass + fail; "not inspected" counts neither way), the last twelve months."""
    months = months_back(today, INSPECTION_MONTHS)
    since = timezone.make_aware(datetime.combine(months[0], time.min))
    done = Inspection.objects.filter(status=Inspection.Status.SUBMITTED, submitted_at__gte=since)
    counts = {
        _month_of(row["month"]): row["count"]
        for row in done.annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by()
    }
    results = {
        _month_of(row["month"]): (row["passed"], row["failed"])
        # The same conditions through the join (not ``inspection__in=done``, which joined
        # the inspections twice).
        for row in Finding.objects.filter(
            inspection__status=Inspection.Status.SUBMITTED, inspection__submitted_at__gte=since
        )
        .annotate(month=TruncMonth("inspection__submitted_at"))
        .values("month")
        .annotate(
            passed=Count("pk", filter=Q(result=Finding.Result.PASS)),
            failed=Count("pk", filter=Q(result=Finding.Result.FAIL)),
        )
        .order_by()
    }
    return [
        InspectionMonth(month, counts.get(month, 0), *results.get(month, (0, 0)))
        for month in months
    ]


# ---- Ledger -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerDay:
    day: date
    entries: int
    last_seq: int
    head: str


def ledger_heads(today: date) -> list[LedgerDay]:
    """For each of the last 30 local days with entries: how many were written and the hash of
    the day's last entry, which fixes everything written up to then."""
    since = timezone.make_aware(datetime.combine(today - timedelta(days=LEDGER_DAYS - 1), time.min))
    days = list(
        AuditEvent.objects.filter(at__gte=since)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(entries=Count("pk"), last_seq=Max("seq"))
        .order_by("-day")
    )
    heads = dict(
        AuditEvent.objects.filter(seq__in=[day["last_seq"] for day in days]).values_list(
            "seq", "hash"
        )
    )
    return [
        LedgerDay(row["day"], row["entries"], row["last_seq"], heads[row["last_seq"]])
        for row in days
    ]
