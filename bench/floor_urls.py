"""ParkPact's URLs plus the open311 benchmark's floors (bench-only; see bench/open311.py).

The POST floor is the cheapest honest write: a bare Django view that reads the same form-encoded body
as an Open311 POST and inserts one row, in one transaction (IMMEDIATE on SQLite, as ParkPact's
own writes), into a table the benchmark creates (``bench_floor_row``), and answers 201 with a
small JSON body. It has the full middleware stack, no ORM model, no ledger, no placing or routing.
The GET floor is the cheapest honest read: a bare view selecting one row of that table by its key
(the POSTs have filled it) and answering it as a small JSON body.
"""

import json

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from parkpact.urls import urlpatterns as parkpact_urlpatterns

FLOOR_PATH = "bench/floor-insert"
SELECT_PATH = "bench/floor-select"
FLOOR_TABLE = "bench_floor_row"


@csrf_exempt
@require_POST
def floor_insert(request: HttpRequest) -> HttpResponse:
    body = request.POST.get("description", "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (body, at) VALUES (%s, %s)",  # noqa: S608 (a constant)
            [body, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
    return HttpResponse(
        json.dumps([{"service_request_id": "0"}]), status=201, content_type="application/json"
    )


@require_GET
def floor_select(request: HttpRequest) -> HttpResponse:
    key = int(request.GET.get("id", "1") or 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, body, at FROM {FLOOR_TABLE} WHERE id = %s",  # noqa: S608 (a constant)
            [key],
        )
        row = cursor.fetchone()
    if row is None:
        return HttpResponse(status=404)
    return HttpResponse(
        json.dumps({"id": row[0], "body": row[1], "at": str(row[2])}),
        content_type="application/json",
    )


urlpatterns = [
    path(FLOOR_PATH, floor_insert, name="bench_floor_insert"),
    path(SELECT_PATH, floor_select, name="bench_floor_select"),
    *parkpact_urlpatterns,
]
