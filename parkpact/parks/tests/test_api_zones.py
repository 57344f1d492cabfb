"""GET /api/v1/zones and /api/v1/zones/{id}: public GeoJSON; QR tokens for centre staff only."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.parks.models import Zone


def assert_polygon_feature(feature: dict[str, Any]) -> None:
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Polygon"
    for ring in feature["geometry"]["coordinates"]:
        assert len(ring) >= 4
        assert ring[0] == ring[-1]
        assert all(len(position) == 2 for position in ring)
    assert set(feature["properties"]) == {
        "id",
        "park",
        "code",
        "name",
        "kind",
        "area_m2",
        "qr_token",
    }
    assert isinstance(feature["properties"]["area_m2"], float)
    assert feature["id"] == feature["properties"]["id"]


def test_it_lists_zones_as_a_feature_collection(world: World) -> None:
    response = Client().get("/api/v1/zones")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == 3
    assert len(body["features"]) == 3
    for feature in body["features"]:
        assert_polygon_feature(feature)
    first = body["features"][0]
    zone = world.zones[0]
    assert first["geometry"] == zone.boundary
    assert first["properties"]["park"] == world.park.pk
    assert first["properties"]["area_m2"] == float(zone.area_m2)


def test_it_hides_qr_tokens_from_the_public(world: World) -> None:
    body = Client().get("/api/v1/zones").json()
    assert {f["properties"]["qr_token"] for f in body["features"]} == {None}
    assert world.zones[0].qr_token not in Client().get("/api/v1/zones").content.decode()


def test_it_hides_qr_tokens_from_provider_staff(world: World, provider_a_user: User) -> None:
    body = client_for(provider_a_user).get("/api/v1/zones").json()
    assert {f["properties"]["qr_token"] for f in body["features"]} == {None}


@pytest.mark.parametrize("persona", ["inspector", "manager", "auditor"])
def test_it_shows_qr_tokens_to_centre_staff(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    body = client_for(user).get("/api/v1/zones").json()
    tokens = {f["properties"]["qr_token"] for f in body["features"]}
    assert tokens == {zone.qr_token for zone in world.zones}


def test_it_filters_zones_by_park_and_kind(world: World) -> None:
    other = testing.make_park("Other")
    testing.make_zone(other, kind=Zone.Kind.TOILET)
    assert Client().get(f"/api/v1/zones?park={other.pk}").json()["count"] == 1
    assert Client().get(f"/api/v1/zones?park={world.park.pk}").json()["count"] == 3
    body = Client().get("/api/v1/zones?kind=toilet").json()
    assert [f["properties"]["kind"] for f in body["features"]] == ["toilet"]


def test_it_refuses_an_unknown_kind(db: None) -> None:
    response = Client().get("/api/v1/zones?kind=volcano")
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["kind"]


def test_it_shows_one_zone_as_a_feature(world: World) -> None:
    zone = world.zones[1]
    response = Client().get(f"/api/v1/zones/{zone.pk}")
    assert response.status_code == 200
    feature = response.json()
    assert_polygon_feature(feature)
    assert feature["properties"]["code"] == zone.code
    assert feature["properties"]["qr_token"] is None


def test_it_shows_one_zones_qr_token_to_centre_staff(world: World, inspector: User) -> None:
    zone = world.zones[1]
    feature = client_for(inspector).get(f"/api/v1/zones/{zone.pk}").json()
    assert feature["properties"]["qr_token"] == zone.qr_token


def test_it_says_not_found_for_an_unknown_zone(db: None) -> None:
    response = Client().get("/api/v1/zones/424242")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_lists_zones_in_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = Client()
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/zones")
    park = testing.make_park()
    for x in range(5):
        testing.make_zone(park, x=x)
    with django_assert_max_num_queries(len(few)):
        assert client.get("/api/v1/zones").json()["count"] == 8
