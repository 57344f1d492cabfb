"""Procurement: tenders split into lots, the eligibility they require, the scoring method, bids
from registered providers, evaluators' scores, abnormally-low-bid explanations and the award
that becomes a contract draft. The arithmetic is in evaluation.py; the rules in services.py."""

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.parks.models import Zone
from parkpact.providers.models import Provider, Qualification

if TYPE_CHECKING:
    from parkpact.core.models import User

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
RATIO: dict[str, Any] = {
    "max_digits": 4,
    "decimal_places": 3,
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
}


class TenderQuerySet(models.QuerySet["Tender"]):
    def published(self) -> "TenderQuerySet":
        """What the public portal and OCDS show: every tender past planning."""
        return self.exclude(status=Tender.Status.PLANNED)


class Tender(models.Model):
    """A call for bids for a park service, in one or more lots, evaluated by comprehensive
    scoring (综合评分法). Published from ``active`` on; bids are accepted only inside the
    submission period."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Open for bids")
        EVALUATION = "evaluation", _("Under evaluation")
        AWARDED = "awarded", _("Awarded")
        CANCELLED = "cancelled", _("Cancelled")
        UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.PLANNED: {Status.ACTIVE, Status.CANCELLED},
        Status.ACTIVE: {Status.EVALUATION, Status.CANCELLED},
        Status.EVALUATION: {Status.AWARDED, Status.UNSUCCESSFUL, Status.CANCELLED},
        Status.AWARDED: set(),
        Status.CANCELLED: set(),
        Status.UNSUCCESSFUL: set(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    service_kind = models.CharField(
        _("service"), max_length=16, choices=Contract.ServiceKind.choices
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    submission_start = models.DateTimeField(_("bids accepted from"))
    submission_end = models.DateTimeField(_("bids accepted until"))
    contract_start = models.DateField(_("contract starts"))
    contract_end = models.DateField(_("contract ends"))
    past_performance_months = models.PositiveSmallIntegerField(
        _("past performance window (months)"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    abnormal_mean_ratio = models.DecimalField(
        _("abnormally low: share of the others' mean"), default=Decimal("0.5"), **RATIO
    )
    abnormal_second_ratio = models.DecimalField(
        _("abnormally low: share of the second-lowest"), default=Decimal("0.5"), **RATIO
    )
    abnormal_ceiling_ratio = models.DecimalField(
        _("abnormally low: share of the ceiling"), default=Decimal("0.45"), **RATIO
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TenderQuerySet.as_manager()

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["-submission_end", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submission_end__gt=F("submission_start")),
                name="procurement_submission_ordered",
            ),
            models.CheckConstraint(
                condition=Q(contract_end__gt=F("contract_start")),
                name="procurement_contract_term_ordered",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "planned",
                        "active",
                        "evaluation",
                        "awarded",
                        "cancelled",
                        "unsuccessful",
                    ]
                ),
                name="procurement_tender_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class Lot(models.Model):
    """A part of a tender awarded on its own: a set of zones for one service, with its
    monthly budget ceiling. Each lot's award becomes one contract."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot number"))
    title = models.CharField(_("title"), max_length=200)
    zones = models.ManyToManyField(Zone, verbose_name=_("zones"), related_name="lots")
    budget_ceiling = models.DecimalField(
        _("monthly budget ceiling (CNY)"),
        **MONEY,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Bids above it are invalid; the abnormally-low test compares with it."),
    )

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="procurement_lot_number"),
            models.CheckConstraint(
                condition=Q(budget_ceiling__gt=0), name="procurement_lot_ceiling_positive"
            ),
        ]

    def __str__(self) -> str:
        return _("Lot %(number)s: %(title)s") % {"number": self.number, "title": self.title}


class Requirement(models.Model):
    """A qualification every bidder must hold, valid on the day the bid is submitted."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(_("qualification"), max_length=32, choices=Qualification.Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("eligibility requirement")
        verbose_name_plural = _("eligibility requirements")
        constraints = [
            models.UniqueConstraint(fields=["tender", "kind"], name="procurement_requirement_once")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class Criterion(models.Model):
    """One part of the scoring method: the price (by formula), past performance (from ratings)
    or a criterion the evaluators judge. The weights of a tender add up to 100."""

    class Kind(models.TextChoices):
        PRICE = "price", _("Price (by formula)")
        PAST_PERFORMANCE = "past_performance", _("Past performance (from ParkPact ratings)")
        JUDGED = "judged", _("Judged by the evaluators")

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    weight = models.DecimalField(
        _("points"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    is_technical = models.BooleanField(
        _("technical"),
        default=False,
        help_text=_("Counted in the technical score that breaks ties after the price."),
    )

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["tender", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="procurement_weight_positive"),
            models.UniqueConstraint(
                fields=["tender"], condition=Q(kind="price"), name="procurement_one_price"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class Evaluator(models.Model):
    """A member of a tender's evaluation panel, who must declare no conflict with a bidder."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="evaluators")
    user = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    conflicts = models.ManyToManyField(
        Provider,
        verbose_name=_("declared conflicts"),
        blank=True,
        related_name="+",
        help_text=_("Companies this evaluator may not score (relatives, former employer …)."),
    )

    class Meta:
        verbose_name = _("evaluator")
        verbose_name_plural = _("evaluators")
        constraints = [
            models.UniqueConstraint(fields=["tender", "user"], name="procurement_evaluator_once")
        ]

    def __str__(self) -> str:
        return str(self.user)


