import uuid
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.parks.models import Zone
from parkpact.providers.models import Provider

if TYPE_CHECKING:
    from parkpact.core.models import User
    from parkpact.sensors.models import Alert


class InspectorConflict(models.Model):
    """A declared conflict of interest: this inspector never inspects this company's work."""

    inspector = models.ForeignKey(
        "core.User", verbose_name=_("inspector"), on_delete=models.CASCADE, related_name="conflicts"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspector conflict")
        verbose_name_plural = _("inspector conflicts")
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "provider"], name="inspections_conflict_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector} ≠ {self.provider}"


class SurveillancePlan(models.Model):
    """One month's inspection plan for one performance standard of a contract.

    Before the month the manager commits it: ParkPact fixes the plan's parameters and publishes
    the SHA-256 of a secret seed. Every visit is derived from the seed (inspections.sampling).
    After the month the seed is revealed and anyone can re-draw the sample and compare.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMMITTED = "committed", _("Committed")
        REVEALED = "revealed", _("Revealed")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.DRAFT: {Status.COMMITTED},
        Status.COMMITTED: {Status.REVEALED},
        Status.REVEALED: set(),
    }

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="plans"
    )
    standard = models.ForeignKey(
        PerformanceStandard,
        verbose_name=_("standard"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month planned."))
    sample_size = models.PositiveIntegerField(_("zone-visits"))
    windows = models.JSONField(
        _("time windows"),
        default=list,
        help_text=_(
            'Daily windows in which visits happen, e.g. [["07:00", "09:00"], ["14:00", "16:00"]].'
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    parameters = models.JSONField(
        _("committed parameters"),
        null=True,
        blank=True,
        help_text=_("Everything the draw depends on, frozen at commitment."),
    )
    parameters_hash = models.CharField(_("parameters hash"), max_length=64, blank=True)
    seed_hash = models.CharField(_("seed hash"), max_length=64, blank=True)
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    committed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("committed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("surveillance plan")
        verbose_name_plural = _("surveillance plans")
        ordering = ["-month", "contract", "standard"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "standard", "month"], name="inspections_plan_unique"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="inspections_plan_month_start"),
            models.CheckConstraint(
                condition=Q(status="draft") | (~Q(seed_hash="") & ~Q(parameters_hash="")),
                name="inspections_plan_committed_has_hashes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.standard.code} {self.month:%Y-%m}"

    @property
    def public_seed(self) -> str:
        """The seed, once revealed; never before."""
        return self.seed if self.status == self.Status.REVEALED else ""


class InspectionQuerySet(models.QuerySet["Inspection"]):
    def visible_to(self, user: "User") -> "InspectionQuerySet":
        """Centre staff see every inspection; provider staff see their company's, but only
        once submitted (never an upcoming visit)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(contract__provider__staff__user=user, status=Inspection.Status.SUBMITTED)


