"""Procurement's rules: building and publishing a tender, taking bids inside the submission
period from eligible companies, abnormally-low-bid explanations, evaluators' scores, the
evaluation (evaluation.py's arithmetic over the recorded scores and ParkPact's own ratings), and
the award that drafts the contract. Every change is one transaction with a ledger event."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpact.contracts import services as contract_services
from parkpact.core.models import Role, User
from parkpact.core.notifications import centre_message, managers, notify_on_commit
from parkpact.core.services import record_event, snapshot
from parkpact.providers.models import Provider, Qualification
from parkpact.providers.services import provider_staff

from . import evaluation
from .models import Award, Bid, BidScore, Criterion, Evaluator, Lot, Requirement, Tender

Status = Tender.Status
MANAGERS = (Role.ADMIN, Role.MANAGER)
DEFAULT_RETENTION = Decimal("0.05")
MAX_PROPOSAL_BYTES = 20 * 1024 * 1024

BAD_MOVE = _("A tender that is “%(status)s” cannot be %(action)s.")
NOT_PLANNED = _("The tender has been published: its lots and scoring method can no longer change.")
METHOD_PROBLEMS = {
    "weights_not_100": _("The criteria's points must add up to 100 (they add up to %(total)s)."),
    "one_price_criterion": _("The scoring method needs exactly one price criterion."),
    "price_weight_too_low": _(
        "The price criterion must carry at least 10 points for services (it carries %(price)s)."
    ),
    "weight_not_positive": _("Every criterion must carry some points."),
}
NO_LOTS = _("Add at least one lot before publishing.")
PERIOD_NOT_OVER = _("Bids are accepted until %(end)s: evaluation starts after that.")
NOT_CENTRE_STAFF = _("Only the centre's staff can sit on an evaluation panel.")
PANEL_CLOSED = _("The tender is “%(status)s”: its evaluation panel can no longer change.")
PERIOD_PASSED = _("The submission period must end in the future.")
OUTSIDE_PERIOD = _("Bids are accepted from %(start)s to %(end)s only.")
NOT_ELIGIBLE = _("%(provider)s does not hold a valid %(kinds)s, which this tender requires.")
PRICE_NOT_POSITIVE = _("Enter a monthly price above zero.")
ABOVE_CEILING = _("The price is above the lot's monthly ceiling of %(ceiling)s.")
ALREADY_BID = _("%(provider)s already has a bid for this lot: withdraw it first to bid again.")
PROPOSAL_TOO_LARGE = _("The technical proposal is larger than 20 MB.")
PROPOSAL_NOT_PDF = _("The technical proposal must be a PDF file.")
NOT_YOUR_BID = _("Only the bidder's staff may do this.")
EXPLANATION_REQUIRED = _("Write the explanation of the price.")
REASON_REQUIRED = _("Give the reason for the decision.")
EXPLANATION_NOT_AWAITED = _("No explanation is awaited for this bid.")
EXPLANATIONS_PENDING = _(
    "Abnormally low bids in this lot await their explanation or its decision: "
    "evaluation waits until they are decided."
)
CONFLICTED = _("You declared a conflict with %(provider)s: you may not score its bid.")
NOT_EVALUATOR = _("You are not on this tender's evaluation panel.")
ALREADY_SCORED = _("You have already scored %(criterion)s for this bid.")
SCORE_RANGE = _("Give a score from 0 to %(weight)s.")
NOT_JUDGED = _("%(criterion)s is not scored by the evaluators.")
NOT_IN_EVALUATION = _("The tender is not under evaluation.")
SCORES_MISSING = _("Not every evaluator has scored every judged criterion of every valid bid yet.")
NO_VALID_BIDS = _("The lot has no valid bid: mark the tender unsuccessful instead.")
ALREADY_AWARDED = _("This lot has already been awarded.")

EXPLAIN_MESSAGE = _(
    "Your bid for %(lot)s of %(tender)s is abnormally low: explain the price in writing before "
    "evaluation goes on."
)
AWARD_MESSAGE = _("%(lot)s of %(tender)s is awarded to %(provider)s.")

TENDER_FIELDS = [
    "reference",
    "title",
    "description",
    "service_kind",
    "status",
    "submission_start",
    "submission_end",
    "contract_start",
    "contract_end",
    "past_performance_months",
    "abnormal_mean_ratio",
    "abnormal_second_ratio",
    "abnormal_ceiling_ratio",
]


def _refuse(message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _require_manager(user: User) -> None:
    if not user.has_role(*MANAGERS):
        raise PermissionDenied


def _lock(tender: Tender) -> Tender:
    return Tender.objects.select_for_update().get(pk=tender.pk)


def _move(tender: Tender, to: str, action: Any, *, by: User | None, reason: str = "") -> None:
    if not tender.can_become(to):
        raise _refuse(BAD_MOVE, "bad_transition", status=tender.get_status_display(), action=action)
    before = tender.status
    tender.status = to
    tender.status_changed_at = timezone.now()
    tender.status_reason = reason
    tender.save(update_fields=["status", "status_changed_at", "status_reason"])
    record_event(
        actor=by,
        action=f"tender.{to}",
        obj=tender,
        before={"status": before},
        after={"status": to},
        reason=reason,
    )


def _require_planned(tender: Tender) -> None:
    if tender.status != Status.PLANNED:
        raise _refuse(NOT_PLANNED, "tender_published")


# ---- Building a tender ---------------------------------------------------------------------------


def create_tender(*, by: User, **fields: Any) -> Tender:
    """Draft a tender (planned): lots, requirements and criteria are added before publishing."""
    _require_manager(by)
    tender = Tender(created_by=by)
    for name in TENDER_FIELDS:
        if name in fields and name != "status":
            setattr(tender, name, fields.pop(name))
    if fields:
        raise TypeError(f"cannot set {', '.join(sorted(fields))}")
    tender.full_clean()
    with transaction.atomic():
        tender.save()
        record_event(
            actor=by, action="tender.create", obj=tender, after=snapshot(tender, TENDER_FIELDS)
        )
    return tender


def add_lot(
    *, tender: Tender, by: User, number: int, title: str, zones: list[Any], budget_ceiling: Decimal
) -> Lot:
    _require_manager(by)
    with transaction.atomic():
        tender = _lock(tender)
        _require_planned(tender)
        lot = Lot(tender=tender, number=number, title=title, budget_ceiling=budget_ceiling)
        lot.full_clean()
        if not zones:
            raise ValidationError({"zones": _("Choose the zones of the lot.")})
        lot.save()
        lot.zones.set(zones)
        record_event(
            actor=by,
            action="tender.add_lot",
            obj=tender,
            after={
                **snapshot(lot, ["number", "title", "budget_ceiling"]),
                "zones": sorted(z.pk for z in zones),
            },
        )
    return lot


def add_requirement(*, tender: Tender, by: User, kind: str, description: str = "") -> Requirement:
    _require_manager(by)
    with transaction.atomic():
        tender = _lock(tender)
        _require_planned(tender)
        requirement = Requirement(tender=tender, kind=kind, description=description)
        requirement.full_clean()
        requirement.save()
        record_event(actor=by, action="tender.add_requirement", obj=tender, after={"kind": kind})
    return requirement


def add_criterion(
    *, tender: Tender, by: User, kind: str, name: str, weight: Decimal, is_technical: bool = False
) -> Criterion:
    _require_manager(by)
    with transaction.atomic():
        tender = _lock(tender)
        _require_planned(tender)
        criterion = Criterion(
            tender=tender, kind=kind, name=name, weight=weight, is_technical=is_technical
        )
        criterion.full_clean()
        criterion.save()
        record_event(
            actor=by,
            action="tender.add_criterion",
            obj=tender,
            after={"kind": kind, "name": name, "weight": str(weight), "technical": is_technical},
        )
    return criterion


def method_errors(tender: Tender) -> list[ValidationError]:
    """What is wrong with a tender's scoring method, as messages (empty when it is sound)."""
    weights = [(c.kind, c.weight) for c in tender.criteria.all()]
    total = sum((w for _k, w in weights), Decimal(0))
    price = next((w for k, w in weights if k == Criterion.Kind.PRICE), Decimal(0))
    return [
        _refuse(METHOD_PROBLEMS[code], code, total=total, price=price)
        for code in evaluation.method_problems(weights)
    ]


