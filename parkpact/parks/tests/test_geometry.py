"""Zone polygons: what is refused, and areas computed on the WGS84 ellipsoid."""

import math

import pytest
from django.core.exceptions import ValidationError

from parkpact.parks import geometry
from parkpact.parks.models import Zone
from parkpact.parks.services import create_zone
from parkpact.testing import make_park, square


def band_area(lat1: float, lat2: float, dlon: float) -> float:
    """The exact area of a latitude-longitude quadrangle on the WGS84 ellipsoid (closed form)."""
    a, f = 6378137.0, 1 / 298.257223563
    b = a * (1 - f)
    e = math.sqrt(1 - (b / a) ** 2)

    def q(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return s / (1 - e * e * s * s) + (1 / (2 * e)) * math.log((1 + e * s) / (1 - e * s))

    return (b * b / 2) * (q(lat2) - q(lat1)) * math.radians(dlon)


def test_it_computes_the_area_of_a_quadrangle_of_known_area() -> None:
    # 0.01° × 0.01° at Donghu's latitude: about 1.1 km × 1.0 km.
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[118.60, 24.90], [118.61, 24.90], [118.61, 24.91], [118.60, 24.91], [118.60, 24.90]]
        ],
    }
    expected = band_area(24.90, 24.91, 0.01)
    assert expected == pytest.approx(1_123_000, rel=0.01)
    assert geometry.geodesic_area_m2(polygon) == pytest.approx(expected, rel=1e-5)


def test_it_subtracts_holes() -> None:
    outer = square(size=0.002)["coordinates"][0]
    hole = square(x=0.25, y=0.25, size=0.001)["coordinates"][0]
    with_hole = {"type": "Polygon", "coordinates": [outer, hole[::-1]]}
    assert geometry.geodesic_area_m2(with_hole) == pytest.approx(
        geometry.geodesic_area_m2(square(size=0.002))
        - geometry.geodesic_area_m2(square(size=0.001)),
        rel=1e-3,
    )


@pytest.mark.parametrize(
    ("polygon", "code"),
    [
        ({"type": "Point", "coordinates": [118.6, 24.9]}, "not_polygon"),
        ({"type": "Polygon", "coordinates": []}, "no_rings"),
        (
            {"type": "Polygon", "coordinates": [[[118.6, 24.9], [118.7, 24.9], [118.6, 24.9]]]},
            "ring_too_short",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[118.6, 24.9], [118.7, 24.9], [118.7, 25.0], [118.6, 25.0]]],
            },
            "ring_not_closed",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[218.6, 24.9], [118.7, 24.9], [118.7, 25.0], [218.6, 24.9]]],
            },
            "out_of_range",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[["a", 24.9], [118.7, 24.9], [118.7, 25.0], ["a", 24.9]]],
            },
            "bad_position",
        ),
        # A bow tie: the ring crosses itself.
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[118.6, 24.9], [118.7, 25.0], [118.7, 24.9], [118.6, 25.0], [118.6, 24.9]]
                ],
            },
            "self_intersection",
        ),
    ],
)
def test_it_refuses_bad_polygons_with_a_stable_code(polygon: dict[str, object], code: str) -> None:
    with pytest.raises(geometry.GeometryError) as error:
        geometry.validate_polygon(polygon)
    assert error.value.code == code


@pytest.mark.django_db
def test_a_zone_gets_its_area_from_its_boundary_and_refuses_a_crossed_one() -> None:
    park = make_park()
    zone = create_zone(
        park=park, code="A1", name="Lawn", kind=Zone.Kind.LAWN, boundary=square(), by=None
    )
    assert float(zone.area_m2) == pytest.approx(geometry.geodesic_area_m2(square()), abs=0.1)
    assert 10_000 < zone.area_m2 < 12_000  # 0.001° square ≈ 101 m × 111 m

    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[118.6, 24.9], [118.7, 25.0], [118.7, 24.9], [118.6, 25.0], [118.6, 24.9]]
        ],
    }
    with pytest.raises(ValidationError) as error:
        create_zone(
            park=park, code="A2", name="Bad", kind=Zone.Kind.LAWN, boundary=bow_tie, by=None
        )
    assert "boundary" in error.value.message_dict
    assert not Zone.objects.filter(code="A2").exists()


def test_it_accepts_a_point_a_few_metres_outside_for_gps_slack() -> None:
    polygon = square()
    lon, lat = polygon["coordinates"][0][0]
    assert geometry.contains_point(polygon, lon + 0.0005, lat + 0.0005)
    assert geometry.contains_point(polygon, lon - 0.00003, lat + 0.0005)  # ~3 m west
    assert not geometry.contains_point(polygon, lon - 0.001, lat + 0.0005)  # ~100 m west
