"""The demo's parks: Donghu Park (东湖公园) around its lake, and the smaller Chengdong Park.

Zones are drawn in a local metric frame (x east, y north, in metres) and projected to WGS84
at the end. Donghu's zones are rings around an irregular lake (its shore, the lakeside path, an
outer band of lawns, woods and squares) cut into sectors by rays from the lake's centre, plus
rectangles for the gate plaza, the car park and the toilet blocks, which are cut out of the band
they sit on. Neighbouring zones therefore share their edges and never overlap. Areas are computed
by the Zone model from these outlines, never typed in.

``seed`` is idempotent: parks are found by code, zones by park and code, facilities by code.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shapely import Point, Polygon, box
from shapely.geometry import LineString
from shapely.geometry.polygon import orient

from parkpact.core.models import User

from .models import Facility, FacilityKind, Park, Zone, ZoneKind
from .services import create_facility, create_park, create_zone

DONGHU_CENTRE = (118.6045, 24.9125)  # the middle of the lake (longitude, latitude)
CHENGDONG_ORIGIN = (118.6405, 24.9305)  # the south-west corner of Chengdong Park

# Metres per degree at latitude 24.9° N on the WGS84 ellipsoid; plenty for a few hundred metres.
METRES_PER_DEGREE_LATITUDE = 110_771.0
METRES_PER_DEGREE_LONGITUDE = 101_021.0

# Donghu's rings, as distances from the lake's edge in metres.
SHORE_WIDTH = 12.0
PATH_OUTER = 18.0
BAND_OUTER = 75.0


@dataclass(frozen=True)
class ZoneDraft:
    code: str
    name: str
    kind: str
    outline: Polygon  # in metres, in the park's local frame


@dataclass(frozen=True)
class FacilityDraft:
    code: str
    name: str
    kind: str
    position: Point  # in metres, in the park's local frame


@dataclass(frozen=True)
class ParkDraft:
    """A park as the demo draws it, before anything is saved."""

    code: str
    fields: dict[str, str]
    origin: tuple[float, float]
    zones: list[ZoneDraft]
    facilities: list[FacilityDraft]

    def zone_of(self, facility: FacilityDraft) -> ZoneDraft:
        """The zone a facility stands in (the first that contains its position)."""
        for zone in self.zones:
            if zone.outline.contains(facility.position):
                return zone
        raise ValueError(f"facility {facility.code} lies in no zone of {self.code}")


def to_wgs84(origin: tuple[float, float], x: float, y: float) -> tuple[float, float]:
    return (
        origin[0] + x / METRES_PER_DEGREE_LONGITUDE,
        origin[1] + y / METRES_PER_DEGREE_LATITUDE,
    )


def as_geojson(outline: Polygon, origin: tuple[float, float]) -> dict[str, Any]:
    """A metric outline as a WGS84 GeoJSON Polygon (counter-clockwise, positions to ~1 cm)."""
    if not isinstance(outline, Polygon) or outline.is_empty or outline.interiors:
        raise ValueError("a demo zone must be one polygon without holes")
    ring: list[list[float]] = []
    for x, y in orient(outline, 1.0).exterior.coords:
        lon, lat = to_wgs84(origin, x, y)
        position = [round(lon, 7), round(lat, 7)]
        if not ring or ring[-1] != position:
            ring.append(position)
    return {"type": "Polygon", "coordinates": [ring]}


def _lake() -> Polygon:
    """An irregular lake about 230 m east–west and 150 m north–south."""
    points = []
    for degree in range(0, 360, 3):
        t = math.radians(degree)
        # The radius of a 110 m × 70 m ellipse in direction t, made wavier like a real shore.
        ellipse = 1 / math.sqrt((math.cos(t) / 110) ** 2 + (math.sin(t) / 70) ** 2)
        wobble = 1 + 0.07 * math.sin(2 * t + 0.6) + 0.05 * math.cos(3 * t - 0.4)
        points.append((ellipse * wobble * math.cos(t), ellipse * wobble * math.sin(t)))
    return Polygon(points)


def _wedge(start: int, end: int) -> Polygon:
    """The sector between two bearings (degrees, anticlockwise from east) out to 1 km."""
    steps = max(2, math.ceil((end - start) / 10))
    rim = [start + (end - start) * i / steps for i in range(steps + 1)]
    return Polygon(
        [(0.0, 0.0)]
        + [(1000 * math.cos(math.radians(a)), 1000 * math.sin(math.radians(a))) for a in rim]
    )


def _ray_point(outline: Polygon, bearing: float) -> Point:
    """Where a ray from the lake's centre crosses an outline's edge (the farthest crossing)."""
    far = (1000 * math.cos(math.radians(bearing)), 1000 * math.sin(math.radians(bearing)))
    crossing = LineString([(0, 0), far]).intersection(outline.exterior)
    points = [crossing] if isinstance(crossing, Point) else list(crossing.geoms)
    return max(points, key=lambda p: p.distance(Point(0, 0)))


def _sector(ring: Polygon, start: int, end: int, cut: list[Polygon]) -> Polygon:
    piece = ring.intersection(_wedge(start, end))
    for other in cut:
        piece = piece.difference(other)
    if not isinstance(piece, Polygon):
        raise ValueError(f"the sector {start}°–{end}° is not one polygon")
    return piece


def _rectangle_at(centre: Point, width: float, height: float) -> Polygon:
    return box(
        centre.x - width / 2, centre.y - height / 2, centre.x + width / 2, centre.y + height / 2
    )


def _outward(point: Point, metres: float) -> Point:
    """A point moved away from the lake's centre."""
    length = math.hypot(point.x, point.y)
    return Point(point.x * (1 + metres / length), point.y * (1 + metres / length))


