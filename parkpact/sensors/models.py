"""Park sensors: devices on bins and toilets, their readings, threshold rules and alerts."""

import hashlib
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.parks.models import Facility, FacilityKind

if TYPE_CHECKING:
    from parkpact.core.models import User


class Quantity(models.TextChoices):
    """What a reading measures; names from the FIWARE Smart Data Models where they exist."""

    FILLING_LEVEL = "fillingLevel", _("Fill level (0–1)")  # WasteContainer
    NH3 = "nh3", _("Ammonia NH₃ (ppm)")  # AirQualityObserved
    H2S = "h2s", _("Hydrogen sulphide H₂S (ppm)")  # AirQualityObserved
    PEOPLE_COUNT = "peopleCount", _("Visitors counted")  # CrowdFlowObserved


# The SenML unit each quantity must be sent in.
UNIT_OF: dict[str, str] = {
    Quantity.FILLING_LEVEL: "/",
    Quantity.NH3: "ppm",
    Quantity.H2S: "ppm",
    Quantity.PEOPLE_COUNT: "count",
}
# The values a quantity can physically take (min, max); None for no bound.
RANGE_OF: dict[str, tuple[float, float | None]] = {
    Quantity.FILLING_LEVEL: (0.0, 1.0),
    Quantity.NH3: (0.0, None),
    Quantity.H2S: (0.0, None),
    Quantity.PEOPLE_COUNT: (0.0, None),
}


class DeviceQuerySet(models.QuerySet["Device"]):
    def visible_to(self, user: "User") -> "DeviceQuerySet":
        """Centre staff see every device; a provider sees the devices in its contracts' zones."""
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(
            facility__zone__contracts__provider__staff__user=user,
            facility__zone__contracts__status=Contract.Status.ACTIVE,
        ).distinct()

    def active(self) -> "DeviceQuerySet":
        return self.filter(revoked_at__isnull=True)