class Inspection(models.Model):
    """One zone-visit by one inspector in a time window: drawn by a plan, or ad hoc."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.SCHEDULED: {Status.IN_PROGRESS, Status.SUBMITTED, Status.MISSED, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.SUBMITTED, Status.MISSED},
        Status.SUBMITTED: set(),
        Status.MISSED: set(),
        Status.CANCELLED: set(),
    }

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(
        SurveillancePlan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="inspections",
        null=True,
        blank=True,
    )
    visit_index = models.PositiveIntegerField(_("visit number in the plan"), null=True, blank=True)
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="inspections"
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspector = models.ForeignKey(
        "core.User",
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    window_start = models.DateTimeField(_("window opens"))
    window_end = models.DateTimeField(_("window closes"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    start_longitude = models.DecimalField(
        _("start longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    start_latitude = models.DecimalField(
        _("start latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finish_longitude = models.DecimalField(
        _("finish longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    finish_latitude = models.DecimalField(
        _("finish latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    needs_review = models.BooleanField(_("needs review"), default=False)
    review_reason = models.TextField(_("why it needs review"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["window_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "visit_index"], name="inspections_visit_unique"
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")),
                name="inspections_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["inspector", "window_start"])]

    def __str__(self) -> str:
        return f"{self.zone.code} {self.window_start:%Y-%m-%d %H:%M}"

    def is_due(self, now: datetime) -> bool:
        return self.status == self.Status.SCHEDULED and self.window_start <= now <= self.window_end


class Finding(models.Model):
    """One checklist item of an inspection: a standard checked in the zone, and the result.
    A failed finding carries at least one photo and raises a rectification order."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        NOT_INSPECTED = "not_inspected", _("Not inspected")

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True)
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="findings"
    )
    standard = models.ForeignKey(
        PerformanceStandard,
        verbose_name=_("standard"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    measured_value = models.DecimalField(
        _("measured value"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "standard__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "standard"], name="inspections_finding_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.standard.code}: {self.get_result_display()}"


class RectificationOrderQuerySet(models.QuerySet["RectificationOrder"]):
    def visible_to(self, user: "User") -> "RectificationOrderQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(provider__staff__user=user)

    def open(self) -> "RectificationOrderQuerySet":
        return self.filter(status__in=RectificationOrder.OPEN_STATUSES)


class RectificationOrder(models.Model):
    """An order to the provider to put right what a failed check or a sensor alert found, by a
    deadline taken from the standard (e.g. 2 hours for litter). Re-inspection closes or
    reopens it."""

    class Origin(models.TextChoices):
        """What raised the order: an inspector's failed finding, or a sensor's alert (the
        alert points to its order: sensors.Alert.order)."""

        INSPECTION = "inspection", _("Inspection")
        SENSOR_ALERT = "sensor_alert", _("Sensor alert")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("order status", "Open")
        RECTIFIED = "rectified", _("Rectified, awaiting re-inspection")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.OPEN: {Status.RECTIFIED},
        Status.RECTIFIED: {Status.CLOSED, Status.REOPENED},
        Status.REOPENED: {Status.RECTIFIED},
        Status.CLOSED: set(),
    }
    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.OPEN, Status.RECTIFIED, Status.REOPENED)

    origin = models.CharField(
        _("raised by"), max_length=16, choices=Origin.choices, default=Origin.INSPECTION
    )
    finding = models.OneToOneField(
        Finding,
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        related_name="order",
        null=True,
        blank=True,
    )
    # Null only for orders older than this field's migration had none; services always set it.
    standard = models.ForeignKey(
        PerformanceStandard,
        verbose_name=_("standard"),
        on_delete=models.PROTECT,
        related_name="orders",
        null=True,
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="orders"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="orders"
    )
    issued_at = models.DateTimeField(_("issued at"))
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    overdue_at = models.DateTimeField(
        _("marked overdue at"),
        null=True,
        blank=True,
        help_text=_("Set by the worker when the deadline passed with the order still open."),
    )
    rectified_at = models.DateTimeField(
        _("last rectified at"),
        null=True,
        blank=True,
        help_text=_("When the provider last reported it put things right."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RectificationOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["deadline"]
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            # An inspection's order hangs off its failed finding; an alert's has none.
            models.CheckConstraint(
                condition=Q(origin="inspection", finding__isnull=False)
                | Q(origin="sensor_alert", finding__isnull=True),
                name="inspections_order_has_a_cause",
            )
        ]

    def __str__(self) -> str:
        return _("Order %(number)s") % {"number": self.pk}

    @property
    def sensor_alert(self) -> "Alert | None":
        """The sensor alert that raised this order, if one did."""
        if self.origin != self.Origin.SENSOR_ALERT:
            return None
        return getattr(self, "alert", None)

    @property
    def zone(self) -> Zone | None:
        """Where the problem is: the inspected zone, or the zone of the alerting sensor."""
        if self.finding is not None:
            return self.finding.inspection.zone
        alert = self.sensor_alert
        return alert.device.facility.zone if alert is not None else None

    def is_overdue(self, now: datetime) -> bool:
        """Late: not put right by the deadline. What counts is when the provider put it right
        (the rectification the re-inspection accepted), not how long the re-inspection took."""
        if self.status in (self.Status.CLOSED, self.Status.RECTIFIED):
            return self.rectified_at is not None and self.rectified_at > self.deadline
        return now > self.deadline or self.overdue_at is not None


class OrderEvent(models.Model):
    """One step in a rectification order's history: who moved it where, when and why."""

    order = models.ForeignKey(
        RectificationOrder, verbose_name=_("order"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        "core.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+", null=True
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["order", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


def evidence_storage() -> Storage:
    """The restricted store for evidence (settings.STORAGES["evidence"]), never served directly."""
    return storages["evidence"]


def evidence_name(instance: "Evidence", filename: str) -> str:
    """A random name: the original file name says nothing and is not kept in the path."""
    return f"evidence/{instance.uuid.hex[:2]}/{instance.uuid.hex}{filename[filename.rfind('.') :]}"


class Evidence(models.Model):
    """A photo kept as evidence: its SHA-256, the untouched original in restricted storage and
    an EXIF-free copy for display. Evidence is never edited or deleted, only superseded."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    original = models.FileField(_("original"), upload_to=evidence_name, storage=evidence_storage)
    display = models.FileField(_("display copy"), upload_to=evidence_name, storage=evidence_storage)
    content_type = models.CharField(_("content type"), max_length=30)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        related_name="evidence",
        null=True,
        blank=True,
    )
    order_event = models.ForeignKey(
        OrderEvent,
        verbose_name=_("order step"),
        on_delete=models.PROTECT,
        related_name="evidence",
        null=True,
        blank=True,
    )
    uploaded_by = models.ForeignKey(
        "core.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self",
        verbose_name=_("superseded by"),
        on_delete=models.PROTECT,
        related_name="supersedes",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finding__isnull=False) | Q(order_event__isnull=False),
                name="inspections_evidence_attached",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sha256[:12]}…"
