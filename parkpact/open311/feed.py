"""GET requests: Open311's public list of service requests, its filters and its fields.

Built for a large table (a benchmark reads a 90-day window out of a million requests): one query
of plain values for the page, newest first on the ``requested_at`` indexes, then one query for
the page's report photos and, with ``extensions=true``, one for its public history. No contact
detail is ever selected, so none can leak.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from parkpact.servicerequests.models import (
    RequestEvent,
    RequestPhoto,
    Service,
    ServiceRequest,
)

from .render import w3c

Status = ServiceRequest.Status

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
CLOSED_STATUSES = sorted(set(Status.values) - set(ServiceRequest.OPEN_STATUSES))

BAD_DATETIME = _(
    "%(name)s: give a W3C date and time, such as 2026-05-01T08:00:00+08:00 (encode + as %%2B)."
)
SPAN_TOO_LONG = _("start_date and end_date may be at most 90 days apart: ask for a shorter span.")
END_BEFORE_START = _("end_date is before start_date.")
BAD_STATUS = _("status: give open, closed, or open,closed.")
BAD_PAGE = _("%(name)s: give a whole number of at least 1.")
BAD_EXTENSIONS = _("extensions: give true or false.")


class FilterError(Exception):
    """What is wrong with a GET requests query: answered as 400 with every message."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages)
        self.messages = messages


@dataclass(frozen=True)
class RequestFilter:
    """A GET requests query, checked. ``ids`` overrides every other filter."""

    ids: list[int] | None = None
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    open311_statuses: frozenset[str] = frozenset()
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = MAX_PAGE_SIZE
    extensions: bool = False


# A "+" left unencoded in a query string arrives as a space: "…T08:00:00 08:00".
_EATEN_PLUS = re.compile(r" (\d{2}(:?\d{2})?)$")


def parse_moment(name: str, text: str) -> datetime:
    """A W3C datetime (or a date, taken as local midnight); local time when it has no offset."""
    text = _EATEN_PLUS.sub(r"+\1", text.strip())
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise FilterError([str(BAD_DATETIME % {"name": name})])
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _positive(name: str, text: str, default: int) -> int:
    if not text.strip():
        return default
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise FilterError([str(BAD_PAGE % {"name": name})])
    return number


