import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import geometry

if TYPE_CHECKING:
    from parkpact.core.models import User

GEOMETRY_MESSAGES = {
    "not_polygon": _("Give a GeoJSON object of type Polygon."),
    "no_rings": _("The polygon has no outline: give at least one ring of positions."),
    "ring_too_short": _(
        "Each ring needs at least four positions (a triangle plus the closing point)."
    ),
    "bad_position": _("Each position must be a pair of numbers: [longitude, latitude]."),
    "out_of_range": _(
        "A position lies outside WGS84: longitude must be within ±180 and latitude within ±90."
    ),
    "ring_not_closed": _("The ring is not closed: its last position must repeat its first."),
    "self_intersection": _("The outline crosses itself: redraw it so that no edges intersect."),
    "zero_area": _("The polygon encloses no area."),
}


def validate_boundary(value: object) -> None:
    """Field validator: a valid WGS84 GeoJSON polygon, with a message that says what to fix."""
    try:
        geometry.validate_polygon(value)
    except geometry.GeometryError as error:
        raise ValidationError(GEOMETRY_MESSAGES[error.code], code=error.code) from error


def new_qr_token() -> str:
    return secrets.token_urlsafe(12)


class Park(models.Model):
    """A public park that the centre manages, such as Donghu Park in Quanzhou."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    district = models.CharField(_("district"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ZoneQuerySet(models.QuerySet["Zone"]):
    def visible_to(self, user: "User") -> "ZoneQuerySet":
        """Zones are public: everyone may see them."""
        return self

    def near(self, longitude: float, latitude: float, metres: float) -> "ZoneQuerySet":
        """Zones whose bounding box comes within ``metres`` of the point: the candidates that
        geometry.distance_m then measures exactly."""
        d_lon, d_lat = geometry.degrees_for(metres, latitude)
        return self.filter(
            west__lte=longitude + d_lon,
            east__gte=longitude - d_lon,
            south__lte=latitude + d_lat,
            north__gte=latitude - d_lat,
        )


class ZoneKind(models.TextChoices):
    PLAZA = "plaza", _("Plaza")
    PATH = "path", _("Path")
    LAWN = "lawn", _("Lawn")
    LAKESHORE = "lakeshore", _("Lakeshore")
    PLAYGROUND = "playground", _("Playground")
    TOILET = "toilet", _("Toilet block")
    PARKING = "parking", _("Parking")
    WOODLAND = "woodland", _("Woodland")
    WATER = "water", _("Water")


class FacilityKind(models.TextChoices):
    TOILET = "toilet", _("Toilet")
    BIN = "bin", _("Litter bin")
    BENCH = "bench", _("Bench")
    LIGHT = "light", _("Light")
    CAMERA = "camera", _("Camera")
    CHECKPOINT = "checkpoint", _("Patrol checkpoint")
    FIRE_EQUIPMENT = "fire_equipment", _("Fire equipment")


class Zone(models.Model):
    """A piece of a park that contracts cover and inspectors sample: a lawn, a path, a toilet…"""

    Kind = ZoneKind

    park = models.ForeignKey(
        Park, verbose_name=_("park"), on_delete=models.PROTECT, related_name="zones"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    boundary = models.JSONField(
        _("boundary"),
        validators=[validate_boundary],
        help_text=_("A GeoJSON Polygon in WGS84: [longitude, latitude] positions, ring closed."),
    )
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=12, decimal_places=1, editable=False)
    qr_token = models.CharField(
        _("QR token"), max_length=32, unique=True, default=new_qr_token, editable=False
    )
    # The boundary's bounding box, kept beside it so that locating a point needs no scan.
    west = models.FloatField(editable=False, default=0)
    south = models.FloatField(editable=False, default=0)
    east = models.FloatField(editable=False, default=0)
    north = models.FloatField(editable=False, default=0)

    objects = ZoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["park", "code"]
        constraints = [
            models.UniqueConstraint(fields=["park", "code"], name="parks_zone_code_unique_in_park"),
            models.CheckConstraint(
                condition=models.Q(kind__in=ZoneKind.values), name="parks_zone_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The area is always derived from the boundary, so it can never disagree with it.
        validate_boundary(self.boundary)
        self.area_m2 = Decimal(str(round(geometry.geodesic_area_m2(self.boundary), 1)))
        self.west, self.south, self.east, self.north = geometry.bounds(self.boundary)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Facility(models.Model):
    """A thing in a zone that someone cleans, checks or guards: a toilet, a bin, a checkpoint…"""

    Kind = FacilityKind

    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), on_delete=models.PROTECT, related_name="facilities"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=6)
    in_service = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["zone", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=FacilityKind.values),
                name="parks_facility_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    longitude__gte=-180, longitude__lte=180, latitude__gte=-90, latitude__lte=90
                ),
                name="parks_facility_position_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.zone_id is None or self.longitude is None or self.latitude is None:
            return
        if not geometry.contains_point(
            self.zone.boundary, float(self.longitude), float(self.latitude)
        ):
            raise ValidationError(
                {
                    "longitude": _(
                        "This position is outside the zone %(zone)s: check the coordinates or the zone."
                    )
                    % {"zone": self.zone}
                },
                code="outside_zone",
            )
