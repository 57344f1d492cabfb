"""The public OCDS endpoints: release packages paged by (date, id), and one record per ocid.

No login: everything published is public by design (see ocds.py on personal data)."""

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, urlencode

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import ocds
from .models import Release

PAGE_SIZE = 500
CONTENT_TYPE = "application/json; charset=utf-8"


class BadParameter(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_moment(value: str, name: str) -> datetime:
    """An ISO 8601 date (midnight in the centre's time zone) or date-time."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise BadParameter(
                f"invalid_{name}",
                _("%(name)s must be an ISO 8601 date or date-time, e.g. 2026-03-01.")
                % {"name": name},
            )
        return ocds.start_of_day(day)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def encode_cursor(moment: datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        moment_text, pk_text = raw.rsplit("|", 1)
        return datetime.fromisoformat(moment_text), int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadParameter(
            "invalid_page", _("The page cursor is not valid: follow links.next as given.")
        ) from error


def _error(error: BadParameter) -> JsonResponse:
    return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=400)


@require_GET
def releases(request: HttpRequest) -> HttpResponseBase:
    """A release package: ``since`` ≤ date < ``until``, oldest first, PAGE_SIZE a page,
    streamed row by row; ``links.next`` carries the keyset cursor of the next page."""
    query = Release.objects.order_by("date", "id")
    kept: dict[str, str] = {}
    try:
        for name in ("since", "until"):
            value = request.GET.get(name, "").strip()
            if value:
                moment = parse_moment(value, name)
                query = query.filter(**{"date__gte" if name == "since" else "date__lt": moment})
                kept[name] = value
        cursor = request.GET.get("page", "").strip()
        if cursor:
            after, after_pk = decode_cursor(cursor)
            query = query.filter(Q(date__gt=after) | Q(date=after, id__gt=after_pk))
    except BadParameter as error:
        return _error(error)

    base = request.build_absolute_uri(reverse("publication:releases"))

    def next_uri(moment: datetime, pk: int) -> str:
        return f"{base}?{urlencode({**kept, 'page': encode_cursor(moment, pk)})}"

    rows = query.values_list("id", "date", "data")[: PAGE_SIZE + 1]
    body = ocds.stream_release_package(
        rows.iterator(chunk_size=100),
        uri=request.build_absolute_uri(),
        published=timezone.now(),
        page_size=PAGE_SIZE,
        next_uri=next_uri,
    )
    return StreamingHttpResponse(body, content_type=CONTENT_TYPE)


def release_link(base: str, release_id: str, moment: datetime) -> str:
    """Where a release can be read: the package page starting at its date, at its id."""
    return f"{base}?since={quote(moment.isoformat())}#{quote(release_id)}"


@require_GET
def record(request: HttpRequest, ocid: str) -> HttpResponse:
    """A record package for one contracting process, with its compiled release."""
    rows = list(
        Release.objects.filter(ocid=ocid)
        .order_by("date", "id")
        .values_list("release_id", "date", "tags", "data")
    )
    if not rows:
        return JsonResponse(
            {"error": {"code": "unknown_ocid", "message": _("No process has this ocid.")}},
            status=404,
        )
    base = request.build_absolute_uri(reverse("publication:releases"))
    package = record_package(
        ocid=ocid,
        rows=rows,
        uri=request.build_absolute_uri(),
        link=lambda release_id, moment: release_link(base, release_id, moment),
    )
    return HttpResponse(ocds.dumps(package), content_type=CONTENT_TYPE)


def record_package(
    *,
    ocid: str,
    rows: list[tuple[str, datetime, list[str], str]],
    uri: str,
    link: Callable[[str, datetime], str],
) -> dict[str, object]:
    """Shared by the endpoint and ``export_ocds``: rows are (release id, date, tags, JSON)."""
    linked = [
        {
            "url": link(release_id, moment),
            "date": ocds.timestamp(moment),
            "tag": tags,
        }
        for release_id, moment, tags, _data in rows
    ]
    record = ocds.compile_record(
        ocid=ocid, releases=[json.loads(data) for *_rest, data in rows], linked=linked
    )
    return {**ocds.package_head(uri=uri, published=timezone.now()), "records": [record]}
