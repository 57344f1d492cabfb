"""GET discovery.{json,xml}: where the endpoint is, and in which formats."""

import pytest
from django.test import Client

from .helpers import body, error_descriptions, url

pytestmark = pytest.mark.django_db


def test_it_describes_the_endpoint_in_json() -> None:
    response = Client().get(url("discovery", "json"))
    assert response.status_code == 200
    discovery = body(response, "json")
    assert set(discovery) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] in ("production", "test")
    assert endpoint["changeset"].endswith("+08:00")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


def test_it_describes_the_endpoint_in_xml() -> None:
    root = body(Client().get(url("discovery", "xml")), "xml")
    assert root.tag == "discovery"
    assert root.findtext("contact")
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_an_unknown_format_is_not_found() -> None:
    assert Client().get("/open311/v2/discovery.csv").status_code == 404


def test_an_unknown_jurisdiction_is_not_found() -> None:
    for fmt in ("json", "xml"):
        response = Client().get(url("discovery", fmt), {"jurisdiction_id": "xiamen"})
        assert error_descriptions(response, fmt, 404)


def test_our_own_jurisdiction_is_welcome() -> None:
    response = Client().get(url("discovery", "json"), {"jurisdiction_id": "quanzhou-parks"})
    assert response.status_code == 200


def test_an_unknown_resource_answers_an_open311_error() -> None:
    response = Client().get("/open311/v2/nothing.xml")
    assert error_descriptions(response, "xml", 404)
