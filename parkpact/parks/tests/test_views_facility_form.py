import html
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.parks.models import Facility, Zone

pytestmark = pytest.mark.usefixtures("english")


def url(world: World) -> str:
    return reverse("parks:facility_create", kwargs={"park_pk": world.park.pk})


def inside(zone: Zone) -> tuple[str, str]:
    """A point a little inside the zone's south-west corner."""
    longitude, latitude = zone.boundary["coordinates"][0][0]
    return f"{longitude + 0.0004:.6f}", f"{latitude + 0.0004:.6f}"


def facility_data(zone: Zone, **changes: Any) -> dict[str, Any]:
    longitude, latitude = inside(zone)
    data = {
        "zone": zone.pk,
        "code": "WC-01",
        "name": "North toilet",
        "kind": Facility.Kind.TOILET,
        "longitude": longitude,
        "latitude": latitude,
        "in_service": "on",
    }
    return {**data, **changes}


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    response = client_for(None).get(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "finance", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_the_registry(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.post(url(world), facility_data(world.zones[0])).status_code == 403
    assert not Facility.objects.exists()


def test_it_adds_a_facility_inside_its_zone(world: World, manager: User) -> None:
    client = client_for(manager)
    form = client.get(url(world), {"zone": world.zones[1].pk}).content.decode()
    assert f'value="{world.zones[1].pk}" selected' in form
    response = client.post(url(world), facility_data(world.zones[1]))
    assert response.status_code == 302
    facility = Facility.objects.get(code="WC-01")
    assert facility.zone == world.zones[1]
    assert facility.in_service
    park_page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Facility WC-01 North toilet added." in park_page
    assert "North toilet" in park_page


def test_it_refuses_a_position_outside_the_zone(world: World, manager: User) -> None:
    # A point inside zone 2, offered as being in zone 0.
    longitude, latitude = inside(world.zones[2])
    response = client_for(manager).post(
        url(world), facility_data(world.zones[0], longitude=longitude, latitude=latitude)
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert f"This position is outside the zone {world.zones[0]}" in page
    assert not Facility.objects.exists()


def test_it_offers_only_the_parks_own_zones(world: World, manager: User) -> None:
    elsewhere = testing.make_zone(testing.make_park("Elsewhere"), x=50)
    response = client_for(manager).post(url(world), facility_data(elsewhere))
    assert response.status_code == 400
    assert "Select a valid choice" in html.unescape(response.content.decode())
    assert not Facility.objects.exists()
