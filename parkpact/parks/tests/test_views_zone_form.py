import html
import json
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import AuditEvent, User
from parkpact.parks.models import Zone

pytestmark = pytest.mark.usefixtures("english")


def create_url(world: World) -> str:
    return reverse("parks:zone_create", kwargs={"park_pk": world.park.pk})


def update_url(zone: Zone) -> str:
    return reverse("parks:zone_update", kwargs={"park_pk": zone.park_id, "pk": zone.pk})


def zone_data(**changes: Any) -> dict[str, Any]:
    data = {
        "code": "PL-01",
        "name": "Lakeside plaza",
        "kind": Zone.Kind.PLAZA,
        "boundary": json.dumps(testing.square(x=30)),
    }
    return {**data, **changes}


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    response = client_for(None).get(create_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "auditor", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_the_registry(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(create_url(world)).status_code == 403
    assert client.post(create_url(world), zone_data()).status_code == 403
    assert client.post(update_url(world.zones[0]), zone_data()).status_code == 403
    assert not Zone.objects.filter(code="PL-01").exists()


def test_it_adds_a_zone_with_its_area_computed(world: World, manager: User) -> None:
    client = client_for(manager)
    assert client.get(create_url(world)).status_code == 200
    response = client.post(create_url(world), zone_data())
    assert response.status_code == 302
    zone = Zone.objects.get(park=world.park, code="PL-01")
    assert zone.name == "Lakeside plaza"
    assert zone.area_m2 > 10_000
    detail = page(client.get(response["Location"]))
    assert "Zone PL-01 Lakeside plaza added." in detail
    assert "Lakeside plaza" in detail


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [[[118.6, 24.93], [118.61, 24.93], [118.61, 24.94], [118.6, 24.94]]],
            },
            "The ring is not closed: its last position must repeat its first.",
        ),
        (
            # A bow tie: two edges cross in the middle.
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [118.6, 24.93],
                        [118.61, 24.94],
                        [118.61, 24.93],
                        [118.6, 24.94],
                        [118.6, 24.93],
                    ]
                ],
            },
            "The outline crosses itself: redraw it so that no edges intersect.",
        ),
        (
            {"type": "Point", "coordinates": [118.6, 24.93]},
            "Give a GeoJSON object of type Polygon.",
        ),
    ],
)
def test_it_shows_why_a_boundary_is_refused_and_saves_nothing(
    world: World, manager: User, boundary: dict[str, Any], message: str
) -> None:
    response = client_for(manager).post(create_url(world), zone_data(boundary=json.dumps(boundary)))
    assert response.status_code == 400
    content = page(response)
    assert message in content
    # The message sits under the boundary field, and what was typed is kept.
    assert content.index(message) > content.index('name="boundary"')
    assert '"Polygon"' in content or '"Point"' in content
    assert not Zone.objects.filter(code="PL-01").exists()


def test_it_refuses_text_that_is_not_json(world: World, manager: User) -> None:
    response = client_for(manager).post(create_url(world), zone_data(boundary="not a polygon"))
    assert response.status_code == 400
    assert "Enter a valid JSON." in page(response)
    assert not Zone.objects.filter(code="PL-01").exists()


def test_it_refuses_a_code_already_used_in_the_park(world: World, manager: User) -> None:
    taken = world.zones[0].code
    response = client_for(manager).post(create_url(world), zone_data(code=taken))
    assert response.status_code == 400
    assert "already exists" in page(response)
    assert Zone.objects.filter(park=world.park, code=taken).count() == 1


def test_it_changes_a_zone_and_records_what_it_was(world: World, manager: User) -> None:
    zone = world.zones[0]
    old_name, old_area = zone.name, zone.area_m2
    client = client_for(manager)
    form_page = page(client.get(update_url(zone)))
    assert old_name in form_page
    response = client.post(
        update_url(zone),
        zone_data(
            code=zone.code, name="Renamed lawn", boundary=json.dumps(testing.square(size=0.002))
        ),
    )
    assert response.status_code == 302
    zone.refresh_from_db()
    assert zone.name == "Renamed lawn"
    assert zone.area_m2 > old_area * 3
    event = AuditEvent.objects.get(action="zone.update")
    assert event.before is not None and event.before["name"] == old_name
    assert event.after is not None and event.after["name"] == "Renamed lawn"


def test_it_leaves_a_zone_unchanged_when_the_new_boundary_is_invalid(
    world: World, manager: User
) -> None:
    zone = world.zones[0]
    before = (zone.name, zone.boundary, zone.area_m2)
    broken = {
        "type": "Polygon",
        "coordinates": [[[118.6, 24.93], [200, 24.93], [118.6, 24.94], [118.6, 24.93]]],
    }
    response = client_for(manager).post(
        update_url(zone), zone_data(code=zone.code, name="Changed", boundary=json.dumps(broken))
    )
    assert response.status_code == 400
    assert "A position lies outside WGS84" in page(response)
    zone.refresh_from_db()
    assert (zone.name, zone.boundary, zone.area_m2) == before


def test_it_answers_404_for_a_zone_under_another_park(world: World, manager: User) -> None:
    other_park = testing.make_park("Other")
    response = client_for(manager).get(
        reverse("parks:zone_update", kwargs={"park_pk": other_park.pk, "pk": world.zones[0].pk})
    )
    assert response.status_code == 404
