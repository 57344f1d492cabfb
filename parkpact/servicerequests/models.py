import secrets
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.parks.models import Park, Zone
from parkpact.providers.models import Provider

if TYPE_CHECKING:
    from parkpact.core.models import User

# Open311 and the public form both cap a description here.
MAX_DESCRIPTION = 4000


def _in_english() -> bool:
    return (get_language() or "").startswith("en")


class ServiceKind(models.TextChoices):
    """Who answers a kind of problem: a contractor of that service, or the centre itself."""

    CLEANING = Contract.ServiceKind.CLEANING.value, Contract.ServiceKind.CLEANING.label
    SECURITY = Contract.ServiceKind.SECURITY.value, Contract.ServiceKind.SECURITY.label
    CENTRE = "centre", _("The centre")


class Service(models.Model):
    """A kind of problem the public can report (litter, a dirty toilet, a safety concern…), with
    the service that answers it and the time allowed: an Open311 service."""

    Kind = ServiceKind

    code = models.SlugField(_("service code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.CharField(_("description (Chinese)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=200, blank=True, help_text=_("Comma-separated, for search.")
    )
    kind = models.CharField(_("answered by"), max_length=16, choices=Kind.choices)
    acknowledge_hours = models.PositiveSmallIntegerField(
        _("hours to acknowledge"), validators=[MinValueValidator(1)]
    )
    resolve_hours = models.PositiveSmallIntegerField(
        _("hours to resolve"), validators=[MinValueValidator(1)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolve_hours__gte=models.F("acknowledge_hours")),
                name="servicerequests_sla_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ServiceKind.values), name="servicerequests_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if _in_english() else self.name_zh

    @property
    def description(self) -> str:
        return self.description_en if _in_english() else self.description_zh


class ServiceAttribute(models.Model):
    """An extra question a service asks (e.g. "how full is the bin?"): an Open311 attribute."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLEVALUELIST = "singlevaluelist", _("One choice")
        MULTIVALUELIST = "multivaluelist", _("Several choices")

    LIST_TYPES: ClassVar[frozenset[str]] = frozenset(
        {Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST}
    )

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=32)
    datatype = models.CharField(_("type"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    description_zh = models.CharField(_("question (Chinese)"), max_length=200)
    description_en = models.CharField(_("question (English)"), max_length=200)
    datatype_description_zh = models.CharField(_("hint (Chinese)"), max_length=200, blank=True)
    datatype_description_en = models.CharField(_("hint (English)"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("values"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "full", "name_zh": "已满", "name_en": "Full"}, …]'),
    )

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["service", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "code"], name="servicerequests_attribute_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    datatype__in=[
                        "string",
                        "number",
                        "datetime",
                        "text",
                        "singlevaluelist",
                        "multivaluelist",
                    ]
                ),
                name="servicerequests_attribute_datatype_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.code}.{self.code}"

    @property
    def description(self) -> str:
        return self.description_en if _in_english() else self.description_zh

    @property
    def datatype_description(self) -> str:
        return self.datatype_description_en if _in_english() else self.datatype_description_zh

    def choices(self) -> list[tuple[str, str]]:
        """(key, name in the current language) of a list attribute's values."""
        english = _in_english()
        return [
            (str(value["key"]), str(value["name_en"] if english else value["name_zh"]))
            for value in self.values
        ]


def new_tracking_code() -> str:
    """What the reporter keeps to follow the report: short enough to read out, unguessable."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
    return "".join(secrets.choice(alphabet) for _ in range(10))


class ServiceRequestQuerySet(models.QuerySet["ServiceRequest"]):
    def visible_to(self, user: "User") -> "ServiceRequestQuerySet":
        """Centre staff see every request; a provider's staff only those routed to their
        company; the public none (it follows a report by its tracking code, or through
        Open311, which never shows contact details)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(provider__staff__user=user)

    def open(self) -> "ServiceRequestQuerySet":
        return self.filter(status__in=ServiceRequest.OPEN_STATUSES)

    def overdue(self, now: datetime) -> "ServiceRequestQuerySet":
        return self.open().filter(expected_at__lt=now)

    def validated_complaints(self) -> "ServiceRequestQuerySet":
        """What a "validated complaints" standard counts: validated resolutions where the
        centre found the contractor at fault."""
        return self.filter(validated_at__isnull=False, contractor_at_fault=True)


class ServiceRequest(models.Model):
    """A problem reported by the public (QR poster, Open311 client or the hotline), placed in a
    zone, routed to the contract that covers it, and followed until the reporter's loop closes."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Duplicate")

    class Channel(models.TextChoices):
        QR = "qr", _("QR poster")
        OPEN311 = "open311", _("Open311 client")
        HOTLINE = "hotline", _("Hotline")

    # Still waiting for the provider (or the centre) to put it right: the SLA clock runs.
    OPEN_STATUSES: ClassVar[frozenset[str]] = frozenset(
        {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS}
    )
    # Open311 knows only "open" and "closed"; a resolution is closed for the public.
    OPEN311_OPEN: ClassVar[frozenset[str]] = OPEN_STATUSES
    # The only status changes there are; services._move enforces them.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.SUBMITTED: {
            Status.ACKNOWLEDGED,
            Status.IN_PROGRESS,
            Status.RESOLVED,
            Status.REJECTED,
            Status.DUPLICATE,
        },
        Status.ACKNOWLEDGED: {
            Status.IN_PROGRESS,
            Status.RESOLVED,
            Status.REJECTED,
            Status.DUPLICATE,
        },
        Status.IN_PROGRESS: {Status.RESOLVED, Status.REJECTED, Status.DUPLICATE},
        # Validated by the centre (closed), or sent back: by the centre or by the reporter.
        Status.RESOLVED: {Status.CLOSED, Status.IN_PROGRESS},
        # The reporter says "not fixed" after all.
        Status.CLOSED: {Status.IN_PROGRESS},
        Status.REJECTED: set(),
        Status.DUPLICATE: set(),
    }

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="requests"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    client = models.CharField(
        _("client"), max_length=100, blank=True, help_text=_("The Open311 key's name, if any.")
    )
    tracking_code = models.CharField(
        _("tracking code"), max_length=16, unique=True, default=new_tracking_code, editable=False
    )
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(MAX_DESCRIPTION)]
    )
    original_description = models.TextField(
        _("description as sent"),
        blank=True,
        help_text=_("Kept when staff moderate the text; seen by centre staff only."),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    media_url = models.URLField(_("photo link sent"), max_length=500, blank=True)
    # Where: the point as sent, and where ParkPact placed it.
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    address_string = models.CharField(_("address"), max_length=250, blank=True)
    park = models.ForeignKey(
        Park,
        verbose_name=_("park"),
        on_delete=models.PROTECT,
        related_name="service_requests",
        null=True,
        blank=True,
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("zone"),
        on_delete=models.PROTECT,
        related_name="service_requests",
        null=True,
        blank=True,
    )
    # Who answers: the contract that covers the zone for the service's kind, or nobody (the
    # centre's own queue). The provider is the contract's, kept here for fast queues.
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="service_requests",
        null=True,
        blank=True,
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="service_requests",
        null=True,
        blank=True,
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        related_name="duplicates",
        null=True,
        blank=True,
    )
    # When, and the service level agreement's deadlines.
    requested_at = models.DateTimeField(_("reported at"))
    updated_at = models.DateTimeField(_("updated at"))
    acknowledge_by = models.DateTimeField(_("to acknowledge by"))
    expected_at = models.DateTimeField(_("to resolve by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    acknowledge_breached_at = models.DateTimeField(
        _("acknowledgement deadline missed at"), null=True, blank=True
    )
    resolve_breached_at = models.DateTimeField(
        _("resolution deadline missed at"), null=True, blank=True
    )
    validated_at = models.DateTimeField(_("resolution validated at"), null=True, blank=True)
    contractor_at_fault = models.BooleanField(
        _("a valid complaint against the contractor"),
        default=False,
        help_text=_(
            "Set when validating: the problem was the contractor's doing or neglect, so it "
            "counts under the contract's validated-complaints standard."
        ),
    )
    validated_by = models.ForeignKey(
        "core.User",
        verbose_name=_("validated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # The reporter: minimal, optional, and seen by centre staff only.
    contact_name = models.CharField(_("name"), max_length=100, blank=True)
    contact_email = models.EmailField(_("email"), max_length=200, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    device_id = models.CharField(_("device"), max_length=100, blank=True)
    account_id = models.CharField(_("account"), max_length=100, blank=True)
    # The reporter's word on the fix.
    reporter_says_fixed = models.BooleanField(_("reporter says fixed"), null=True, blank=True)
    reporter_rating = models.PositiveSmallIntegerField(
        _("reporter's rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    reporter_comment = models.CharField(_("reporter's comment"), max_length=500, blank=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "submitted",
                        "acknowledged",
                        "in_progress",
                        "resolved",
                        "closed",
                        "rejected",
                        "duplicate",
                    ]
                ),
                name="servicerequests_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(reporter_rating__isnull=True)
                | Q(reporter_rating__gte=1, reporter_rating__lte=5),
                name="servicerequests_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(expected_at__gte=models.F("acknowledge_by")),
                name="servicerequests_deadlines_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(longitude__isnull=True) & Q(latitude__isnull=True))
                | Q(longitude__gte=-180, longitude__lte=180, latitude__gte=-90, latitude__lte=90),
                name="servicerequests_position_valid",
            ),
        ]
        indexes = [
            # Open311 GET requests: a window of requested_datetime, newest first, maybe by
            # status or service; updated_after for clients that poll for changes.
            models.Index(fields=["requested_at", "id"], name="sr_requested_idx"),
            models.Index(fields=["service", "requested_at"], name="sr_service_requested_idx"),
            models.Index(fields=["status", "requested_at"], name="sr_status_requested_idx"),
            models.Index(fields=["updated_at"], name="sr_updated_idx"),
            # Queues: a provider's open requests, overdue first.
            models.Index(fields=["provider", "status", "expected_at"], name="sr_queue_idx"),
            # The workspace: reports waiting for someone (open, or resolved and not yet
            # validated), counted from the index alone.
            models.Index(
                fields=["status", "expected_at"],
                condition=Q(validated_at__isnull=True),
                name="sr_waiting_idx",
            ),
            # The monthly assessment: a month's complaints the contractor was at fault for, and
            # its missed deadlines. Few requests have either, so the indexes are partial.
            models.Index(
                fields=["validated_at"],
                condition=Q(contractor_at_fault=True, validated_at__isnull=False),
                name="sr_at_fault_validated_idx",
            ),
            models.Index(
                fields=["acknowledge_breached_at"],
                condition=Q(acknowledge_breached_at__isnull=False),
                name="sr_ack_breached_idx",
            ),
            models.Index(
                fields=["resolve_breached_at"],
                condition=Q(resolve_breached_at__isnull=False),
                name="sr_resolve_breached_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.service.name}"

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        return "open" if self.status in self.OPEN311_OPEN else "closed"

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.expected_at < now

    def is_acknowledgement_overdue(self, now: datetime) -> bool:
        return self.status == self.Status.SUBMITTED and self.acknowledge_by < now

    @property
    def agency_responsible(self) -> str:
        """Open311's agency_responsible: the provider, or the centre for its own queue."""
        return self.provider.name if self.provider else settings.PARKPACT_CENTRE_NAME

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_email or self.contact_phone)


class RequestEvent(models.Model):
    """One step in a request's history: a status change, a note, a missed deadline or the
    reporter's word. Public notes are what the reporter and Open311 clients read."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        NOTE = "note", _("Note")
        BREACH = "breach", _("Deadline missed")
        ROUTING = "routing", _("Routing")
        FEEDBACK = "feedback", _("Reporter feedback")
        MODERATION = "moderation", _("Moderation")

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        "core.User",
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    by_reporter = models.BooleanField(_("by the reporter"), default=False)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("public"), default=True)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["request", "at", "pk"]
        indexes = [models.Index(fields=["request", "at"], name="sr_event_request_idx")]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def to_status_label(self) -> str:
        if not self.to_status:
            return ""
        return str(ServiceRequest.Status(self.to_status).label)


def _evidence_storage() -> Storage:
    return storages["evidence"]


def _photo_path(instance: "RequestPhoto", filename: str) -> str:
    return f"requests/{instance.uploaded_at:%Y/%m}/{instance.uuid}{filename[filename.rfind('.') :]}"


class RequestPhoto(models.Model):
    """A photo of a report (sent by the reporter) or of its resolution (sent by the provider).
    The original keeps its EXIF and is for centre staff; everyone else sees the display copy."""

    class Stage(models.TextChoices):
        REPORT = "report", _("Report")
        RESOLUTION = "resolution", _("Resolution")

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="photos"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("type"), max_length=32)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    original = models.FileField(_("original"), storage=_evidence_storage, upload_to=_photo_path)
    display = models.FileField(_("display copy"), storage=_evidence_storage, max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        "core.User",
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")
        ordering = ["request", "uploaded_at"]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.stage} {self.sha256[:12]}"


class BlockedContact(models.Model):
    """A contact whose reports are refused (abuse): an email, a phone, a device or an account."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        DEVICE = "device", _("Device")
        ACCOUNT = "account", _("Account")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=200)
    reason = models.CharField(_("reason"), max_length=300)
    blocked_by = models.ForeignKey(
        "core.User", verbose_name=_("blocked by"), on_delete=models.PROTECT, related_name="+"
    )
    blocked_at = models.DateTimeField(_("blocked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked contact")
        verbose_name_plural = _("blocked contacts")
        ordering = ["-blocked_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="servicerequests_block_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    @staticmethod
    def normalise(kind: str, value: Any) -> str:
        """Compare contacts the way people write them: case and spacing do not matter, nor
        the punctuation of a phone number."""
        text = str(value or "").strip()
        if kind == BlockedContact.Kind.PHONE:
            return "".join(ch for ch in text if ch.isdigit() or ch == "+")
        return text.lower()
