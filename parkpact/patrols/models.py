"""Security patrols (routes of checkpoints, schedules, rounds and scans) and incidents.

The rules that change several rows live in services.py; the arithmetic (order drawing,
compliance, response times) in ordering.py and compliance.py, without Django.
"""

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.parks.models import Facility, Zone

if TYPE_CHECKING:
    from parkpact.core.models import User

# The salt of every checkpoint token: a token signed for anything else never verifies here.
TOKEN_SALT = "parkpact.patrols.checkpoint"  # noqa: S105 (a namespace, not a secret)
# Minutes allowed between an incident's report and a guard on scene, unless the contract says.
DEFAULT_RESPONSE_MINUTES = 5


def _provider_scope(user: "User", prefix: str) -> Q | None:
    """None for centre staff (everything), else the filter to the user's company's objects."""
    if user.is_centre_staff:
        return None
    return Q(**{f"{prefix}provider__staff__user": user})


class Checkpoint(models.Model):
    """A place a guard must visit on a round: a facility of kind "checkpoint" with a printed QR
    code (a signed token, renewed by reprinting), an optional NFC tag and a GPS radius."""

    facility = models.OneToOneField(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="checkpoint",
        limit_choices_to={"kind": "checkpoint"},
    )
    token_version = models.PositiveIntegerField(_("token version"), default=1, editable=False)
    nfc_tag_id = models.CharField(_("NFC tag id"), max_length=64, blank=True)
    radius_m = models.PositiveIntegerField(
        _("GPS radius (m)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(500)],
        help_text=_("A scan farther than this from the checkpoint is flagged."),
    )

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["facility__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["nfc_tag_id"],
                condition=~Q(nfc_tag_id=""),
                name="patrols_checkpoint_nfc_unique",
            ),
        ]

    def __str__(self) -> str:
        return str(self.facility)

    def clean(self) -> None:
        if self.facility_id is not None and self.facility.kind != Facility.Kind.CHECKPOINT:
            raise ValidationError(
                {"facility": _("Choose a facility of kind “patrol checkpoint”.")},
                code="not_a_checkpoint",
            )

    @property
    def token(self) -> str:
        """What the printed QR code holds: the checkpoint and its token version, signed."""
        return signing.dumps({"c": self.pk, "v": self.token_version}, salt=TOKEN_SALT)


class PatrolRoute(models.Model):
    """A round a security contractor's guard walks: checkpoints in order, in any order, or in
    an order drawn afresh for each round so that rounds cannot be predicted."""

    class OrderMode(models.TextChoices):
        FIXED = "fixed", _("In the route's order")
        ANY = "any", _("In any order")
        RANDOM = "random", _("In an order drawn for each round")

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="patrol_routes"
    )
    name = models.CharField(_("name"), max_length=100)
    order_mode = models.CharField(
        _("order"), max_length=8, choices=OrderMode.choices, default=OrderMode.FIXED
    )
    checkpoints: "models.ManyToManyField[Checkpoint, RouteCheckpoint]" = models.ManyToManyField(
        Checkpoint, through="RouteCheckpoint", related_name="routes"
    )

    class Meta:
        verbose_name = _("patrol route")
        verbose_name_plural = _("patrol routes")
        ordering = ["contract", "name"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "name"], name="patrols_route_name_unique"),
            models.CheckConstraint(
                condition=Q(order_mode__in=["fixed", "any", "random"]),
                name="patrols_route_order_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def checkpoint_ids(self) -> list[int]:
        """The route's checkpoints in the route's order."""
        return list(self.stops.order_by("position").values_list("checkpoint_id", flat=True))


class RouteCheckpoint(models.Model):
    """One checkpoint's place on a route."""

    route = models.ForeignKey(PatrolRoute, on_delete=models.CASCADE, related_name="stops")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="stops")
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["route", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "checkpoint"], name="patrols_stop_once"),
            models.UniqueConstraint(fields=["route", "position"], name="patrols_stop_position"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id} #{self.position}"


