import html
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.parks.models import Facility, Zone
from parkpact.parks.services import create_facility, create_zone

pytestmark = pytest.mark.usefixtures("english")


def url(world: World) -> str:
    return reverse("parks:park_detail", kwargs={"pk": world.park.pk})


def map_data(content: str) -> Any:
    found = re.search(r'<script id="zone-map-data" type="application/json">(.*?)</script>', content)
    assert found, "the page carries no map data"
    return json.loads(found.group(1))


def add_facility(zone: Zone, code: str) -> Facility:
    ring = zone.boundary["coordinates"][0]
    return create_facility(
        zone=zone,
        code=code,
        name=f"Bin {code}",
        kind=Facility.Kind.BIN,
        longitude=Decimal(str(round(ring[0][0] + 0.0005, 6))),
        latitude=Decimal(str(round(ring[0][1] + 0.0005, 6))),
        by=None,
    )


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    response = client_for(None).get(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_it_answers_404_for_an_unknown_park(world: World, inspector: User) -> None:
    response = client_for(inspector).get(reverse("parks:park_detail", kwargs={"pk": 999999}))
    assert response.status_code == 404


def test_it_shows_zones_facilities_and_qr_tokens_to_centre_staff(
    world: World, inspector: User
) -> None:
    add_facility(world.zones[0], "BIN-001")
    response = client_for(inspector).get(url(world))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for zone in world.zones:
        assert zone.code in page
        assert zone.name in page
        assert zone.qr_token in page
        assert f"{zone.area_m2:,.1f}" in page
    assert "BIN-001" in page
    assert "Bin BIN-001" in page
    assert "Add zone" not in page  # inspectors do not change the registry


def test_it_hides_qr_tokens_from_provider_staff(world: World, provider_a_user: User) -> None:
    response = client_for(provider_a_user).get(url(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert world.zones[0].code in page
    for zone in world.zones:
        assert zone.qr_token not in page


def test_it_gives_the_map_every_zone_polygon_and_facility(world: World, inspector: User) -> None:
    add_facility(world.zones[1], "BIN-002")
    data = map_data(client_for(inspector).get(url(world)).content.decode())
    features = data["zones"]["features"]
    assert [f["properties"]["title"] for f in features] == [str(z) for z in world.zones]
    assert features[0]["geometry"] == world.zones[0].boundary
    assert features[0]["properties"]["kind"] == "Lawn"
    assert [f["title"] for f in data["facilities"]] == ["BIN-002 Bin BIN-002"]


def test_it_cannot_be_broken_into_by_a_zone_name(
    world: World, manager: User, inspector: User
) -> None:
    create_zone(
        park=world.park,
        code="X1",
        name="</script><script>alert(1)</script>",
        kind=Zone.Kind.PLAZA,
        boundary=testing.square(x=20),
        by=manager,
    )
    content = client_for(inspector).get(url(world)).content.decode()
    assert "<script>alert(1)" not in content
    titles = [f["properties"]["title"] for f in map_data(content)["zones"]["features"]]
    assert "X1 </script><script>alert(1)</script>" in titles


def test_it_offers_managers_the_zone_and_facility_forms(world: World, manager: User) -> None:
    page = client_for(manager).get(url(world)).content.decode()
    assert reverse("parks:zone_create", kwargs={"park_pk": world.park.pk}) in page
    assert reverse("parks:facility_create", kwargs={"park_pk": world.park.pk}) in page
    assert (
        reverse("parks:zone_update", kwargs={"park_pk": world.park.pk, "pk": world.zones[0].pk})
        in page
    )


def test_it_uses_the_same_queries_however_many_zones_and_facilities(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(manager)
    with CaptureQueriesContext(connection) as baseline:
        client.get(url(world))
    for x in range(3, 13):
        zone = testing.make_zone(world.park, x=x)
        add_facility(zone, f"F-{x}")
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(url(world))
    assert len(map_data(response.content.decode())["zones"]["features"]) == 13
