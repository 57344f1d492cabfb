"""GET requests/{id}.{fmt} and tokens/{token}.{fmt}: one report, by its id or its token."""

import pytest
from django.test import Client

from conftest import World
from parkpact import testing

from .helpers import body, error_descriptions, url

pytestmark = pytest.mark.django_db


def test_it_shows_one_request_as_a_list_of_one_in_json(world: World) -> None:
    made = testing.make_service_request(world.zones[0])
    items = body(Client().get(url("request", "json", request_id=made.pk)), "json")
    assert isinstance(items, list) and len(items) == 1
    assert items[0]["service_request_id"] == str(made.pk)
    assert items[0]["status"] == "open"


def test_it_shows_one_request_in_xml_with_extensions_when_asked(world: World) -> None:
    made = testing.make_service_request(world.zones[0])
    root = body(
        Client().get(url("request", "xml", request_id=made.pk), {"extensions": "true"}), "xml"
    )
    assert root.tag == "service_requests"
    (item,) = root.findall("request")
    assert item.findtext("service_request_id") == str(made.pk)
    assert item.find("notes") is not None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_not_found(db: None, fmt: str) -> None:
    for request_id in ("999999", "abc"):
        response = Client().get(url("request", fmt, request_id=request_id))
        assert error_descriptions(response, fmt, 404)


def test_a_token_gives_the_request_id(world: World) -> None:
    made = testing.make_service_request(world.zones[0])
    (item,) = body(Client().get(url("token", "json", token=made.tracking_code)), "json")
    assert item == {"service_request_id": str(made.pk), "token": made.tracking_code}
    root = body(Client().get(url("token", "xml", token=made.tracking_code.lower())), "xml")
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == str(made.pk)
    assert root.findtext("request/token") == made.tracking_code


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_token_is_not_found(db: None, fmt: str) -> None:
    response = Client().get(url("token", fmt, token="NOTATOKEN2"))
    assert error_descriptions(response, fmt, 404)


def test_an_unknown_jurisdiction_is_not_found_here_too(world: World) -> None:
    made = testing.make_service_request(world.zones[0])
    response = Client().get(url("request", "json", request_id=made.pk), {"jurisdiction_id": "x"})
    assert error_descriptions(response, "json", 404)