def publish_tender(*, tender: Tender, by: User, now: datetime | None = None) -> Tender:
    """Open the tender for bids: it must have lots and a sound scoring method."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        tender = _lock(tender)
        problems = method_errors(tender)
        if not tender.lots.exists():
            problems.append(_refuse(NO_LOTS, "no_lots"))
        if tender.submission_end <= now:
            problems.append(_refuse(PERIOD_PASSED, "period_passed"))
        if problems:
            raise ValidationError(problems)
        _move(tender, Status.ACTIVE, _("published"), by=by)
        tender.published_at = now
        tender.save(update_fields=["published_at"])
    return tender


def cancel_tender(*, tender: Tender, by: User, reason: str) -> Tender:
    _require_manager(by)
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    with transaction.atomic():
        tender = _lock(tender)
        _move(tender, Status.CANCELLED, _("cancelled"), by=by, reason=reason.strip())
    return tender


# ---- Bids ----------------------------------------------------------------------------------------


def missing_requirements(tender: Tender, provider: Provider, day: date) -> list[str]:
    """The required qualification kinds the provider does not hold, valid on ``day``."""
    held = {
        q.kind
        for q in provider.qualifications.all()
        if not q.is_expired(day) and (q.valid_from is None or q.valid_from <= day)
    }
    return [r.kind for r in tender.requirements.all() if r.kind not in held]


def _provider_of(user: User) -> Provider:
    provider = user.provider
    if provider is None:
        raise PermissionDenied
    return provider


def _check_proposal(upload: UploadedFile | None) -> tuple[bytes, str] | None:
    if upload is None:
        return None
    if upload.size is not None and upload.size > MAX_PROPOSAL_BYTES:
        raise ValidationError({"proposal": _refuse(PROPOSAL_TOO_LARGE, "too_large")})
    data = upload.read(MAX_PROPOSAL_BYTES + 1)
    if len(data) > MAX_PROPOSAL_BYTES:
        raise ValidationError({"proposal": _refuse(PROPOSAL_TOO_LARGE, "too_large")})
    if not data.startswith(b"%PDF-"):
        raise ValidationError({"proposal": _refuse(PROPOSAL_NOT_PDF, "not_a_pdf")})
    return data, hashlib.sha256(data).hexdigest()


def submit_bid(
    *,
    lot: Lot,
    by: User,
    price: Decimal,
    qualifications: list[Qualification] | None = None,
    proposal: UploadedFile | None = None,
    now: datetime | None = None,
) -> Bid:
    """A provider's bid for a lot, inside the submission period, from an eligible company, at
    a positive price not above the lot's ceiling; one valid bid per company and lot."""
    provider = _provider_of(by)
    now = now or timezone.now()
    price = Decimal(price)
    if price <= 0:
        raise ValidationError({"price": _refuse(PRICE_NOT_POSITIVE, "price_not_positive")})
    if price > lot.budget_ceiling:
        raise ValidationError(
            {"price": _refuse(ABOVE_CEILING, "above_ceiling", ceiling=lot.budget_ceiling)}
        )
    checked = _check_proposal(proposal)
    qualifications = [q for q in qualifications or [] if q.provider_id == provider.pk]
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=lot.tender_id)
        in_period = tender.submission_start <= now <= tender.submission_end
        if tender.status != Status.ACTIVE or not in_period:
            raise _refuse(
                OUTSIDE_PERIOD,
                "outside_period",
                start=timezone.localtime(tender.submission_start).strftime("%Y-%m-%d %H:%M"),
                end=timezone.localtime(tender.submission_end).strftime("%Y-%m-%d %H:%M"),
            )
        missing = missing_requirements(tender, provider, timezone.localdate(now))
        if missing:
            labels = dict(Qualification.Kind.choices)
            raise _refuse(
                NOT_ELIGIBLE,
                "not_eligible",
                provider=provider.name,
                kinds="、".join(str(labels[k]) for k in missing),
            )
        if Bid.objects.filter(lot=lot, provider=provider, status=Bid.Status.VALID).exists():
            raise _refuse(ALREADY_BID, "already_bid", provider=provider.name)
        bid = Bid(lot=lot, provider=provider, price=price, submitted_by=by, submitted_at=now)
        if checked is not None:
            bid.proposal_sha256 = checked[1]
            bid.proposal.save("proposal.pdf", ContentFile(checked[0]), save=False)
        bid.save()
        bid.qualifications.set(qualifications)
        record_event(
            actor=by,
            action="bid.submit",
            obj=bid,
            after={
                "lot": lot.pk,
                "provider": provider.pk,
                "price": str(price),
                "proposal_sha256": bid.proposal_sha256,
                "qualifications": sorted(q.pk for q in qualifications),
            },
        )
    return bid