class Device(models.Model):
    """A sensor fixed to a park facility (a bin's fill-level sensor, a toilet's air sensor, a
    gate's visitor counter) that sends readings with its own secret."""

    class Kind(models.TextChoices):
        WASTE_CONTAINER = "waste_container", _("Bin fill level")
        TOILET_AIR = "toilet_air", _("Toilet air (NH₃/H₂S)")
        VISITOR_COUNTER = "visitor_counter", _("Visitor counter")

    # What each kind may send, and which contract answers for what it watches.
    QUANTITIES: ClassVar[dict[str, frozenset[str]]] = {
        Kind.WASTE_CONTAINER: frozenset({Quantity.FILLING_LEVEL}),
        Kind.TOILET_AIR: frozenset({Quantity.NH3, Quantity.H2S}),
        Kind.VISITOR_COUNTER: frozenset({Quantity.PEOPLE_COUNT}),
    }
    SERVICE_OF: ClassVar[dict[str, str]] = {
        Kind.WASTE_CONTAINER: Contract.ServiceKind.CLEANING,
        Kind.TOILET_AIR: Contract.ServiceKind.CLEANING,
        Kind.VISITOR_COUNTER: Contract.ServiceKind.SECURITY,
    }
    # The kind of facility whose upkeep each kind watches (the visitor counter watches none).
    WATCHES: ClassVar[dict[str, str]] = {
        Kind.WASTE_CONTAINER: FacilityKind.BIN,
        Kind.TOILET_AIR: FacilityKind.TOILET,
    }

    code = models.SlugField(
        _("device id"),
        max_length=40,
        unique=True,
        help_text=_(
            "Used in the MQTT topic parkpact/<device id>/attrs and the X-Device-Id header."
        ),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="devices"
    )
    secret_hash = models.CharField(_("secret hash"), max_length=64, unique=True, editable=False)
    secret_prefix = models.CharField(_("secret prefix"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("sensor device")
        verbose_name_plural = _("sensor devices")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["waste_container", "toilet_air", "visitor_counter"]),
                name="sensors_device_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @staticmethod
    def hash_secret(secret: str) -> str:
        # Secrets are 32 random bytes: a plain SHA-256 is enough (as for API tokens).
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def responsible_contract(self) -> Contract | None:
        """The active contract covering the facility's zone for the service this device watches."""
        return (
            Contract.objects.active()
            .filter(zones=self.facility.zone_id, service_kind=self.SERVICE_OF[self.kind])
            .order_by("-start_date")
            .first()
        )


class Reading(models.Model):
    """One measurement a device sent. On PostgreSQL the table is partitioned by month of
    observed_at (migration 0002); the unique key makes a repeated reading harmless."""

    device = models.ForeignKey(
        Device,
        verbose_name=_("device"),
        on_delete=models.PROTECT,
        related_name="readings",
        db_index=False,  # the unique key (device, observed_at, name) indexes it
    )
    observed_at = models.DateTimeField(_("observed at"))
    name = models.CharField(_("quantity"), max_length=20, choices=Quantity.choices)
    value = models.FloatField(_("value"))
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        # The unique key's index also serves queries by (device, observed_at).
        constraints = [
            models.UniqueConstraint(
                fields=["device", "observed_at", "name"], name="sensors_reading_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.name}={self.value} @ {self.observed_at:%Y-%m-%d %H:%M}"


class SensorRule(models.Model):
    """A threshold on one quantity for one kind of device: a reading at or above it for the
    rule's duration raises an alert, and the next reading below it clears the alert."""

    device_kind = models.CharField(_("device kind"), max_length=20, choices=Device.Kind.choices)
    quantity = models.CharField(_("quantity"), max_length=20, choices=Quantity.choices)
    threshold = models.FloatField(_("threshold"))
    duration_minutes = models.PositiveIntegerField(_("for at least (minutes)"), default=0)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    standard_code = models.CharField(
        _("performance standard"),
        max_length=16,
        blank=True,
        help_text=_("The code of the performance standard whose alerts count, e.g. CL-03."),
    )
    opens_order = models.BooleanField(
        _("opens a rectification order"),
        default=True,
        help_text=_(
            "An alert opens an order for the responsible contract, due within the standard's "
            "hours to rectify."
        ),
    )

    class Meta:
        verbose_name = _("sensor rule")
        verbose_name_plural = _("sensor rules")
        ordering = ["device_kind", "quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_kind", "quantity"], name="sensors_rule_one_per_quantity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_device_kind_display()}: {self.label}"

    @property
    def label(self) -> str:
        """The rule in words, in the reader's language (the description is the admin's note)."""
        params = {
            "quantity": self.get_quantity_display(),
            "threshold": f"{self.threshold:g}",
            "minutes": self.duration_minutes,
        }
        if self.duration_minutes:
            return _("%(quantity)s at or above %(threshold)s for %(minutes)s minutes") % params
        return _("%(quantity)s at or above %(threshold)s") % params


class AlertQuerySet(models.QuerySet["Alert"]):
    def visible_to(self, user: "User") -> "AlertQuerySet":
        """Centre staff see every alert; a provider sees those recorded against its contracts."""
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(contract__provider__staff__user=user)

    def open(self) -> "AlertQuerySet":
        return self.filter(status=Alert.Status.OPEN)


class Alert(models.Model):
    """A rule broken by a device: raised when the breach has lasted the rule's duration, cleared
    when the readings return to normal. Recorded against the contract responsible then, and
    may open a rectification order for it (rule.opens_order)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLEARED = "cleared", _("Cleared")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.OPEN: {Status.CLEARED},
        Status.CLEARED: set(),
    }

    device = models.ForeignKey(
        Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="alerts"
    )
    rule = models.ForeignKey(
        SensorRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="sensor_alerts",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    breach_started_at = models.DateTimeField(_("above threshold since"))
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    peak_value = models.FloatField(_("peak value"))
    order = models.OneToOneField(
        "inspections.RectificationOrder",
        verbose_name=_("rectification order"),
        on_delete=models.PROTECT,
        related_name="alert",
        null=True,
        blank=True,
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("sensor alert")
        verbose_name_plural = _("sensor alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "rule"],
                condition=models.Q(status="open"),
                name="sensors_alert_one_open_per_rule",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "cleared"]),
                name="sensors_alert_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device.code}: {self.rule.quantity} ({self.get_status_display()})"
