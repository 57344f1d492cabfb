"""What the Open311 tests share: an integrator's key, posting, and reading both formats."""

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.test import Client
from django.urls import reverse

from parkpact.open311.services import create_key
from parkpact.parks.models import Zone


def issue_key(name: str = "12345 hotline", per_hour: int = 600) -> str:
    """A key of an integrator, as it would be handed over."""
    _api_key, key = create_key(name=name, requests_per_hour=per_hour, by=None)
    return key


def url(name: str, fmt: str, **kwargs: Any) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def centre_of(zone: Zone) -> dict[str, str]:
    return {
        "lat": f"{(zone.south + zone.north) / 2:.6f}",
        "long": f"{(zone.west + zone.east) / 2:.6f}",
    }


def post(
    fmt: str = "json", *, key: str | None = None, client: Client | None = None, **data: Any
) -> Any:
    """POST requests.{fmt} as a form; ``key`` goes in the body as api_key."""
    if key is not None:
        data["api_key"] = key
    return (client or Client()).post(url("requests", fmt), data)


def body(response: Any, fmt: str) -> Any:
    """JSON as Python values; XML as its document element (after checking the declaration)."""
    expected = "application/json" if fmt == "json" else "text/xml"
    assert response["Content-Type"] == f"{expected}; charset=utf-8"
    if fmt == "json":
        return json.loads(response.content)
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer, in a test)
    assert "}" not in root.tag  # no namespaces
    return root


def error_descriptions(response: Any, fmt: str, status: int) -> list[str]:
    """The descriptions of an Open311 error list, after checking its shape in either format."""
    assert response.status_code == status, response.content.decode()
    parsed = body(response, fmt)
    if fmt == "json":
        assert isinstance(parsed, list) and parsed
        assert all(item["code"] == status for item in parsed)
        return [item["description"] for item in parsed]
    assert parsed.tag == "errors"
    errors = parsed.findall("error")
    assert errors and all(error.findtext("code") == str(status) for error in errors)
    return [error.findtext("description") or "" for error in errors]