def withdraw_bid(*, bid: Bid, by: User, now: datetime | None = None) -> Bid:
    """The bidder withdraws its bid while the tender is open."""
    if _provider_of(by).pk != bid.provider_id:
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=bid.lot.tender_id)
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if (
            tender.status != Status.ACTIVE
            or now > tender.submission_end
            or bid.status != Bid.Status.VALID
        ):
            raise _refuse(
                OUTSIDE_PERIOD,
                "outside_period",
                start=timezone.localtime(tender.submission_start).strftime("%Y-%m-%d %H:%M"),
                end=timezone.localtime(tender.submission_end).strftime("%Y-%m-%d %H:%M"),
            )
        bid.status = Bid.Status.WITHDRAWN
        bid.save(update_fields=["status"])
        record_event(actor=by, action="bid.withdraw", obj=bid, after={"status": bid.status})
    return bid


def close_submissions(*, tender: Tender, by: User | None, now: datetime | None = None) -> Tender:
    """End of the submission period: the tender goes to evaluation and every abnormally low
    valid bid is asked for its written explanation."""
    now = now or timezone.now()
    if by is not None:
        _require_manager(by)
    with transaction.atomic():
        tender = _lock(tender)
        if now < tender.submission_end:
            raise _refuse(
                PERIOD_NOT_OVER,
                "period_not_over",
                end=timezone.localtime(tender.submission_end).strftime("%Y-%m-%d %H:%M"),
            )
        _move(tender, Status.EVALUATION, _("sent to evaluation"), by=by)
        thresholds = evaluation.Thresholds(
            mean_of_others=tender.abnormal_mean_ratio,
            second_lowest=tender.abnormal_second_ratio,
            ceiling=tender.abnormal_ceiling_ratio,
        )
        for lot in tender.lots.all():
            bids = list(lot.bids.valid().select_related("provider"))
            for bid in bids:
                others = [b.price for b in bids if b.pk != bid.pk]
                triggers = evaluation.abnormal_triggers(
                    bid.price, others, ceiling=lot.budget_ceiling, thresholds=thresholds
                )
                if not triggers:
                    continue
                bid.abnormal_triggers = triggers
                bid.explanation_status = Bid.Explanation.REQUESTED
                bid.save(update_fields=["abnormal_triggers", "explanation_status"])
                record_event(
                    actor=by,
                    action="bid.flag_abnormal",
                    obj=bid,
                    after={"triggers": triggers, "price": str(bid.price)},
                )
                notify_on_commit(
                    provider_staff(bid.provider_id),
                    centre_message(EXPLAIN_MESSAGE, lot=lot.title, tender=tender.reference),
                    "",
                )
    return tender


