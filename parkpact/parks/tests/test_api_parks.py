"""GET /api/v1/parks and /api/v1/parks/{id}: public, with zone count and total area."""

from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User


def test_it_lists_parks_to_anyone(world: World) -> None:
    response = Client().get("/api/v1/parks")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    park = body["items"][0]
    assert park["id"] == world.park.pk
    assert park["zone_count"] == 3
    expected = sum(zone.area_m2 for zone in world.zones)
    assert abs(Decimal(str(park["total_area_m2"])) - expected) < Decimal("0.01")


def test_it_lists_parks_to_provider_staff_too(world: World, provider_b_user: User) -> None:
    assert client_for(provider_b_user).get("/api/v1/parks").json()["count"] == 1


def test_it_counts_a_park_without_zones(db: None) -> None:
    testing.make_park("Empty")
    park = Client().get("/api/v1/parks").json()["items"][0]
    assert park["zone_count"] == 0
    assert park["total_area_m2"] == 0


def test_it_shows_one_park(world: World) -> None:
    response = Client().get(f"/api/v1/parks/{world.park.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == world.park.name
    assert response.json()["zone_count"] == 3


def test_it_says_not_found_for_an_unknown_park(db: None) -> None:
    response = Client().get("/api/v1/parks/424242")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_pages_parks(db: None) -> None:
    for _ in range(3):
        testing.make_park()
    body = Client().get("/api/v1/parks?limit=2&offset=2").json()
    assert body["count"] == 3
    assert len(body["items"]) == 1


def test_it_lists_parks_in_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = Client()
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/parks")
    for _ in range(4):
        park = testing.make_park()
        testing.make_zone(park)
    with django_assert_max_num_queries(len(few)):
        assert client.get("/api/v1/parks").json()["count"] == 5
