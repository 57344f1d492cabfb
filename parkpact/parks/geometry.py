"""Zone geometry as pure functions (no Django): GeoJSON polygon checks and geodesic areas.

Coordinates are WGS84 longitude, latitude (GeoJSON order). Areas are computed on the WGS84
ellipsoid with pyproj's Geod, never typed in by hand.
"""

import math
from collections.abc import Sequence
from typing import Any

from pyproj import Geod
from shapely.geometry import Point, shape
from shapely.validation import explain_validity

WGS84 = Geod(ellps="WGS84")


class GeometryError(ValueError):
    """Why a polygon is refused; ``code`` is stable, ``detail`` is for the log."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


def _check_position(position: Any) -> None:
    if not isinstance(position, Sequence) or isinstance(position, str) or len(position) < 2:
        raise GeometryError("bad_position", f"{position!r} is not [longitude, latitude]")
    longitude, latitude = position[0], position[1]
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in (longitude, latitude)
    ):
        raise GeometryError("bad_position", f"{position!r} is not numeric")
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise GeometryError("out_of_range", f"{position!r} is outside WGS84")


def validate_polygon(geojson: Any) -> None:
    """Raise GeometryError unless this is a valid GeoJSON Polygon.

    Valid means: type Polygon; every ring closed, with at least four positions; every
    position a WGS84 [longitude, latitude]; and no ring crossing itself or another.
    """
    if not isinstance(geojson, dict) or geojson.get("type") != "Polygon":
        raise GeometryError("not_polygon", "expected a GeoJSON object of type Polygon")
    rings = geojson.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise GeometryError("no_rings", "a Polygon needs at least its outer ring")
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise GeometryError("ring_too_short", "each ring needs at least four positions")
        for position in ring:
            _check_position(position)
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise GeometryError("ring_not_closed", "a ring must end where it starts")
    polygon = shape(geojson)
    if not polygon.is_valid:
        raise GeometryError("self_intersection", explain_validity(polygon))
    if polygon.area == 0:
        raise GeometryError("zero_area", "the polygon encloses no area")


def geodesic_area_m2(geojson: dict[str, Any]) -> float:
    """The polygon's area in square metres on the WGS84 ellipsoid (holes subtracted)."""
    area, _perimeter = WGS84.geometry_area_perimeter(shape(geojson))
    return abs(area)


def contains_point(
    geojson: dict[str, Any], longitude: float, latitude: float, *, metres: float = 10
) -> bool:
    """Whether the point lies in the polygon or within ``metres`` of its edge (GPS slack)."""
    polygon = shape(geojson)
    point = Point(longitude, latitude)
    if polygon.covers(point):
        return True
    # The nearest point of the outline, and the geodesic distance to it.
    nearest = polygon.exterior.interpolate(polygon.exterior.project(point))
    _a, _b, distance = WGS84.inv(longitude, latitude, nearest.x, nearest.y)
    return bool(distance <= metres)


def distance_m(geojson: dict[str, Any], longitude: float, latitude: float) -> float:
    """Metres from the point to the polygon on the ellipsoid: 0 inside or on the edge."""
    return distance_to_polygon(shape(geojson), longitude, latitude)


def distance_to_polygon(polygon: Any, longitude: float, latitude: float) -> float:
    """distance_m for a polygon already built (shapely), e.g. one kept between calls."""
    point = Point(longitude, latitude)
    if polygon.covers(point):
        return 0.0
    nearest = polygon.exterior.interpolate(polygon.exterior.project(point))
    _a, _b, distance = WGS84.inv(longitude, latitude, nearest.x, nearest.y)
    return float(distance)


def bounds(geojson: dict[str, Any]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a polygon, for a cheap first filter by bounding box."""
    west, south, east, north = shape(geojson).bounds
    return west, south, east, north


def degrees_for(metres: float, latitude: float) -> tuple[float, float]:
    """How many degrees of longitude and latitude cover at least ``metres`` at this latitude
    (a margin for bounding-box filters; generous, never short)."""
    per_degree_latitude = 110_574.0  # the smallest value, at the equator
    per_degree_longitude = 111_320.0 * max(math.cos(math.radians(min(abs(latitude), 89.0))), 0.01)
    return metres / per_degree_longitude, metres / per_degree_latitude


def centroid(geojsons: Sequence[dict[str, Any]]) -> tuple[float, float] | None:
    """The centre (longitude, latitude) of some polygons' bounds, to centre a map on."""
    if not geojsons:
        return None
    bounds = [shape(g).bounds for g in geojsons]
    return (
        (min(b[0] for b in bounds) + max(b[2] for b in bounds)) / 2,
        (min(b[1] for b in bounds) + max(b[3] for b in bounds)) / 2,
    )