def explain_bid(*, bid: Bid, by: User, text: str) -> Bid:
    """The bidder's written explanation of an abnormally low price."""
    if _provider_of(by).pk != bid.provider_id:
        raise PermissionDenied
    if not text.strip():
        raise ValidationError(
            {"explanation": _refuse(EXPLANATION_REQUIRED, "explanation_required")}
        )
    with transaction.atomic():
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if bid.explanation_status != Bid.Explanation.REQUESTED:
            raise _refuse(EXPLANATION_NOT_AWAITED, "explanation_not_awaited")
        bid.explanation = text.strip()
        bid.explanation_status = Bid.Explanation.SUBMITTED
        bid.save(update_fields=["explanation", "explanation_status"])
        record_event(
            actor=by, action="bid.explain", obj=bid, after={"explanation": bid.explanation}
        )
        notify_on_commit(
            managers(), centre_message(_("A bidder explained an abnormally low price.")), ""
        )
    return bid


def decide_explanation(*, bid: Bid, by: User, accept: bool, reason: str) -> Bid:
    """The manager accepts the explanation (the bid stays in) or rejects it (the bid is
    rejected as abnormally low and leaves the evaluation)."""
    _require_manager(by)
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    with transaction.atomic():
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if bid.explanation_status != Bid.Explanation.SUBMITTED:
            raise _refuse(EXPLANATION_NOT_AWAITED, "explanation_not_awaited")
        bid.explanation_status = Bid.Explanation.ACCEPTED if accept else Bid.Explanation.REJECTED
        bid.explanation_decided_by = by
        bid.explanation_decision_reason = reason.strip()
        fields = ["explanation_status", "explanation_decided_by", "explanation_decision_reason"]
        if not accept:
            bid.status = Bid.Status.REJECTED
            bid.status_reason = reason.strip()
            fields += ["status", "status_reason"]
        bid.save(update_fields=fields)
        record_event(
            actor=by,
            action="bid.decide_explanation",
            obj=bid,
            after={"decision": bid.explanation_status, "reason": bid.explanation_decision_reason},
        )
    return bid


