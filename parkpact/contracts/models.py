from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkpact.parks.models import Zone, ZoneKind
from parkpact.providers.models import Provider

if TYPE_CHECKING:
    from parkpact.core.models import User

ZERO = Decimal(0)
HUNDRED = Decimal(100)
LOCKED_MESSAGE = _(
    "These terms are in force and can no longer be edited: change them through an amendment."
)


class ContractQuerySet(models.QuerySet["Contract"]):
    def visible_to(self, user: "User") -> "ContractQuerySet":
        """Centre staff see every contract; a provider's staff see only their company's."""
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(provider__staff__user=user)

    def active(self) -> "ContractQuerySet":
        return self.filter(status=Contract.Status.ACTIVE)


class Contract(models.Model):
    """A signed agreement with one provider for one service over a term, such as the cleaning
    of Donghu Park. Its money and performance terms live in versions (see ContractVersion)."""

    class ServiceKind(models.TextChoices):
        CLEANING = "cleaning", _("Sanitary cleaning")
        SECURITY = "security", _("Security")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        TERMINATED = "terminated", _("Terminated")

    # The only status changes there are; services.change_contract_status enforces them.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.DRAFT: {Status.ACTIVE},
        Status.ACTIVE: {Status.ENDED, Status.TERMINATED},
        Status.ENDED: set(),
        Status.TERMINATED: set(),
    }

    number = models.CharField(_("contract number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="contracts"
    )
    service_kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    zones = models.ManyToManyField(Zone, verbose_name=_("zones in scope"), related_name="contracts")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="contracts_term_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "ended", "terminated"]),
                name="contracts_contract_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The contract must end after it starts.")})

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    def is_in_term(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class ContractVersion(models.Model):
    """The terms of a contract in force from a date: fee, retention, performance standards,
    pay bands and clauses. Version 1 is the contract as signed; each approved amendment adds
    the next. A version in force is never edited, so every earlier version stays readable."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("in force from"))
    in_force = models.BooleanField(_("in force"), default=False, editable=False)
    monthly_fee = models.DecimalField(
        _("monthly fee (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    retention_rate = models.DecimalField(
        _("retention rate"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("0.3"))],
        help_text=_("Share of each payment held back until the end of the contract, e.g. 0.05."),
    )
    termination_score = models.DecimalField(
        _("termination score"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(75),
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
        help_text=_(
            "A monthly score below this, for the number of months below, in a row, allows termination."
        ),
    )
    termination_months = models.PositiveSmallIntegerField(
        _("months in a row before termination"), default=3, validators=[MinValueValidator(1)]
    )
    # The rating a month's score earns: at least this score for each grade (Unsatisfactory below).
    exceptional_score = models.DecimalField(
        _("Exceptional from score"), max_digits=5, decimal_places=2, default=Decimal(95)
    )
    very_good_score = models.DecimalField(
        _("Very good from score"), max_digits=5, decimal_places=2, default=Decimal(90)
    )
    satisfactory_score = models.DecimalField(
        _("Satisfactory from score"), max_digits=5, decimal_places=2, default=Decimal(80)
    )
    marginal_score = models.DecimalField(
        _("Marginal from score"), max_digits=5, decimal_places=2, default=Decimal(70)
    )
    appeal_working_days = models.PositiveSmallIntegerField(
        _("working days to appeal"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("How long the provider has to appeal a deduction once an assessment is sent."),
    )

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contracts_version_unique"),
            models.CheckConstraint(condition=Q(monthly_fee__gt=0), name="contracts_fee_positive"),
            models.CheckConstraint(
                condition=Q(retention_rate__gte=0, retention_rate__lte=Decimal("0.3")),
                name="contracts_retention_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    exceptional_score__lte=HUNDRED,
                    exceptional_score__gt=models.F("very_good_score"),
                    very_good_score__gt=models.F("satisfactory_score"),
                    satisfactory_score__gt=models.F("marginal_score"),
                    marginal_score__gt=0,
                ),
                name="contracts_rating_thresholds_descending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.number}"

    def clean(self) -> None:
        thresholds = [
            self.exceptional_score,
            self.very_good_score,
            self.satisfactory_score,
            self.marginal_score,
        ]
        if None not in thresholds and not (
            HUNDRED >= thresholds[0] > thresholds[1] > thresholds[2] > thresholds[3] > 0
        ):
            raise ValidationError(
                {
                    "exceptional_score": _(
                        "Rating thresholds must fall from Exceptional to Marginal, within 0–100."
                    )
                }
            )

    @property
    def rating_thresholds(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """Exceptional, Very good, Satisfactory and Marginal lower bounds, for scoring.rating."""
        return (
            self.exceptional_score,
            self.very_good_score,
            self.satisfactory_score,
            self.marginal_score,
        )

    @property
    def is_editable(self) -> bool:
        """Only terms not yet in force may change: the draft contract's, or a draft amendment's."""
        return not self.in_force and (
            self.contract.status == Contract.Status.DRAFT
            or (hasattr(self, "amendment") and self.amendment.status == Amendment.Status.DRAFT)
        )


class VersionPart(models.Model):
    """Shared by the parts of a version's terms: they may change only while it is editable."""

    version: models.ForeignKey[ContractVersion, ContractVersion]
    version_id: int

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.version_id is not None and not self.version.is_editable:
            raise ValidationError(LOCKED_MESSAGE, code="terms_locked")


class PerformanceStandard(VersionPart):
    """One measurable requirement of the service (e.g. "visible litter per 100 m²"), how it is
    checked, its acceptable quality level, its weight in the score and its deduction rule."""

    class Method(models.TextChoices):
        RANDOM_SAMPLE = "random_sample", _("Random sample")
        # xgettext:no-python-format
        FULL_CHECK = "full_check", _("100 % check")
        PERIODIC = "periodic", _("Periodic inspection")
        VALIDATED_COMPLAINTS = "validated_complaints", _("Validated complaints")
        SENSOR = "sensor", _("Sensor")

    class Source(models.TextChoices):
        """Where the monthly assessment takes this standard's measurement from."""

        INSPECTIONS = "inspections", _("Inspection findings")
        RECTIFICATION = "rectification", _("Rectification orders on time")
        COMPLAINTS = "complaints", _("Validated public complaints")
        SLA = "sla", _("Public reports past their deadline")
        PATROLS = "patrols", _("Patrol checkpoints scanned")
        INCIDENTS = "incidents", _("Incident response times")
        SENSORS = "sensors", _("Sensor alerts")

    class Rule(models.TextChoices):
        PER_OCCURRENCE = "per_occurrence", _("Points per occurrence, capped per month")
        RATE = "rate", _("Points when the pass rate misses the acceptable quality level")

    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="standards",
    )
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    measurement = models.TextField(_("what is measured and how"))
    target = models.CharField(_("target"), max_length=200)
    acceptable_quality_level = models.DecimalField(
        _("acceptable quality level (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
        help_text=_("The share of checks that must meet the target, e.g. 95."),
    )
    method = models.CharField(_("surveillance method"), max_length=24, choices=Method.choices)
    source = models.CharField(
        _("measured from"),
        max_length=16,
        choices=Source.choices,
        default=Source.INSPECTIONS,
        help_text=_("The evidence the monthly assessment counts for this standard."),
    )
    rule = models.CharField(
        _("deduction rule"), max_length=16, choices=Rule.choices, default=Rule.PER_OCCURRENCE
    )
    weight = models.DecimalField(
        _("weight (points)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(HUNDRED)],
        help_text=_("Points of the 100-point score this standard carries."),
    )
    points_per_occurrence = models.DecimalField(
        _("points deducted per occurrence"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )
    monthly_cap = models.DecimalField(
        _("deduction cap per month"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        help_text=_("At most this many points are deducted in a month; not more than the weight."),
    )
    zone_kinds = models.JSONField(
        _("zone kinds checked"),
        default=list,
        blank=True,
        help_text=_(
            "The kinds of zone where inspectors check this standard; empty for every zone."
        ),
    )
    unit = models.CharField(
        _("unit of the measured value"), max_length=30, blank=True, help_text=_("e.g. mg/m³")
    )
    limit_value = models.DecimalField(
        _("limit"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("A measured value beyond this limit fails the check, e.g. 0.3 for NH₃."),
    )
    limit_is_maximum = models.BooleanField(
        _("the limit is a maximum"),
        default=True,
        help_text=_("Untick when the measured value must be at least the limit."),
    )
    rectification_hours = models.PositiveIntegerField(
        _("hours to rectify"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Deadline of the rectification order a failed check raises, e.g. 2 for litter."
        ),
    )

    class Meta:
        verbose_name = _("performance standard")
        verbose_name_plural = _("performance standards")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="contracts_standard_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="contracts_standard_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(monthly_cap__lte=models.F("weight")),
                name="contracts_standard_cap_within_weight",
            ),
            models.CheckConstraint(
                condition=Q(
                    source__in=[
                        "inspections",
                        "rectification",
                        "complaints",
                        "sla",
                        "patrols",
                        "incidents",
                        "sensors",
                    ],
                    rule__in=["per_occurrence", "rate"],
                ),
                name="contracts_standard_source_rule_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def applies_to(self, zone_kind: str) -> bool:
        return not self.zone_kinds or zone_kind in self.zone_kinds

    def fails(self, measured: Decimal) -> bool:
        """Whether a measured value breaks the limit (False when the standard has none)."""
        if self.limit_value is None:
            return False
        return measured > self.limit_value if self.limit_is_maximum else measured < self.limit_value

    def clean(self) -> None:
        super().clean()
        if (
            self.monthly_cap is not None
            and self.weight is not None
            and self.monthly_cap > self.weight
        ):
            raise ValidationError(
                {"monthly_cap": _("The monthly cap cannot exceed the standard's weight.")}
            )
        if not isinstance(self.zone_kinds, list) or set(self.zone_kinds) - set(ZoneKind.values):
            raise ValidationError({"zone_kinds": _("Choose zone kinds from the list of kinds.")})


class PayBand(VersionPart):
    """A score range and what it pays: a fixed share of the fee, or a share in proportion to
    the score (score ÷ 100), plus any bonus. A version's bands cover 0–100 exactly once."""

    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="pay_bands",
    )
    min_score = models.DecimalField(
        _("from score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    max_score = models.DecimalField(
        _("below score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
        help_text=_("Exclusive, except that a band ending at 100 includes 100."),
    )
    payment_factor = models.DecimalField(
        _("payment factor"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(1))],
        help_text=_("Share of the fee paid, e.g. 1 for the full fee; empty when proportional."),
    )
    proportional = models.BooleanField(
        _("in proportion to the score"),
        default=False,
        help_text=_("Pay the fee times score ÷ 100."),
    )
    bonus_rate = models.DecimalField(
        _("bonus rate"),
        max_digits=5,
        decimal_places=4,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("0.2"))],
        help_text=_("Extra share of the fee paid as a bonus, e.g. 0.02."),
    )

    class Meta:
        verbose_name = _("pay band")
        verbose_name_plural = _("pay bands")
        ordering = ["version", "-min_score"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_score__lt=models.F("max_score")), name="contracts_band_ordered"
            ),
            models.CheckConstraint(
                condition=Q(proportional=True, payment_factor__isnull=True)
                | Q(proportional=False, payment_factor__isnull=False),
                name="contracts_band_factor_xor_proportional",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.min_score}, {self.max_score})"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if (
            self.min_score is not None
            and self.max_score is not None
            and self.min_score >= self.max_score
        ):
            errors["max_score"] = _("The band must end above where it starts.")
        if self.proportional and self.payment_factor is not None:
            errors["payment_factor"] = _(
                "Leave the factor empty for a band paid in proportion to the score."
            )
        if not self.proportional and self.payment_factor is None:
            errors["payment_factor"] = _(
                "Give the share of the fee this band pays, or tick 'in proportion'."
            )
        if errors:
            raise ValidationError(errors)


