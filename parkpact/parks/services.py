"""Business actions on parks, zones and facilities. Every change is recorded in the ledger."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

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


def locate_point(*, longitude: float, latitude: float) -> Location | None:
    """The zone that contains the point, else the nearest zone within ZONE_SNAP_METRES, else
    the park whose zones lie within PARK_REACH_METRES (no zone); None far from every park."""
    candidates = [
        (geometry.distance_m(zone.boundary, longitude, latitude), zone.area_m2, zone.pk, zone)
        for zone in Zone.objects.near(longitude, latitude, PARK_REACH_METRES).select_related("park")
    ]
    if not candidates:
        return None
    # The nearest zone; inside overlapping zones, the smallest one (the most specific place).
    distance, _area, _pk, zone = min(candidates, key=lambda item: item[:3])
    if distance > PARK_REACH_METRES:
        return None
    if distance <= ZONE_SNAP_METRES:
        return Location(park=zone.park, zone=zone, distance_m=distance)
    return Location(park=zone.park, zone=None, distance_m=distance)