def _explanations_pending(lot: Lot) -> bool:
    return lot.bids.filter(
        explanation_status__in=[Bid.Explanation.REQUESTED, Bid.Explanation.SUBMITTED]
    ).exists()


# ---- Evaluators and scores -----------------------------------------------------------------------


def add_evaluator(*, tender: Tender, by: User, user: User, conflicts: list[Provider]) -> Evaluator:
    """Put a centre user on the panel with the companies they declare a conflict with (adding
    them again replaces the declaration). The panel is fixed once the tender is decided."""
    _require_manager(by)
    if not user.is_centre_staff:
        raise ValidationError({"user": _refuse(NOT_CENTRE_STAFF, "not_centre_staff")})
    with transaction.atomic():
        tender = _lock(tender)
        if tender.status not in (Status.PLANNED, Status.ACTIVE, Status.EVALUATION):
            raise _refuse(PANEL_CLOSED, "panel_closed", status=tender.get_status_display())
        evaluator, _created = Evaluator.objects.get_or_create(tender=tender, user=user)
        evaluator.conflicts.set(conflicts)
        record_event(
            actor=by,
            action="tender.add_evaluator",
            obj=tender,
            after={"evaluator": user.pk, "conflicts": sorted(p.pk for p in conflicts)},
        )
    return evaluator