class EvidenceStore(Storage):
    """The ``evidence`` store, looked up at each use rather than once when the model loads, so
    that a changed STORAGES setting (the tests' in-memory store) applies to proposals too."""

    @property
    def _store(self) -> Storage:
        return storages["evidence"]

    def _open(self, name: str, mode: str = "rb") -> Any:
        return self._store.open(name, mode)

    def _save(self, name: str, content: Any) -> str:
        return self._store.save(name, content)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self._store.get_available_name(name, max_length=max_length)

    def delete(self, name: str) -> None:
        self._store.delete(name)

    def exists(self, name: str) -> bool:
        return self._store.exists(name)

    def size(self, name: str) -> int:
        return self._store.size(name)

    def url(self, name: str | None) -> str:
        return self._store.url(name)

    def path(self, name: str) -> str:
        return self._store.path(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self._store.listdir(path)


PROPOSAL_STORE = EvidenceStore()


def _proposal_storage() -> Storage:
    return PROPOSAL_STORE


def _proposal_path(instance: "Bid", filename: str) -> str:
    return f"bids/{instance.uuid}{filename[filename.rfind('.') :]}"


class BidQuerySet(models.QuerySet["Bid"]):
    def visible_to(self, user: "User") -> "BidQuerySet":
        """Centre staff see every bid; a provider sees only its own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(provider__staff__user=user)

    def valid(self) -> "BidQuerySet":
        return self.filter(status=Bid.Status.VALID)


class Bid(models.Model):
    """A provider's offer for one lot: a monthly price, a technical proposal and the
    qualifications it relies on, submitted inside the tender's period."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REJECTED = "rejected", _("Rejected")

    class Explanation(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        REQUESTED = "requested", _("Explanation requested")
        SUBMITTED = "submitted", _("Explanation submitted")
        ACCEPTED = "accepted", _("Explanation accepted")
        REJECTED = "rejected", _("Explanation rejected")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="bids"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("bidder"), on_delete=models.PROTECT, related_name="bids"
    )
    price = models.DecimalField(_("monthly price (CNY)"), **MONEY)
    proposal = models.FileField(
        _("technical proposal"),
        storage=_proposal_storage,
        upload_to=_proposal_path,
        max_length=200,
        blank=True,
    )
    proposal_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    qualifications = models.ManyToManyField(
        Qualification, verbose_name=_("qualifications relied on"), blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.VALID
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    abnormal_triggers = models.JSONField(_("abnormally low tests failed"), default=list, blank=True)
    explanation_status = models.CharField(
        _("explanation"),
        max_length=16,
        choices=Explanation.choices,
        default=Explanation.NOT_NEEDED,
    )
    explanation = models.TextField(_("the bidder's explanation"), blank=True)
    explanation_decided_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    explanation_decision_reason = models.TextField(_("reason for the decision"), blank=True)

    objects = BidQuerySet.as_manager()

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["lot", "price"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "provider"],
                condition=Q(status="valid"),
                name="procurement_one_valid_bid_per_lot",
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="procurement_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} · {self.provider}"


class BidScore(models.Model):
    """One evaluator's score of one judged criterion for one bid; given once."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    evaluator = models.ForeignKey(Evaluator, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        verbose_name = _("bid score")
        verbose_name_plural = _("bid scores")
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion", "evaluator"], name="procurement_score_once"
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="procurement_score_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.bid} {self.criterion}: {self.score}"


class Award(models.Model):
    """The decision for a lot: the winning bid, its evaluation as it stood, and the contract
    draft it created."""

    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="award")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="award")
    total_score = models.DecimalField(_("total score"), max_digits=6, decimal_places=2)
    ranking = models.JSONField(_("ranking"), default=list)
    contract = models.OneToOneField(
        Contract, on_delete=models.PROTECT, related_name="award", null=True, blank=True
    )
    decided_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return _("Award of %(lot)s") % {"lot": self.lot}
