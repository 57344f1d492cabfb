"""Parks and zones in the JSON API: public data, zones as GeoJSON."""

from typing import Annotated, Any, Literal

from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from parkpact.core.api import (
    PUBLIC,
    PUBLIC_OPENAPI,
    FeatureCollectionPagination,
    Pagination,
    caller,
    errors,
    get_visible_or_404,
    is_centre_staff,
)

from .models import Park, Zone, ZoneKind

router = Router(tags=["parks"])

KindFilter = Annotated[ZoneKind, WithJsonSchema({"type": "string", "enum": ZoneKind.values})]


class ParkOut(Schema):
    id: int
    code: str
    name: str
    district: str
    address: str
    description: str
    opening_hours: str
    zone_count: int = Field(description="How many zones the park is divided into.")
    total_area_m2: float = Field(description="The zones' area together, in square metres.")

    @staticmethod
    def resolve_total_area_m2(park: Park) -> float:
        return float(park.total_area_m2 or 0)  # type: ignore[attr-defined]


def parks_with_totals() -> "QuerySet[Park]":
    return Park.objects.annotate(zone_count=Count("zones"), total_area_m2=Sum("zones__area_m2"))


@router.get(
    "/parks",
    response={200: list[ParkOut], **errors(401, 422)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="List parks",
)
@paginate(Pagination)
def list_parks(request: HttpRequest) -> "QuerySet[Park]":
    """Every park the centre manages, with its number of zones and their total area."""
    return parks_with_totals().order_by("name", "pk")


@router.get(
    "/parks/{park_id}",
    response={200: ParkOut, **errors(401, 404, 422)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="One park",
)
def get_park(request: HttpRequest, park_id: int) -> Park:
    return get_visible_or_404(parks_with_totals(), pk=park_id)


class Polygon(Schema):
    type: Literal["Polygon"]
    coordinates: list[list[list[float]]] = Field(
        description="Rings of [longitude, latitude] positions in WGS84; each ring is closed."
    )


class ZoneProperties(Schema):
    id: int
    park: int = Field(description="The park's id.")
    code: str
    name: str
    kind: str = Field(description="One of: " + ", ".join(ZoneKind.values) + ".")
    area_m2: float = Field(description="Area in square metres, computed from the boundary.")
    qr_token: str | None = Field(
        description="The token in the zone's QR code; only centre staff see it, null otherwise."
    )


class ZoneFeature(Schema):
    """A zone as a GeoJSON Feature (RFC 7946)."""

    type: Literal["Feature"]
    id: int
    geometry: Polygon
    properties: ZoneProperties

    @staticmethod
    def resolve_type(zone: Zone) -> str:
        return "Feature"

    @staticmethod
    def resolve_geometry(zone: Zone) -> Any:
        return zone.boundary

    @staticmethod
    def resolve_properties(zone: Zone, context: dict[str, Any]) -> dict[str, Any]:
        # The QR token lets anyone file reports as if standing in the zone: staff only.
        staff = is_centre_staff(context["request"])
        return {
            "id": zone.pk,
            "park": zone.park_id,
            "code": zone.code,
            "name": zone.name,
            "kind": zone.kind,
            "area_m2": float(zone.area_m2),
            "qr_token": zone.qr_token if staff else None,
        }


@router.get(
    "/zones",
    response={200: list[ZoneFeature], **errors(401, 422)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="List zones (GeoJSON FeatureCollection)",
)
@paginate(FeatureCollectionPagination)
def list_zones(
    request: HttpRequest, park: int | None = None, kind: KindFilter | None = None
) -> "QuerySet[Zone]":
    """The zones as a GeoJSON FeatureCollection, optionally only one park's or one kind."""
    zones = Zone.objects.visible_to(caller(request)).order_by("park_id", "code")  # type: ignore[arg-type]
    if park is not None:
        zones = zones.filter(park_id=park)
    if kind is not None:
        zones = zones.filter(kind=kind)
    return zones


@router.get(
    "/zones/{zone_id}",
    response={200: ZoneFeature, **errors(401, 404, 422)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="One zone (GeoJSON Feature)",
)
def get_zone(request: HttpRequest, zone_id: int) -> Zone:
    return get_visible_or_404(Zone.objects.visible_to(caller(request)), pk=zone_id)  # type: ignore[arg-type]