def draw_donghu() -> ParkDraft:
    """Donghu Park: 19 zones around the lake and the facilities in them."""
    lake = _lake()
    shore_edge = lake.buffer(SHORE_WIDTH)
    path_edge = lake.buffer(PATH_OUTER)
    band_edge = lake.buffer(BAND_OUTER)
    shore = shore_edge.difference(lake)
    path = path_edge.difference(shore_edge)
    band = band_edge.difference(path_edge)

    # Buildings and paved areas on the band's outer edge, cut out of the band sectors.
    gate = _rectangle_at(_outward(_ray_point(band_edge, 270), 8), 70, 40)
    parking = _rectangle_at(_outward(_ray_point(band_edge, 318), 22), 80, 48)
    north_toilet = _rectangle_at(_outward(_ray_point(band_edge, 100), -5), 22, 13)
    west_toilet = _rectangle_at(_outward(_ray_point(band_edge, 208), -4), 13, 18)
    buildings = [gate, parking, north_toilet, west_toilet]

    def band_sector(start: int, end: int) -> Polygon:
        return _sector(band, start, end, buildings)

    zones = [
        ZoneDraft("DH-01", "东湖水面", ZoneKind.WATER, lake),
        ZoneDraft("DH-02", "东岸亲水带", ZoneKind.LAKESHORE, _sector(shore, -45, 45, [])),
        ZoneDraft("DH-03", "北岸亲水带", ZoneKind.LAKESHORE, _sector(shore, 45, 135, [])),
        ZoneDraft("DH-04", "西岸亲水带", ZoneKind.LAKESHORE, _sector(shore, 135, 225, [])),
        ZoneDraft("DH-05", "南岸亲水带", ZoneKind.LAKESHORE, _sector(shore, 225, 315, [])),
        ZoneDraft("DH-06", "环湖北步道", ZoneKind.PATH, _sector(path, 0, 180, [])),
        ZoneDraft("DH-07", "环湖南步道", ZoneKind.PATH, _sector(path, 180, 360, [])),
        ZoneDraft("DH-08", "东岸草坪", ZoneKind.LAWN, band_sector(-25, 30)),
        ZoneDraft("DH-09", "樟树林", ZoneKind.WOODLAND, band_sector(30, 85)),
        ZoneDraft("DH-10", "北岸月季园草坪", ZoneKind.LAWN, band_sector(85, 130)),
        ZoneDraft("DH-11", "西北竹林", ZoneKind.WOODLAND, band_sector(130, 175)),
        ZoneDraft("DH-12", "儿童游乐场", ZoneKind.PLAYGROUND, band_sector(175, 200)),
        ZoneDraft("DH-13", "西南草坪", ZoneKind.LAWN, band_sector(200, 250)),
        ZoneDraft("DH-14", "文化广场", ZoneKind.PLAZA, band_sector(250, 290)),
        ZoneDraft("DH-15", "东南草坪", ZoneKind.LAWN, band_sector(290, 335)),
        ZoneDraft("DH-16", "南大门广场", ZoneKind.PLAZA, gate),
        ZoneDraft("DH-17", "东南停车场", ZoneKind.PARKING, parking),
        ZoneDraft("DH-18", "北公厕", ZoneKind.TOILET, north_toilet),
        ZoneDraft("DH-19", "西公厕", ZoneKind.TOILET, west_toilet),
    ]

    def at(ring_edge: float, bearing: float) -> Point:
        """A point at a distance from the lake's edge, in a direction from its centre."""
        return _ray_point(lake.buffer(ring_edge), bearing)

    facilities = [
        FacilityDraft("DH-WC-01", "北公厕", FacilityKind.TOILET, north_toilet.centroid),
        FacilityDraft("DH-WC-02", "西公厕", FacilityKind.TOILET, west_toilet.centroid),
    ]
    # Litter bins every 36° along the lakeside path, then on the squares and the playground.
    bins = [at((SHORE_WIDTH + PATH_OUTER) / 2, 18 + 36 * i) for i in range(10)]
    bins += [
        Point(gate.centroid.x - 20, gate.centroid.y),
        Point(gate.centroid.x + 20, gate.centroid.y),
        at(40, 262),
        at(40, 278),
        at(45, 187),
        Point(parking.centroid.x, parking.centroid.y + 15),
    ]
    facilities += [
        FacilityDraft(f"DH-BIN-{n:02}", f"分类垃圾桶 {n:02}", FacilityKind.BIN, point)
        for n, point in enumerate(bins, start=1)
    ]
    # Patrol checkpoints every 45° on the shore, then the gate, the car park and the woods.
    shore_places = ["东北岸", "北岸东", "北岸西", "西北岸", "西南岸", "南岸西", "南岸东", "东南岸"]
    checkpoints = [
        (place, at(SHORE_WIDTH / 2, 22.5 + 45 * i)) for i, place in enumerate(shore_places)
    ]
    checkpoints += [
        ("南大门", gate.centroid),
        ("停车场", parking.centroid),
        ("樟树林", at(45, 57)),
        ("西北竹林", at(45, 152)),
    ]
    facilities += [
        FacilityDraft(f"DH-CP-{n:02}", f"巡更点·{place}", FacilityKind.CHECKPOINT, point)
        for n, (place, point) in enumerate(checkpoints, start=1)
    ]
    cameras = [
        ("南大门", Point(gate.centroid.x, gate.centroid.y - 12)),
        ("停车场", Point(parking.centroid.x - 25, parking.centroid.y)),
        ("儿童游乐场", at(30, 187)),
        ("文化广场", at(30, 270)),
        ("东岸亲水带", at(SHORE_WIDTH / 2, 0)),
        ("樟树林", at(60, 57)),
    ]
    facilities += [
        FacilityDraft(f"DH-CAM-{n:02}", f"监控摄像头·{place}", FacilityKind.CAMERA, point)
        for n, (place, point) in enumerate(cameras, start=1)
    ]
    fire_equipment = [
        ("北公厕灭火器箱", Point(north_toilet.centroid.x + 6, north_toilet.centroid.y)),
        ("西公厕灭火器箱", Point(west_toilet.centroid.x, west_toilet.centroid.y + 5)),
        ("南大门消火栓", Point(gate.centroid.x + 28, gate.centroid.y + 10)),
        ("停车场消火栓", Point(parking.centroid.x + 30, parking.centroid.y - 15)),
        ("樟树林灭火器箱 A", at(35, 45)),
        ("樟树林灭火器箱 B", at(35, 72)),
        ("西北竹林灭火器箱", at(35, 152)),
        ("儿童游乐场灭火器箱", at(55, 187)),
    ]
    facilities += [
        FacilityDraft(f"DH-FE-{n:02}", name, FacilityKind.FIRE_EQUIPMENT, point)
        for n, (name, point) in enumerate(fire_equipment, start=1)
    ]
    return ParkDraft(
        code="donghu",
        fields={
            "name": "东湖公园",
            "district": "丰泽区",
            "address": "福建省泉州市丰泽区东湖街",
            "description": (
                "泉州市区的综合性公园，以东湖为中心，环湖布置亲水带、步道、草坪、樟树林、竹林、"
                "儿童游乐场和文化广场。2016 年起环境卫生保洁率先试点购买服务，随后安保服务也交由"
                "专业公司承担。"
            ),
            "opening_hours": "全天开放",
        },
        origin=DONGHU_CENTRE,
        zones=zones,
        facilities=facilities,
    )


