"""Monthly assessments: a contract's measurements per standard, the deductions, the score and
rating, the provider's appeals, the payment certificate finance approves, and the ratings that
procurement reads as past performance. The arithmetic is in scoring.py; the workflow in
services.py."""

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpact.contracts.models import Contract, ContractVersion, PerformanceStandard
from parkpact.providers.models import Provider

from . import scoring

if TYPE_CHECKING:
    from parkpact.core.models import User

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
POINTS: dict[str, Any] = {"max_digits": 6, "decimal_places": 2}


class Grade(models.TextChoices):
    """The rating a month's score earns (thresholds per contract version)."""

    EXCEPTIONAL = scoring.EXCEPTIONAL, _("Exceptional")
    VERY_GOOD = scoring.VERY_GOOD, _("Very good")
    SATISFACTORY = scoring.SATISFACTORY, _("Satisfactory")
    MARGINAL = scoring.MARGINAL, _("Marginal")
    UNSATISFACTORY = scoring.UNSATISFACTORY, _("Unsatisfactory")


_M = TypeVar("_M", bound=models.Model)


class ProviderScopedQuerySet(models.QuerySet[_M]):
    """Centre staff see every row; a provider's staff only their company's, reached through
    ``provider_path``."""

    provider_path: ClassVar[str]

    def visible_to(self, user: "User") -> Self:
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(**{f"{self.provider_path}__staff__user": user})


class AssessmentQuerySet(ProviderScopedQuerySet["Assessment"]):
    provider_path = "contract__provider"

    def visible_to(self, user: "User") -> Self:
        """Centre staff see every assessment; a provider sees its own once they are sent."""
        visible = super().visible_to(user)
        if user.is_authenticated and not user.is_centre_staff:
            return visible.exclude(status=Assessment.Status.DRAFT)
        return visible


