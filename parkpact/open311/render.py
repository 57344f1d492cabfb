"""Open311's two formats: a bare JSON array (or object) and plain XML with no namespaces.

Every answer of /open311/v2/ goes through ``respond``, and every error through ``errors``, so
that both formats always carry the same content.
"""

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

import orjson
from django.http import HttpResponse
from django.utils import timezone

FORMATS = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
# The element each list's items get in XML, by the list's own element name.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "errors": "error",
}


def w3c(moment: datetime | None, tz: tzinfo | None = None) -> str | None:
    """A datetime as Open311 wants it: ISO 8601 in local time, with its offset (+08:00).
    A long list passes ``tz`` (the current time zone) once rather than look it up."""
    if moment is None:
        return None
    return moment.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return w3c(value)
    return str(value)  # lazy translations


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value) or ""
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        item_name = XML_ITEMS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def to_json(value: Any) -> bytes:
    # orjson: a 1,000-request page is some 600 KB, which the standard library encodes ten
    # times slower. Datetimes never reach it raw: the feed writes them as W3C strings first.
    return orjson.dumps(value, default=_json_default)


def respond(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """``value`` in the asked format: ``root`` names the XML document element (a JSON list is
    a bare array, as Open311 clients expect)."""
    body = to_xml(root, value) if fmt == "xml" else to_json(value)
    return HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["json"]))


def errors(fmt: str, status: int, descriptions: Iterable[str]) -> HttpResponse:
    """Open311's error list: one ``{code, description}`` per message, the HTTP status as code."""
    items = [{"code": status, "description": str(text)} for text in descriptions]
    return respond(fmt, "errors", items, status=status)