def draw_chengdong() -> ParkDraft:
    """Chengdong Park: a small neighbourhood park of five zones, not yet contracted out."""
    zones = [
        ZoneDraft("CD-01", "入口广场", ZoneKind.PLAZA, box(-30, 6, 0, 40)),
        ZoneDraft("CD-02", "中心草坪", ZoneKind.LAWN, box(0, 6, 90, 66)),
        ZoneDraft("CD-03", "儿童游乐区", ZoneKind.PLAYGROUND, box(90, 6, 120, 36)),
        ZoneDraft("CD-04", "公厕", ZoneKind.TOILET, box(100, 40, 112, 50)),
        ZoneDraft("CD-05", "南侧步道", ZoneKind.PATH, box(-30, 0, 120, 6)),
    ]
    facilities = [
        FacilityDraft("CD-WC-01", "城东公园公厕", FacilityKind.TOILET, Point(106, 45)),
        FacilityDraft("CD-BIN-01", "分类垃圾桶 01", FacilityKind.BIN, Point(-15, 20)),
        FacilityDraft("CD-BIN-02", "分类垃圾桶 02", FacilityKind.BIN, Point(45, 3)),
        FacilityDraft("CD-BIN-03", "分类垃圾桶 03", FacilityKind.BIN, Point(105, 20)),
        FacilityDraft("CD-CAM-01", "监控摄像头·入口", FacilityKind.CAMERA, Point(-25, 35)),
        FacilityDraft("CD-FE-01", "公厕灭火器箱", FacilityKind.FIRE_EQUIPMENT, Point(110, 42)),
    ]
    return ParkDraft(
        code="chengdong",
        fields={
            "name": "城东公园",
            "district": "丰泽区",
            "address": "福建省泉州市丰泽区城东街道",
            "description": "城东片区的社区公园，设入口广场、中心草坪、儿童游乐区和公厕，尚未购买服务。",
            "opening_hours": "06:00–22:00",
        },
        origin=CHENGDONG_ORIGIN,
        zones=zones,
        facilities=facilities,
    )


