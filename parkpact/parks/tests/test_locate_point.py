"""Where a reported point falls: in a zone, next to one, near a park, or nowhere."""

import pytest

from conftest import World
from parkpact import testing
from parkpact.parks.services import locate_point, update_zone

pytestmark = pytest.mark.django_db


def centre(zone: object) -> tuple[float, float]:
    return ((zone.west + zone.east) / 2, (zone.south + zone.north) / 2)  # type: ignore[attr-defined]


def test_it_finds_the_zone_that_contains_the_point(world: World) -> None:
    lon, lat = centre(world.zones[1])
    location = locate_point(longitude=lon, latitude=lat)
    assert location is not None and location.zone == world.zones[1]
    assert location.distance_m == 0


def test_it_snaps_to_a_zone_within_fifty_metres_only(world: World) -> None:
    zone = world.zones[0]
    near = locate_point(longitude=(zone.west + zone.east) / 2, latitude=zone.south - 0.0004)
    assert near is not None and near.zone == zone and 40 < near.distance_m < 50
    farther = locate_point(longitude=(zone.west + zone.east) / 2, latitude=zone.south - 0.0006)
    assert farther is not None and farther.zone is None and farther.park == world.park


def test_it_finds_nothing_far_from_every_park(world: World) -> None:
    zone = world.zones[0]
    assert locate_point(longitude=zone.west, latitude=zone.south - 0.01) is None  # ~1.1 km


def test_a_redrawn_zone_is_located_by_its_new_boundary(world: World) -> None:
    zone = world.zones[0]
    lon, lat = centre(zone)
    assert locate_point(longitude=lon, latitude=lat).zone == zone  # type: ignore[union-attr]
    update_zone(zone=zone, by=None, boundary=testing.square(x=10))
    location = locate_point(longitude=lon, latitude=lat)
    assert location is None or location.zone != zone