def score_bid(
    *,
    bid: Bid,
    criterion: Criterion,
    by: User,
    score: Decimal,
    note: str = "",
    now: datetime | None = None,
) -> BidScore:
    """An evaluator scores one judged criterion of one bid, once, unless conflicted."""
    tender = bid.lot.tender
    evaluator = Evaluator.objects.filter(tender=tender, user=by).first()
    if evaluator is None:
        raise PermissionDenied(NOT_EVALUATOR)
    if criterion.tender_id != tender.pk or criterion.kind != Criterion.Kind.JUDGED:
        raise _refuse(NOT_JUDGED, "not_judged", criterion=criterion.name)
    if evaluator.conflicts.filter(pk=bid.provider_id).exists():
        raise _refuse(CONFLICTED, "conflicted", provider=bid.provider.name)
    score = Decimal(score)
    if not Decimal(0) <= score <= criterion.weight:
        raise ValidationError(
            {"score": _refuse(SCORE_RANGE, "score_range", weight=criterion.weight)}
        )
    with transaction.atomic():
        tender = _lock(tender)
        if tender.status != Status.EVALUATION:
            raise _refuse(NOT_IN_EVALUATION, "not_in_evaluation")
        if _explanations_pending(bid.lot):
            raise _refuse(EXPLANATIONS_PENDING, "explanations_pending")
        if not Bid.objects.filter(pk=bid.pk, status=Bid.Status.VALID).exists():
            raise _refuse(NOT_IN_EVALUATION, "bid_not_valid")
        if BidScore.objects.filter(bid=bid, criterion=criterion, evaluator=evaluator).exists():
            raise _refuse(ALREADY_SCORED, "already_scored", criterion=criterion.name)
        given = BidScore.objects.create(
            bid=bid,
            criterion=criterion,
            evaluator=evaluator,
            score=score,
            note=note,
            scored_at=now or timezone.now(),
        )
        record_event(
            actor=by,
            action="bid.score",
            obj=bid,
            after={"criterion": criterion.pk, "score": str(score), "note": note},
        )
    return given


# ---- Evaluation and award ------------------------------------------------------------------------


@dataclass
class BidResult:
    """One valid bid's evaluation: each criterion's score and the total."""

    bid: Bid
    by_criterion: dict[int, Decimal] = field(default_factory=dict)
    past_performance_on_history: bool = True
    rated_months: int = 0
    total: Decimal = Decimal(0)
    technical: Decimal = Decimal(0)
    rank: int = 0


@dataclass
class LotEvaluation:
    lot: Lot
    results: list[BidResult]
    flags: list[str]
    scores_missing: bool
    explanations_pending: bool


def past_ratings(provider_id: int, before: date, window: int) -> list[evaluation.PastRating]:
    """The provider's monthly ratings before ``before``, as months ago (0 = the month before).
    Read from the assessments: the one place procurement looks downstream, because past
    performance is the loop DESIGN.md closes from assessments back to the next tender."""
    from parkpact.assessments.models import Rating

    first = before.replace(day=1)
    found = []
    for month, score in Rating.objects.filter(provider_id=provider_id, month__lt=first).values_list(
        "month", "score"
    ):
        months_ago = (first.year - month.year) * 12 + first.month - month.month - 1
        if months_ago < window:
            found.append(evaluation.PastRating(months_ago=months_ago, score=score))
    return found


def evaluate_lot(lot: Lot) -> LotEvaluation:
    """The lot's valid bids scored and ranked from what is recorded now."""
    tender = lot.tender
    criteria = list(tender.criteria.all())
    bids = list(lot.bids.valid().select_related("provider"))
    evaluators = list(tender.evaluators.prefetch_related("conflicts"))
    given: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for bid_id, criterion_id, score in BidScore.objects.filter(bid__in=bids).values_list(
        "bid_id", "criterion_id", "score"
    ):
        given[(bid_id, criterion_id)].append(score)
    lowest = min((b.price for b in bids), default=None)
    cutoff = timezone.localdate(tender.submission_end)
    results = []
    scores_missing = False
    for bid in bids:
        result = BidResult(bid=bid)
        for criterion in criteria:
            if criterion.kind == Criterion.Kind.PRICE:
                assert lowest is not None
                value = evaluation.price_score(
                    lowest=lowest, price=bid.price, weight=criterion.weight
                )
            elif criterion.kind == Criterion.Kind.PAST_PERFORMANCE:
                ratings = past_ratings(bid.provider_id, cutoff, tender.past_performance_months)
                value, on_history = evaluation.past_performance_points(
                    ratings, points=criterion.weight, window=tender.past_performance_months
                )
                result.past_performance_on_history = on_history
                result.rated_months = len({r.months_ago for r in ratings})
            else:
                scores = given[(bid.pk, criterion.pk)]
                eligible = [e for e in evaluators if bid.provider not in e.conflicts.all()]
                scores_missing = scores_missing or len(scores) < len(eligible)
                value = evaluation.criterion_score(scores)
            result.by_criterion[criterion.pk] = value
            if criterion.is_technical:
                result.technical += value
        result.total = sum(result.by_criterion.values(), Decimal(0))
        results.append(result)
    order = evaluation.rank(
        [
            evaluation.Scored(bid=r.bid.pk, total=r.total, price=r.bid.price, technical=r.technical)
            for r in results
        ]
    )
    position = {scored.bid: index + 1 for index, scored in enumerate(order)}
    for result in results:
        result.rank = position[result.bid.pk]
    results.sort(key=lambda r: r.rank)
    return LotEvaluation(
        lot=lot,
        results=results,
        flags=evaluation.lot_flags([b.price for b in bids]),
        scores_missing=scores_missing,
        explanations_pending=_explanations_pending(lot),
    )