class PatrolSchedule(models.Model):
    """When a route is walked: a round every N minutes between two times of day (equal times
    mean around the clock), each round open for a window of M minutes."""

    route = models.ForeignKey(
        PatrolRoute, verbose_name=_("route"), on_delete=models.CASCADE, related_name="schedules"
    )
    every_minutes = models.PositiveIntegerField(
        _("every (minutes)"), validators=[MinValueValidator(10), MaxValueValidator(24 * 60)]
    )
    daily_from = models.TimeField(_("from"))
    daily_to = models.TimeField(_("to"), help_text=_("The same as “from” for 24 hours a day."))
    window_minutes = models.PositiveIntegerField(
        _("window (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("patrol schedule")
        verbose_name_plural = _("patrol schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(every_minutes__gte=10, window_minutes__gte=5),
                name="patrols_schedule_positive",
            ),
            models.CheckConstraint(
                condition=Q(window_minutes__lte=models.F("every_minutes")),
                name="patrols_schedule_window_fits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route} / {self.every_minutes} min"

    def clean(self) -> None:
        if self.window_minutes and self.every_minutes and self.window_minutes > self.every_minutes:
            raise ValidationError(
                {"window_minutes": _("A round's window cannot be longer than the interval.")}
            )


class PatrolRoundQuerySet(models.QuerySet["PatrolRound"]):
    def visible_to(self, user: "User") -> "PatrolRoundQuerySet":
        """Centre staff see every round; a provider's staff only their company's."""
        if not user.is_authenticated:
            return self.none()
        scope = _provider_scope(user, "route__contract__")
        return self if scope is None else self.filter(scope)

    def open_at(self, moment: datetime) -> "PatrolRoundQuerySet":
        return self.filter(
            status__in=PatrolRound.OPEN_STATUSES, window_start__lte=moment, window_end__gt=moment
        )


class PatrolRound(models.Model):
    """One walk of a route within a time window. ``checkpoint_ids`` holds the checkpoints due,
    in the order expected (drawn from the round's uuid for a random-order route)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        INCOMPLETE = "incomplete", _("Incomplete")
        MISSED = "missed", _("Missed")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        # Straight to completed or incomplete only when a whole round is uploaded at once.
        Status.PENDING: {Status.IN_PROGRESS, Status.COMPLETED, Status.INCOMPLETE, Status.MISSED},
        Status.IN_PROGRESS: {Status.COMPLETED, Status.INCOMPLETE},
        Status.COMPLETED: set(),
        Status.INCOMPLETE: set(),
        Status.MISSED: set(),
    }
    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.PENDING, Status.IN_PROGRESS)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    route = models.ForeignKey(
        PatrolRoute, verbose_name=_("route"), on_delete=models.PROTECT, related_name="rounds"
    )
    schedule = models.ForeignKey(
        PatrolSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="rounds"
    )
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    checkpoint_ids = models.JSONField(_("checkpoints due"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = PatrolRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol round")
        verbose_name_plural = _("patrol rounds")
        ordering = ["window_start", "route"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "window_start"], name="patrols_round_once_per_window"
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")),
                name="patrols_round_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "in_progress", "completed", "incomplete", "missed"]
                ),
                name="patrols_round_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "window_end"])]

    def __str__(self) -> str:
        return f"{self.route} {self.window_start:%Y-%m-%d %H:%M}"

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CheckpointScan(models.Model):
    """A guard's scan of a checkpoint during a round: when the phone says and when the server
    got it, where the phone was, and the flags an inspector looks at."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="scans")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="scans")
    client_uuid = models.UUIDField(_("client id"), unique=True)
    by = models.ForeignKey(
        "core.User", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    scanned_at = models.DateTimeField(_("scanned at (device)"))
    received_at = models.DateTimeField(_("received at (server)"))
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    distance_m = models.FloatField(_("distance (m)"), null=True, blank=True)
    outside_radius = models.BooleanField(_("outside the radius"), default=False)
    clock_skew = models.BooleanField(_("device clock off"), default=False)
    out_of_order = models.BooleanField(_("out of order"), default=False)
    repeat = models.BooleanField(
        _("repeat"), default=False, help_text=_("Scanned again within a minute: counted once.")
    )

    class Meta:
        verbose_name = _("checkpoint scan")
        verbose_name_plural = _("checkpoint scans")
        ordering = ["round", "scanned_at"]

    def __str__(self) -> str:
        return f"{self.checkpoint} @ {self.scanned_at:%H:%M:%S}"

    @property
    def flagged(self) -> bool:
        return self.outside_radius or self.clock_skew or self.out_of_order


class MissedCheckpoint(models.Model):
    """A checkpoint due on a round that no scan reached before the window closed."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="missed")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "checkpoint"], name="patrols_missed_once")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} / {self.checkpoint_id}"


class ResponseTarget(models.Model):
    """The minutes a security contract allows between an incident's report and a guard on
    scene (5 minutes when the contract names none)."""

    contract = models.OneToOneField(
        Contract, on_delete=models.CASCADE, related_name="response_target"
    )
    minutes = models.PositiveIntegerField(_("minutes"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("response target")
        verbose_name_plural = _("response targets")

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.minutes} min"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def visible_to(self, user: "User") -> "IncidentQuerySet":
        if not user.is_authenticated:
            return self.none()
        scope = _provider_scope(user, "contract__")
        return self if scope is None else self.filter(scope)

    def open(self) -> "IncidentQuerySet":
        return self.exclude(status=Incident.Status.RESOLVED)


class Incident(models.Model):
    """A security event in a park (a fight, a fall, a lost child…) that the contractor's guards
    must reach and settle; judged on the time from report to a guard on scene."""

    class Kind(models.TextChoices):
        DISTURBANCE = "disturbance", _("Disturbance")
        THEFT = "theft", _("Theft")
        INJURY = "injury", _("Injury or illness")
        LOST_PERSON = "lost_person", _("Lost person")
        HAZARD = "hazard", _("Hazard")
        FIRE = "fire", _("Fire")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        MODERATE = "moderate", _("Moderate")
        SERIOUS = "serious", _("Serious")
        CRITICAL = "critical", _("Critical")

    SERIOUS_SEVERITIES: ClassVar[tuple[str, ...]] = (Severity.SERIOUS, Severity.CRITICAL)

    class Source(models.TextChoices):
        GUARD = "guard", _("A guard")
        STAFF = "staff", _("Centre staff")
        PUBLIC = "public", _("A report from the public")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ON_SCENE = "on_scene", _("Guard on scene")
        RESOLVED = "resolved", _("Resolved")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.REPORTED: {Status.ON_SCENE, Status.RESOLVED},
        Status.ON_SCENE: {Status.RESOLVED},
        Status.RESOLVED: set(),
    }

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REPORTED
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.PROTECT
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    source = models.CharField(_("reported by"), max_length=8, choices=Source.choices)
    reported_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_request = models.ForeignKey(
        "servicerequests.ServiceRequest",
        verbose_name=_("public report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    reported_at = models.DateTimeField(_("reported at"))
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    target_minutes = models.PositiveIntegerField(_("response target (minutes)"))
    notes = models.TextField(_("notes"), blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_scene_at__isnull=True) | Q(on_scene_at__gte=models.F("reported_at")),
                name="patrols_incident_on_scene_after_report",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("reported_at")),
                name="patrols_incident_resolved_after_report",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["reported", "on_scene", "resolved"]),
                name="patrols_incident_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def response_time(self) -> timedelta | None:
        if self.on_scene_at is None:
            return None
        return self.on_scene_at - self.reported_at

    @property
    def response_within_target(self) -> bool | None:
        response = self.response_time
        if response is None:
            return None
        return response <= timedelta(minutes=self.target_minutes)

    @property
    def is_serious(self) -> bool:
        return self.severity in self.SERIOUS_SEVERITIES


class IncidentPhoto(models.Model):
    """A photo of an incident, checked by core.photos; only the metadata-free copy is kept."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to="incidents/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        "core.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident photo")
        verbose_name_plural = _("incident photos")
        constraints = [
            models.UniqueConstraint(fields=["incident", "sha256"], name="patrols_photo_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} / {self.sha256[:12]}"