class Clause(VersionPart):
    """A numbered article of the contract text, who it binds, and the law or rule behind it."""

    class Party(models.TextChoices):
        CENTRE = "centre", _("The centre")
        PROVIDER = "provider", _("The provider")
        BOTH = "both", _("Both parties")

    version = models.ForeignKey(
        ContractVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="clauses"
    )
    number = models.CharField(_("number"), max_length=16)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    responsible_party = models.CharField(
        _("responsible party"), max_length=16, choices=Party.choices
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["version", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "number"], name="contracts_clause_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Amendment(models.Model):
    """A change to an active contract's terms: drafted as a new version, then approved (by
    someone other than its drafter) or rejected. Approval puts the new version in force."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.DRAFT: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="amendments"
    )
    version = models.OneToOneField(
        ContractVersion,
        verbose_name=_("new terms"),
        on_delete=models.PROTECT,
        related_name="amendment",
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    drafted_by = models.ForeignKey(
        "core.User", verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "core.User",
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract", "-drafted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(status="draft"),
                name="contracts_one_draft_amendment",
            ),
        ]

    def __str__(self) -> str:
        return _("Amendment to %(contract)s (v%(version)s)") % {
            "contract": self.contract.number,
            "version": self.version.number,
        }


def terms_on(contract: Contract, day: date) -> ContractVersion | None:
    """The terms in force on a day: the newest version in force that took effect by then."""
    return (
        contract.versions.filter(in_force=True, effective_from__lte=day).order_by("-number").first()
    )