def award_lot(*, lot: Lot, by: User, now: datetime | None = None) -> Award:
    """Award the lot to the first-ranked bid and draft its contract (the lot's zones, the
    tender's term, the bid's monthly price). Refused while explanations are undecided or
    scores missing. The last lot awarded makes the tender awarded."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        tender = _lock(lot.tender)
        if tender.status != Status.EVALUATION:
            raise _refuse(NOT_IN_EVALUATION, "not_in_evaluation")
        if Award.objects.filter(lot=lot).exists():
            raise _refuse(ALREADY_AWARDED, "already_awarded")
        result = evaluate_lot(lot)
        if result.explanations_pending:
            raise _refuse(EXPLANATIONS_PENDING, "explanations_pending")
        if not result.results:
            raise _refuse(NO_VALID_BIDS, "no_valid_bids")
        if result.scores_missing:
            raise _refuse(SCORES_MISSING, "scores_missing")
        winner = result.results[0]
        contract = contract_services.create_contract(
            by=by,
            provider=winner.bid.provider,
            zones=list(lot.zones.all()),
            monthly_fee=winner.bid.price,
            retention_rate=DEFAULT_RETENTION,
            number=f"{tender.reference}-{lot.number}",
            title=f"{lot.title}",
            service_kind=tender.service_kind,
            start_date=tender.contract_start,
            end_date=tender.contract_end,
        )
        award = Award.objects.create(
            lot=lot,
            bid=winner.bid,
            total_score=winner.total,
            ranking=[
                {
                    "bid": r.bid.pk,
                    "provider": r.bid.provider_id,
                    "total": str(r.total),
                    "rank": r.rank,
                }
                for r in result.results
            ],
            contract=contract,
            decided_by=by,
            decided_at=now,
        )
        record_event(
            actor=by,
            action="tender.award",
            obj=tender,
            after={
                "lot": lot.pk,
                "bid": winner.bid.pk,
                "provider": winner.bid.provider_id,
                "total": str(winner.total),
                "contract": contract.number,
            },
        )
        notify_on_commit(
            provider_staff(winner.bid.provider_id),
            centre_message(
                AWARD_MESSAGE,
                lot=lot.title,
                tender=tender.reference,
                provider=winner.bid.provider.name,
            ),
            "",
        )
        if not tender.lots.filter(award__isnull=True).exists():
            _move(tender, Status.AWARDED, _("awarded"), by=by)
    return award


def mark_unsuccessful(*, tender: Tender, by: User, reason: str) -> Tender:
    _require_manager(by)
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    with transaction.atomic():
        tender = _lock(tender)
        _move(tender, Status.UNSUCCESSFUL, _("marked unsuccessful"), by=by, reason=reason.strip())
    return tender


def bid_is_visible_price(bid: Bid) -> bool:
    """Prices stay sealed while the tender is open: shown to the centre once submissions close.
    A tender cancelled before its period ended never opened its bids. (Whether the viewer may
    see another company's bid at all is the view's question: a provider never does.)"""
    tender = bid.lot.tender
    if tender.status in (Status.PLANNED, Status.ACTIVE):
        return False
    if tender.status == Status.CANCELLED:
        changed = tender.status_changed_at
        return changed is not None and changed >= tender.submission_end
    return True