def parse_filter(params: QueryDict, *, now: datetime) -> RequestFilter:
    """Check a GET requests query; every problem found is reported together."""
    problems: list[str] = []

    def attempt(parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except FilterError as error:
            problems.extend(error.messages)
            return None

    def moment(name: str) -> datetime | None:
        text = params.get(name, "").strip()
        return attempt(lambda: parse_moment(name, text)) if text else None

    page = attempt(lambda: _positive("page", params.get("page", ""), 1)) or 1
    page_size = attempt(lambda: _positive("page_size", params.get("page_size", ""), 1000))
    extensions_text = params.get("extensions", "").strip().lower()
    if extensions_text not in ("", "true", "false", "1", "0"):
        problems.append(str(BAD_EXTENSIONS))
    extensions = extensions_text in ("true", "1")
    ids_text = params.get("service_request_id", "")
    if ids_text.strip():
        if problems:
            raise FilterError(problems)
        ids = [int(part) for part in _comma_list(ids_text) if part.isdigit()][:MAX_PAGE_SIZE]
        return RequestFilter(ids=ids, extensions=extensions)

    statuses = frozenset(part.lower() for part in _comma_list(params.get("status", "")))
    if not statuses <= {"open", "closed"}:
        problems.append(str(BAD_STATUS))
    start, end = moment("start_date"), moment("end_date")
    updated_after, updated_before = moment("updated_after"), moment("updated_before")
    polling = (updated_after or updated_before) and not (start or end)
    if not polling and not problems:
        if start and end:
            if end < start:
                problems.append(str(END_BEFORE_START))
            elif end - start > MAX_SPAN:
                problems.append(str(SPAN_TOO_LONG))
        elif start:
            end = start + MAX_SPAN
        elif end:
            start = end - MAX_SPAN
        else:
            start, end = now - MAX_SPAN, now
    if problems:
        raise FilterError(problems)
    return RequestFilter(
        service_codes=tuple(_comma_list(params.get("service_code", ""))),
        start=start,
        end=end,
        open311_statuses=statuses,
        updated_after=updated_after,
        updated_before=updated_before,
        page=page,
        page_size=min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        extensions=extensions,
    )


# ---- The query ------------------------------------------------------------------------------

# Everything a row of the answer needs, and nothing else: no contact field is ever read.
FIELDS = [
    "id",
    "status",
    "description",
    "media_url",
    "latitude",
    "longitude",
    "address_string",
    "channel",
    "requested_at",
    "updated_at",
    "expected_at",
    "service__code",
    "service__name_zh",
    "service__name_en",
    "park__code",
    "park__name",
    "zone__code",
    "zone__name",
    "provider__name",
]
# Read only for extensions=true: every datetime column read costs time on each of 1,000 rows.
EXTENSION_FIELDS = [
    "acknowledge_by",
    "acknowledged_at",
    "resolved_at",
    "acknowledge_breached_at",
    "resolve_breached_at",
    "reporter_rating",
]


def matching(query: RequestFilter) -> "list[dict[str, Any]]":
    """The page of requests the query asks for, newest first, as plain values."""
    requests = ServiceRequest.objects.all()
    if query.ids is not None:
        requests = requests.filter(pk__in=query.ids)
    else:
        if query.service_codes:
            requests = requests.filter(
                service_id__in=Service.objects.filter(code__in=query.service_codes).values("pk")
            )
        if query.start is not None:
            requests = requests.filter(requested_at__gte=query.start)
        if query.end is not None:
            requests = requests.filter(requested_at__lte=query.end)
        if query.open311_statuses == {"open"}:
            requests = requests.filter(status__in=sorted(ServiceRequest.OPEN_STATUSES))
        elif query.open311_statuses == {"closed"}:
            requests = requests.filter(status__in=CLOSED_STATUSES)
        if query.updated_after is not None:
            requests = requests.filter(updated_at__gt=query.updated_after)
        if query.updated_before is not None:
            requests = requests.filter(updated_at__lt=query.updated_before)
    latest_note = (
        RequestEvent.objects.filter(request=OuterRef("pk"), public=True)
        .exclude(note="")
        .order_by("-at", "-pk")
        .values("note")[:1]
    )
    offset = (query.page - 1) * query.page_size
    return list(
        requests.order_by("-requested_at", "-id")
        .annotate(status_note=Subquery(latest_note))
        .values(*FIELDS, *(EXTENSION_FIELDS if query.extensions else ()), "status_note")[
            offset : offset + query.page_size
        ]
    )


def report_photos(ids: Iterable[int]) -> dict[int, UUID]:
    """The first photo the reporter sent with each request, by request id."""
    first: dict[int, UUID] = {}
    rows = (
        RequestPhoto.objects.filter(request_id__in=list(ids), stage=RequestPhoto.Stage.REPORT)
        .order_by("request_id", "uploaded_at", "pk")
        .values_list("request_id", "uuid")
    )
    for request_id, uuid in rows:
        first.setdefault(request_id, uuid)
    return first


def public_history(ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Each request's public notes, oldest first: what the reporter may read, never who."""
    notes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        RequestEvent.objects.filter(request_id__in=list(ids), public=True)
        .order_by("request_id", "at", "pk")
        .values_list("request_id", "at", "kind", "to_status", "note")
    )
    status: dict[int, str] = {}
    tz = timezone.get_current_timezone()
    for request_id, at, kind, to_status, note in rows:
        if to_status:
            status[request_id] = to_status
        current = status.get(request_id, Status.SUBMITTED)
        if note:
            description = note
        elif to_status:
            description = str(Status(to_status).label)
        else:
            description = str(RequestEvent.Kind(kind).label)
        notes[request_id].append(
            {
                "datetime": w3c(at, tz),
                "status": _open311_status(current),
                "detailed_status": current,
                "description": description,
            }
        )
    return notes


# ---- The fields -----------------------------------------------------------------------------


def _open311_status(status: str) -> str:
    return "open" if status in ServiceRequest.OPEN311_OPEN else "closed"


@lru_cache(maxsize=256)
def _service_notice(hours: int, language: str) -> str:
    return ngettext(
        "To be resolved within %(hours)s hour.", "To be resolved within %(hours)s hours.", hours
    ) % {"hours": hours}


def service_notice(hours: int) -> str:
    """The SLA in words, in the current language (cached: the same few texts on every row)."""
    return _service_notice(hours, get_language() or "")


class PhotoLinks:
    """Absolute links to report photos' display copies, made without a reverse() per row."""

    SAMPLE = UUID(int=0)

    def __init__(self, request: HttpRequest) -> None:
        try:
            sample = reverse("public:photo_display", kwargs={"uuid": self.SAMPLE})
        except NoReverseMatch:  # the public pages are not mounted: the link sent, if any
            self.template = None
        else:
            self.template = request.build_absolute_uri(sample)

    def link(self, uuid: UUID | None, sent: str) -> str | None:
        if uuid is not None and self.template is not None:
            return self.template.replace(str(self.SAMPLE), str(uuid))
        return sent or None


def _breached(
    marked: datetime | None, deadline: datetime, done: datetime | None, waiting: bool, now: datetime
) -> bool:
    """Missed: marked by the SLA sweep, done after the deadline, or still waiting past it."""
    return (
        marked is not None or (done is not None and done > deadline) or (waiting and now > deadline)
    )


def request_item(
    row: dict[str, Any],
    *,
    english: bool,
    now: datetime,
    photo: UUID | None,
    links: PhotoLinks,
    notes: list[dict[str, Any]] | None,
    tz: tzinfo,
) -> dict[str, Any]:
    """One request as Open311 shows it (and, with ``notes``, its extensions)."""
    hours = round((row["expected_at"] - row["requested_at"]).total_seconds() / 3600)
    zone_code = row["zone__code"]
    park_name = row["park__name"]
    place = " · ".join(name for name in (park_name, row["zone__name"]) if name)
    latitude, longitude = row["latitude"], row["longitude"]
    item: dict[str, Any] = {
        "service_request_id": str(row["id"]),
        "status": _open311_status(row["status"]),
        "status_notes": row["status_note"] or None,
        "service_name": row["service__name_en"] if english else row["service__name_zh"],
        "service_code": row["service__code"],
        "description": row["description"],
        "agency_responsible": row["provider__name"] or settings.PARKPACT_CENTRE_NAME,
        "service_notice": service_notice(hours),
        "requested_datetime": w3c(row["requested_at"], tz),
        "updated_datetime": w3c(row["updated_at"], tz),
        "expected_datetime": w3c(row["expected_at"], tz),
        "address": row["address_string"] or place or None,
        "address_id": f"{row['park__code']}/{zone_code}" if zone_code else None,
        "zipcode": None,
        "lat": float(latitude) if latitude is not None else None,
        "long": float(longitude) if longitude is not None else None,
        "media_url": links.link(photo, row["media_url"]),
    }
    if notes is not None:
        status = row["status"]
        is_open = status in ServiceRequest.OPEN_STATUSES
        item["extended_attributes"] = {
            "detailed_status": status,
            "detailed_status_label": str(Status(status).label),
            "park_code": row["park__code"],
            "park_name": park_name,
            "zone_code": zone_code,
            "zone_name": row["zone__name"],
            "channel": row["channel"],
            "acknowledge_by": w3c(row["acknowledge_by"], tz),
            "acknowledge_breached": _breached(
                row["acknowledge_breached_at"],
                row["acknowledge_by"],
                row["acknowledged_at"],
                status == Status.SUBMITTED,
                now,
            ),
            "resolve_by": w3c(row["expected_at"], tz),
            "resolve_breached": _breached(
                row["resolve_breached_at"],
                row["expected_at"],
                row["resolved_at"],
                is_open,
                now,
            ),
            "reporter_rating": row["reporter_rating"],
        }
        item["notes"] = notes
    return item


def request_items(
    rows: list[dict[str, Any]], *, request: HttpRequest, extensions: bool
) -> list[dict[str, Any]]:
    """The rows as Open311 items, with their photos (and history): two or three queries in all."""
    ids = [row["id"] for row in rows]
    photos = report_photos(ids) if ids else {}
    history = public_history(ids) if extensions and ids else {}
    english = (get_language() or "").startswith("en")
    now = timezone.now()
    links = PhotoLinks(request)
    tz = timezone.get_current_timezone()
    return [
        request_item(
            row,
            english=english,
            now=now,
            photo=photos.get(row["id"]),
            links=links,
            notes=history.get(row["id"], []) if extensions else None,
            tz=tz,
        )
        for row in rows
    ]
