"""Business actions on parks, zones and facilities. Every change is recorded in the ledger."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from shapely.geometry import shape

from parkpact.core.models import User
from parkpact.core.services import assign, record_event, save_audited, snapshot

from . import geometry
from .models import Facility, Park, Zone, new_qr_token

PARK_FIELDS = ["code", "name", "district", "address", "description", "opening_hours"]
ZONE_FIELDS = ["park", "code", "name", "kind", "boundary", "area_m2"]
FACILITY_FIELDS = ["zone", "code", "name", "kind", "longitude", "latitude", "in_service"]


def create_park(*, by: User | None, **fields: Any) -> Park:
    park = Park()
    assign(park, fields, PARK_FIELDS)
    save_audited(obj=park, fields=PARK_FIELDS, by=by, action="park.create")
    return park


def update_park(*, park: Park, by: User | None, **changes: Any) -> Park:
    before = snapshot(park, PARK_FIELDS)
    assign(park, changes, PARK_FIELDS)
    save_audited(obj=park, fields=PARK_FIELDS, by=by, action="park.update", before=before)
    return park


def create_zone(*, park: Park, by: User | None, **fields: Any) -> Zone:
    """Add a zone; its area is computed from the boundary, and it gets a fresh QR token."""
    zone = Zone(park=park)
    assign(zone, fields, ["code", "name", "kind", "boundary"])
    save_audited(obj=zone, fields=ZONE_FIELDS, by=by, action="zone.create")
    return zone


def update_zone(*, zone: Zone, by: User | None, **changes: Any) -> Zone:
    before = snapshot(zone, ZONE_FIELDS)
    assign(zone, changes, ["code", "name", "kind", "boundary"])
    save_audited(obj=zone, fields=ZONE_FIELDS, by=by, action="zone.update", before=before)
    return zone


def renew_qr_token(*, zone: Zone, by: User | None, reason: str) -> Zone:
    """Retire a zone's QR code (e.g. a defaced sign) so the old printed code stops working."""
    with transaction.atomic():
        zone.qr_token = new_qr_token()
        zone.save(update_fields=["qr_token"])
        record_event(actor=by, action="zone.renew_qr_token", obj=zone, reason=reason)
    return zone


def create_facility(*, zone: Zone, by: User | None, **fields: Any) -> Facility:
    facility = Facility(zone=zone)
    assign(facility, fields, [f for f in FACILITY_FIELDS if f != "zone"])
    save_audited(obj=facility, fields=FACILITY_FIELDS, by=by, action="facility.create")
    return facility


def update_facility(*, facility: Facility, by: User | None, **changes: Any) -> Facility:
    before = snapshot(facility, FACILITY_FIELDS)
    assign(facility, changes, FACILITY_FIELDS)
    save_audited(
        obj=facility, fields=FACILITY_FIELDS, by=by, action="facility.update", before=before
    )
    return facility


# ---- Locating a point ------------------------------------------------------------------------

# A report on the edge of a path belongs to the nearest zone within this distance.
ZONE_SNAP_METRES = 50.0
# Beyond this distance from every zone of every park, a point is not in any park.
PARK_REACH_METRES = 300.0


@dataclass(frozen=True)
class Location:
    """Where a point falls: in (or next to) a zone, or only near a park."""

    park: Park
    zone: Zone | None
    distance_m: float  # to the zone, or to the park's nearest zone when there is no zone


# Zone polygons built from their GeoJSON, kept per process between reports: zone pk → (its
# signature, the polygon). The signature — area and bounding box, both derived from the boundary
# on every save — changes with the boundary, so a redrawn zone is rebuilt without reading every
# boundary on every report.
_polygons: dict[int, tuple[tuple[Any, ...], Any]] = {}


def _polygons_for(rows: list[tuple[Any, ...]]) -> dict[int, Any]:
    stale = [row[0] for row in rows if _polygons.get(row[0], ((),))[0] != tuple(row[2:])]
    if stale:
        for pk, boundary in Zone.objects.filter(pk__in=stale).values_list("pk", "boundary"):
            row = next(row for row in rows if row[0] == pk)
            _polygons[pk] = (tuple(row[2:]), shape(boundary))
    return {row[0]: _polygons[row[0]][1] for row in rows}


def _box_contains(row: tuple[Any, ...], longitude: float, latitude: float, metres: float) -> bool:
    _pk, _park, _area, west, south, east, north = row
    d_lon, d_lat = geometry.degrees_for(metres, latitude)
    return west - d_lon <= longitude <= east + d_lon and south - d_lat <= latitude <= north + d_lat


def locate_point(*, longitude: float, latitude: float) -> Location | None:
    """The zone that contains the point, else the nearest zone within ZONE_SNAP_METRES, else
    the park whose zones lie within PARK_REACH_METRES (no zone); None far from every park.

    Bounding boxes first (one light query), exact distances on the ellipsoid only for the
    zones whose box comes within reach: a report costs a few small queries, not a scan."""
    boxes = list(
        Zone.objects.near(longitude, latitude, PARK_REACH_METRES).values_list(
            "pk", "park_id", "area_m2", "west", "south", "east", "north"
        )
    )
    if not boxes:
        return None
    close = [row for row in boxes if _box_contains(row, longitude, latitude, ZONE_SNAP_METRES)]
    if not close:
        # No zone within snapping distance: the park of the zone whose box is nearest.
        close = [min(boxes, key=lambda row: _box_gap(row, longitude, latitude))]
    polygons = _polygons_for(close)
    # The nearest zone; inside overlapping zones, the smallest one (the most specific place).
    distance, _area, pk = min(
        (
            geometry.distance_to_polygon(polygons[pk], longitude, latitude),
            area,
            pk,
        )
        for pk, _park, area, *_box in close
    )
    if distance > PARK_REACH_METRES:
        return None
    zone = Zone.objects.select_related("park").defer("boundary").get(pk=pk)
    if distance <= ZONE_SNAP_METRES:
        return Location(park=zone.park, zone=zone, distance_m=distance)
    return Location(park=zone.park, zone=None, distance_m=distance)


def _box_gap(row: tuple[Any, ...], longitude: float, latitude: float) -> float:
    """How far, in degrees, the point lies outside a zone's box (0 inside): for ranking only."""
    _pk, _park, _area, west, south, east, north = row
    d_lon = max(west - longitude, 0.0, longitude - east)
    d_lat = max(south - latitude, 0.0, latitude - north)
    return float((d_lon**2 + d_lat**2) ** 0.5)