class Assessment(models.Model):
    """One contract's performance in one month (the assessment period): measured from the
    evidence, scored by the contract's terms, answered by the provider, approved by a manager."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent to provider")
        CONFIRMED = "confirmed", _("Confirmed by provider")
        APPEALED = "appealed", _("Appealed")
        DECIDED = "decided", _("Appeals decided")
        APPROVED = "approved", pgettext_lazy("assessment status", "Approved")

    # The only moves there are; services enforce them. A sent assessment whose appeal window
    # passed unanswered may be approved as it stands.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.DRAFT: {Status.SENT},
        Status.SENT: {Status.CONFIRMED, Status.APPEALED, Status.APPROVED},
        Status.CONFIRMED: {Status.APPROVED},
        Status.APPEALED: {Status.DECIDED},
        Status.DECIDED: {Status.APPROVED},
        Status.APPROVED: set(),
    }

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="assessments"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month assessed."))
    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("terms applied"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    score = models.DecimalField(_("score"), **POINTS)
    grade = models.CharField(_("rating"), max_length=16, choices=Grade.choices)
    payment_factor = models.DecimalField(_("payment factor"), max_digits=9, decimal_places=6)
    bonus_rate = models.DecimalField(_("bonus rate"), max_digits=5, decimal_places=4)
    missing_sources = models.JSONField(
        _("sources without evidence"),
        default=list,
        blank=True,
        help_text=_("Standards whose evidence is not recorded in ParkPact yet: nothing deducted."),
    )
    termination_warning = models.BooleanField(_("termination warning"), default=False)
    computed_at = models.DateTimeField(_("computed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    appeal_deadline = models.DateField(_("appeals until"), null=True, blank=True)
    responded_at = models.DateTimeField(_("provider answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "core.User",
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-month", "contract__number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="assessments_one_per_month"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="assessments_score_range"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "sent", "confirmed", "appealed", "decided", "approved"]
                ),
                name="assessments_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="approved", approved_at__isnull=False) | ~Q(status="approved"),
                name="assessments_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.month:%Y-%m}"

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    def appeal_open(self, today: date) -> bool:
        """Whether the provider may still appeal: sent, and the window not yet over."""
        return (
            self.status == self.Status.SENT
            and self.appeal_deadline is not None
            and today <= self.appeal_deadline
        )

    @property
    def points_deducted(self) -> Decimal:
        return scoring.HUNDRED - self.score


class AssessmentLine(models.Model):
    """One performance standard in one assessment: its measurement (what was checked and what
    failed, with the records behind it) and the points it deducts. A line upheld on appeal
    stays on the record but deducts nothing."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="lines"
    )
    standard = models.ForeignKey(
        PerformanceStandard,
        verbose_name=_("standard"),
        on_delete=models.PROTECT,
        related_name="assessment_lines",
    )
    source = models.CharField(
        _("measured from"), max_length=16, choices=PerformanceStandard.Source.choices
    )
    available = models.BooleanField(
        _("evidence available"),
        default=True,
        help_text=_("False when the source records nothing for this contract: nothing deducted."),
    )
    checked = models.PositiveIntegerField(_("checked"), default=0)
    passed = models.PositiveIntegerField(_("passed"), default=0)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=0)
    pass_rate = models.DecimalField(_("pass rate (%)"), **POINTS, null=True, blank=True)
    # A source's own figure: the worst response (minutes) or the hours above a threshold.
    extra_value = models.DecimalField(
        _("further measure"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    computed_points = models.DecimalField(_("points by the rule"), **POINTS)
    points = models.DecimalField(_("points deducted"), **POINTS)
    records = models.JSONField(
        _("records"),
        default=list,
        blank=True,
        help_text=_("The records that failed, as [kind, id] pairs, so each number traces back."),
    )
    removed_reason = models.TextField(_("why removed"), blank=True)

    class Meta:
        verbose_name = _("assessment line")
        verbose_name_plural = _("assessment lines")
        ordering = ["assessment", "standard__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "standard"], name="assessments_line_per_standard"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=F("computed_points")),
                name="assessments_line_points_within_rule",
            ),
            models.CheckConstraint(
                condition=Q(passed__lte=F("checked")), name="assessments_line_passed_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.standard.code}"

    @property
    def removed(self) -> bool:
        return bool(self.removed_reason)


def _evidence_storage() -> Storage:
    return storages["evidence"]


def _appeal_photo_path(instance: "Appeal", filename: str) -> str:
    return f"appeals/{instance.uuid}{filename[filename.rfind('.') :]}"


class Appeal(models.Model):
    """The provider's objection to one deduction line, with its reason and evidence, decided
    by a manager: upheld (the line is removed, with the reason) or dismissed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    line = models.OneToOneField(
        AssessmentLine, verbose_name=_("line"), on_delete=models.CASCADE, related_name="appeal"
    )
    reason = models.TextField(_("reason"))
    photo = models.FileField(
        _("evidence photo"),
        storage=_evidence_storage,
        upload_to=_appeal_photo_path,
        max_length=200,
        blank=True,
    )
    photo_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    submitted_by = models.ForeignKey(
        "core.User", verbose_name=_("appealed by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("appealed at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        "core.User",
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "upheld", "dismissed"]),
                name="assessments_appeal_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return _("Appeal on %(line)s") % {"line": self.line}


class PaymentCertificateQuerySet(ProviderScopedQuerySet["PaymentCertificate"]):
    provider_path = "assessment__contract__provider"


class PaymentCertificate(models.Model):
    """What the centre pays for an approved month, line by line, in CNY to the fen; approved
    by finance. Net = fee − deduction + bonus + adjustments − retention + retention released."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting finance")
        APPROVED = "approved", pgettext_lazy("certificate status", "Approved for payment")

    assessment = models.OneToOneField(
        Assessment,
        verbose_name=_("assessment"),
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    number = models.CharField(_("certificate number"), max_length=60, unique=True)
    fee = models.DecimalField(_("monthly fee"), **MONEY)
    deduction = models.DecimalField(_("performance deduction"), **MONEY)
    bonus = models.DecimalField(_("bonus"), **MONEY)
    adjustments = models.DecimalField(_("adjustments"), **MONEY)
    retention = models.DecimalField(_("retention held"), **MONEY)
    retention_released = models.DecimalField(_("retention released"), **MONEY)
    net = models.DecimalField(_("net payable"), **MONEY)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    issued_at = models.DateTimeField(_("issued at"))
    approved_by = models.ForeignKey(
        "core.User",
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = PaymentCertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment certificate")
        verbose_name_plural = _("payment certificates")
        ordering = ["-assessment__month", "number"]
        constraints = [
            models.CheckConstraint(
                # Rounded only for SQLite, which keeps decimals as floating point; on
                # PostgreSQL the sum of fen amounts is exact and rounding changes nothing.
                condition=Q(
                    net=Round(
                        F("fee")
                        - F("deduction")
                        + F("bonus")
                        + F("adjustments")
                        - F("retention")
                        + F("retention_released"),
                        2,
                    )
                ),
                name="assessments_certificate_lines_sum",
            ),
            models.CheckConstraint(
                condition=Q(
                    fee__gt=0,
                    deduction__gte=0,
                    bonus__gte=0,
                    retention__gte=0,
                    retention_released__gte=0,
                    deduction__lte=F("fee"),
                ),
                name="assessments_certificate_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved"]),
                name="assessments_certificate_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CertificateLine(models.Model):
    """A line of a certificate that breaks a total down: the deduction per standard, or one
    adjustment carried from an earlier month."""

    class Kind(models.TextChoices):
        DEDUCTION = "deduction", _("Deduction")
        ADJUSTMENT = "adjustment", _("Adjustment")

    certificate = models.ForeignKey(
        PaymentCertificate, on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    label = models.CharField(_("item"), max_length=300)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("certificate line")
        verbose_name_plural = _("certificate lines")
        ordering = ["certificate", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


class AdjustmentQuerySet(ProviderScopedQuerySet["Adjustment"]):
    provider_path = "contract__provider"


class Adjustment(models.Model):
    """A correction to an approved month, paid or recovered in a later month's certificate:
    the approved month itself never changes."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="adjustments"
    )
    corrects = models.ForeignKey(
        Assessment,
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    amount = models.DecimalField(
        _("amount (CNY)"),
        **MONEY,
        help_text=_("Positive pays the provider more; negative recovers."),
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("made at"))
    applied_in = models.ForeignKey(
        Assessment,
        verbose_name=_("paid in"),
        on_delete=models.SET_NULL,
        related_name="adjustments_applied",
        null=True,
        blank=True,
    )

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="assessments_adjustment_nonzero")
        ]

    def __str__(self) -> str:
        return f"{self.corrects}: {self.amount}"


class RatingQuerySet(ProviderScopedQuerySet["Rating"]):
    provider_path = "provider"


class Rating(models.Model):
    """A provider's rating for one contract and month, written when the month is approved:
    its past-performance record, read by the next tender's evaluation."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="ratings"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="ratings"
    )
    assessment = models.OneToOneField(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="rating"
    )
    month = models.DateField(_("month"))
    score = models.DecimalField(_("score"), **POINTS)
    grade = models.CharField(_("rating"), max_length=16, choices=Grade.choices)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["provider", "month", "contract"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="assessments_rating_once")
        ]
        indexes = [models.Index(fields=["provider", "month"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.month:%Y-%m} {self.get_grade_display()}"