def _load(draft: ParkDraft, by: User) -> tuple[Park, dict[str, Zone], dict[str, Facility]]:
    """Create whatever of a drawn park is missing, and return all of it."""
    park = Park.objects.filter(code=draft.code).first() or create_park(
        code=draft.code, by=by, **draft.fields
    )
    zones: dict[str, Zone] = {zone.code: zone for zone in park.zones.all()}
    for zone in draft.zones:
        if zone.code not in zones:
            zones[zone.code] = create_zone(
                park=park,
                code=zone.code,
                name=zone.name,
                kind=zone.kind,
                boundary=as_geojson(zone.outline, draft.origin),
                by=by,
            )
    existing = Facility.objects.filter(zone__park=park).select_related("zone")
    facilities: dict[str, Facility] = {facility.code: facility for facility in existing}
    for facility in draft.facilities:
        if facility.code in facilities:
            continue
        lon, lat = to_wgs84(draft.origin, facility.position.x, facility.position.y)
        facilities[facility.code] = create_facility(
            zone=zones[draft.zone_of(facility).code],
            code=facility.code,
            name=facility.name,
            kind=facility.kind,
            longitude=Decimal(f"{lon:.6f}"),
            latitude=Decimal(f"{lat:.6f}"),
            by=by,
        )
    return park, zones, facilities


def has_data() -> bool:
    """Whether any park is registered: `seed_demo --if-empty` then leaves the database alone."""
    return Park.objects.exists()


def seed(context: dict[str, Any]) -> None:
    """Register Donghu and Chengdong parks (by the contract manager).

    Adds ``context["parks"]`` (by code), ``context["zones"]`` and ``context["facilities"]``
    (by code, across both parks).
    """
    manager = context["users"]["manager"]
    parks = context.setdefault("parks", {})
    all_zones = context.setdefault("zones", {})
    all_facilities = context.setdefault("facilities", {})
    for draft in (draw_donghu(), draw_chengdong()):
        park, zones, facilities = _load(draft, manager)
        parks[park.code] = park
        all_zones.update(zones)
        all_facilities.update(facilities)
