"""The sensors endpoints of the JSON API (mounted in parkpact/api.py at /api/v1/sensors).

Devices, not people, call ``POST /readings``: each with its own secret, either as
``Authorization: Bearer ppd_…`` or as the pair ``X-Device-Id`` + ``X-Device-Secret``.
"""

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema
from ninja.security.base import AuthBase

from parkpact.core.api import ApiError, error_body, errors

from . import senml
from .models import UNIT_OF, Device
from .openapi import READINGS_OPENAPI
from .services import (
    SECRET_PREFIX,
    ReadingError,
    device_for_secret,
    readings_from_records,
    store_readings,
)

router = Router(tags=["sensors"])

# senml.py is pure Python: its messages are English; these say the same in the caller's language.
SENML_MESSAGES = {
    "not_a_pack": gettext_lazy("A SenML pack is a non-empty JSON array of records."),
    "not_a_record": gettext_lazy("Each record must be a JSON object."),
    "missing_name": gettext_lazy("The record has no name (n or bn)."),
    "bad_name": gettext_lazy("The name is not a valid SenML name."),
    "not_a_number": gettext_lazy("The value (v) must be a number."),
    "bad_time": gettext_lazy(
        "The time must be a number of seconds (t), or observedAt an ISO 8601 time."
    ),
    "bad_unit": gettext_lazy("This unit is not accepted: use /, ppm or count."),
    "future_time": gettext_lazy("The time is more than 5 minutes ahead of the server's clock."),
}

# Readings per request: enough for a day of 1-minute readings from one device.
MAX_RECORDS = 5000


def _authenticated(request: HttpRequest, *, secret: str | None) -> Device:
    """The device whose secret this is (and whose id, when X-Device-Id is sent); else 401
    ``device_not_authenticated``."""
    code = request.headers.get("X-Device-Id")
    device = device_for_secret(code=code, secret=secret) if secret else None
    if device is None:
        raise ApiError(
            401,
            "device_not_authenticated",
            _("This device is unknown or revoked, or its secret is wrong."),
        )
    request.device = device  # type: ignore[attr-defined]
    return device


class DeviceSecret(AuthBase):
    """A device's secret in ``X-Device-Secret`` (tried first: when present, it decides)."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-Device-Secret"
    openapi_description = (
        "The device's secret (ppd_…), shown once when the device is registered. "
        "Send the device id in X-Device-Id as well: it is checked against the secret."
    )

    def __call__(self, request: HttpRequest) -> Device | None:
        secret = request.headers.get("X-Device-Secret")
        if secret is None:
            return None  # not this way: ninja tries DeviceBearer
        return _authenticated(request, secret=secret)


class DeviceBearer(AuthBase):
    """The same secret as ``Authorization: Bearer ppd_…``; without either, 401."""

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_bearerFormat = "ppd_…"
    openapi_description = "The device's secret (ppd_…) as a bearer token."

    def __call__(self, request: HttpRequest) -> Device:
        authorization = request.headers.get("Authorization", "")
        secret = None
        if authorization.startswith("Bearer " + SECRET_PREFIX):
            secret = authorization.removeprefix("Bearer ")
        return _authenticated(request, secret=secret)


# Either way authenticates a device; the OpenAPI document lists both as alternatives.
DEVICE_AUTH = [DeviceSecret(), DeviceBearer()]


class StoredOut(Schema):
    received: int
    stored: int


def _batch_records(body: dict[str, Any], now: float) -> list[senml.Record]:
    """The JSON batch {"readings": [{"name", "value", "observedAt", "unit"?}]} as SenML records,
    so that both formats meet the same checks."""
    items = body.get("readings")
    if not isinstance(items, list) or not items:
        raise senml.SenMLError("not_a_pack", _("Send a non-empty list under “readings”."))
    pack: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise senml.SenMLError("not_a_record", _("Each reading must be a JSON object."), index)
        observed = item.get("observedAt")
        try:
            moment = datetime.fromisoformat(observed) if isinstance(observed, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise senml.SenMLError(
                "bad_time",
                _(
                    "observedAt must be an ISO 8601 time with its offset, e.g. 2026-05-01T08:00:00+08:00."
                ),
                index,
            )
        name = item.get("name")
        entry = {"n": name, "v": item.get("value"), "t": moment.timestamp()}
        entry["u"] = item.get("unit", UNIT_OF.get(name, "") if isinstance(name, str) else "")
        pack.append(entry)
    return senml.parse_pack(pack, now=now)


@router.post(
    "/readings",
    auth=DEVICE_AUTH,
    response={200: StoredOut, **errors(400, 401, 413, 415)},
    summary="Send readings (a device: SenML pack or JSON batch)",
    openapi_extra=READINGS_OPENAPI,
)
def post_readings(request: HttpRequest) -> Any:
    """Body: a SenML JSON pack (``application/senml+json``, RFC 8428) or a JSON batch
    ``{"readings": [{"name": "fillingLevel", "value": 0.4, "observedAt": "…"}]}``.

    Every reading is checked before any is stored; a reading already stored (same device,
    time and quantity) is not stored again and is not an error: ``stored`` counts the new
    ones. 400 codes: ``bad_json``, ``not_a_pack``, ``bad_unit``, ``not_a_number``,
    ``future_time``, ``missing_name``, ``bad_time``, ``unknown_quantity``, ``out_of_range``."""
    device: Device = request.device  # type: ignore[attr-defined]
    content_type = request.content_type or ""
    if content_type not in ("application/senml+json", "application/json"):
        raise ApiError(
            415,
            "unsupported_media_type",
            _("Send application/senml+json (a SenML pack) or application/json (a batch)."),
        )
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_json", _("The body is not valid JSON.")) from None
    now = datetime.now().timestamp()
    try:
        if isinstance(body, dict):
            records = _batch_records(body, now)
        else:
            records = senml.parse_pack(body, now=now)
        if len(records) > MAX_RECORDS:
            raise ApiError(
                413,
                "too_many_readings",
                _("Send at most %(n)s readings at once.") % {"n": MAX_RECORDS},
            )
        readings = readings_from_records(device, records)
    except (senml.SenMLError, ReadingError) as error:
        message = str(SENML_MESSAGES.get(error.code, error.message))
        where = {} if error.index is None else {f"records.{error.index}": [message]}
        return JsonResponse(error_body(error.code, message, where), status=400)
    stored = store_readings(device=device, readings=readings)
    return {"received": stored.received, "stored": stored.stored}
