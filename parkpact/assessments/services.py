"""The monthly assessment's workflow: compute drafts from the evidence, send them to the
provider, take confirmations and appeals, decide appeals, approve (which issues the payment
certificate and writes the rating), approve certificates for payment, and correct an approved
month by an adjustment in a later one. Every change is one transaction with a ledger event."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract, ContractVersion, PerformanceStandard, terms_on
from parkpact.contracts.terms import pay_band_problems
from parkpact.core.models import Role, User
from parkpact.core.notifications import centre_message, managers, notify_on_commit, users_in_roles
from parkpact.core.photos import check_photo
from parkpact.core.services import record_event, snapshot
from parkpact.providers.services import provider_staff

from . import scoring
from .measure import Measure, measure, measure_for
from .models import (
    Adjustment,
    Appeal,
    Assessment,
    AssessmentLine,
    CertificateLine,
    PaymentCertificate,
    Rating,
)

Status = Assessment.Status
MANAGERS = (Role.ADMIN, Role.MANAGER)

NOT_DRAFT = _(
    "This month's assessment has been sent: it can no longer be recomputed. "
    "Correct an approved month with an adjustment in a later month."
)
NO_TERMS = _("The contract has no terms in force in %(month)s.")
BAND_GAP = _(
    "The contract's pay bands do not cover every score from 0 to 100: fix the terms first."
)
NOT_IN_TERM = _("The contract was not in force in %(month)s.")
BAD_MOVE = _("An assessment that is “%(status)s” cannot be %(action)s.")
WINDOW_CLOSED = _("The appeal window closed on %(deadline)s.")
NO_REASON = _("Give the reason for the appeal of %(standard)s.")
NOTHING_TO_APPEAL = _("%(standard)s deducts nothing: there is nothing to appeal.")
ALREADY_APPEALED = _("%(standard)s has already been appealed.")
NO_LINES = _("Choose at least one deduction line to appeal.")
DECISION_REASON = _("Give the reason for the decision.")
STILL_OPEN = _(
    "The provider can still answer until %(deadline)s: approve after that, or once it confirms."
)
DO_NOT_SUM = _("The certificate's lines do not add up (%(problems)s): nothing was issued.")
NOT_APPROVED = _("Only an approved month can be corrected.")
ZERO_ADJUSTMENT = _("Enter an amount other than zero.")

SENT_MESSAGE = _(
    "The %(month)s assessment of %(contract)s is ready: score %(score)s. Confirm or appeal by %(deadline)s."
)
APPEALED_MESSAGE = _(
    "%(provider)s appealed %(count)s line(s) of the %(month)s assessment of %(contract)s."
)
DECIDED_MESSAGE = _("The appeal on %(code)s (%(month)s, %(contract)s) was %(decision)s.")
APPROVED_MESSAGE = _(
    "The %(month)s assessment of %(contract)s is approved: certificate %(number)s awaits finance."
)
WARNING_MESSAGE = _(
    "%(contract)s scored below %(score)s for %(months)s months in a row: the contract allows termination."
)

ASSESSMENT_FIELDS = ["status", "score", "grade", "payment_factor", "bonus_rate"]


def _refuse(message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def _move(assessment: Assessment, to: str, action: Any) -> None:
    if not assessment.can_become(to):
        raise _refuse(
            BAD_MOVE, "bad_transition", status=assessment.get_status_display(), action=action
        )
    assessment.status = to


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update()
        .select_related("contract", "version")
        .get(pk=assessment.pk)
    )


def _require_manager(user: User) -> None:
    if not user.has_role(*MANAGERS):
        raise PermissionDenied


def _require_provider_of(user: User, assessment: Assessment) -> None:
    if user.provider_id != assessment.contract.provider_id:
        raise PermissionDenied


def assessment_link(assessment: Assessment) -> str:
    return reverse("assessments:assessment_detail", args=[assessment.pk])


# ---- Computing drafts ----------------------------------------------------------------------------


def contracts_in_term(month: date) -> list[Contract]:
    """Contracts signed and in force on at least one day of the month."""
    start = month.replace(day=1)
    end = scoring.add_months(start, 1)
    return list(
        Contract.objects.exclude(status=Contract.Status.DRAFT)
        .filter(start_date__lt=end, end_date__gte=start)
        .select_related("provider")
        .order_by("number")
    )


def terms_for_month(contract: Contract, month: date) -> ContractVersion:
    """The terms in force on the month's first day in the contract's term."""
    first_day = max(month, contract.start_date)
    version = terms_on(contract, first_day)
    if version is None:
        raise _refuse(NO_TERMS, "no_terms", month=_month_label(month))
    return version


@dataclass(frozen=True)
class Scored:
    score: Decimal
    grade: str
    payment_factor: Decimal
    bonus_rate: Decimal


def _bands(version: ContractVersion) -> list[scoring.Band]:
    bands = [
        scoring.Band(
            min_score=b.min_score,
            max_score=b.max_score,
            payment_factor=b.payment_factor,
            proportional=b.proportional,
            bonus_rate=b.bonus_rate,
        )
        for b in version.pay_bands.all()
    ]
    if pay_band_problems([(b.min_score, b.max_score) for b in bands]):
        raise _refuse(BAND_GAP, "pay_bands_gap")
    return bands


def score_of(version: ContractVersion, points: Sequence[Decimal]) -> Scored:
    value = scoring.score(points)
    band = scoring.band_for(value, _bands(version))
    return Scored(
        score=value,
        grade=scoring.rating(value, version.rating_thresholds),
        payment_factor=scoring.payment_factor(value, band),
        bonus_rate=band.bonus_rate,
    )


def _line(standard: PerformanceStandard, found: Measure) -> AssessmentLine:
    terms = scoring.StandardTerms(
        rule=standard.rule,
        points=standard.points_per_occurrence,
        cap=standard.monthly_cap,
        weight=standard.weight,
        acceptable_quality_level=standard.acceptable_quality_level,
    )
    points = (
        scoring.deduction(
            terms, occurrences=found.occurrences, passed=found.passed, checked=found.checked
        )
        if found.available
        else scoring.ZERO
    )
    return AssessmentLine(
        standard=standard,
        source=standard.source,
        available=found.available,
        checked=found.checked,
        passed=found.passed,
        occurrences=found.occurrences,
        pass_rate=scoring.pass_rate(passed=found.passed, checked=found.checked),
        extra_value=found.extra_value,
        computed_points=points,
        points=points,
        records=[list(r) for r in found.records],
    )


def _line_values(line: AssessmentLine) -> dict[str, Any]:
    return {
        "code": line.standard.code,
        "checked": line.checked,
        "passed": line.passed,
        "occurrences": line.occurrences,
        "points": str(line.points),
        "available": line.available,
    }


def compute_assessment(
    *,
    contract: Contract,
    month: date,
    by: User | None,
    found: dict | None = None,
    now: datetime | None = None,
) -> Assessment:
    """Compute (or recompute) a contract's draft for a month from the evidence. Recomputing
    with the same evidence changes nothing and writes no event."""
    month = month.replace(day=1)
    now = now or timezone.now()
    if not (contract.start_date < scoring.add_months(month, 1) and contract.end_date >= month):
        raise _refuse(NOT_IN_TERM, "not_in_term", month=_month_label(month))
    version = terms_for_month(contract, month)
    standards = list(version.standards.order_by("code"))
    if found is None:
        found = measure([contract], month, now)
    lines = [_line(s, measure_for(found, contract.pk, s)) for s in standards]
    scored = score_of(version, [line.points for line in lines])
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update().filter(contract=contract, month=month).first()
        )
        if assessment is not None and assessment.status != Status.DRAFT:
            raise _refuse(NOT_DRAFT, "not_draft")
        new_values = [_line_values(line) for line in lines]
        if assessment is not None:
            old_values = [
                _line_values(line) for line in assessment.lines.select_related("standard")
            ]
            unchanged = (
                old_values == new_values
                and assessment.version_id == version.pk
                and assessment.score == scored.score
            )
            if unchanged:
                return assessment
            before = {**snapshot(assessment, ASSESSMENT_FIELDS), "lines": old_values}
            assessment.lines.all().delete()
        else:
            assessment = Assessment(contract=contract, month=month)
            before = None
        assessment.version = version
        assessment.score = scored.score
        assessment.grade = scored.grade
        assessment.payment_factor = scored.payment_factor
        assessment.bonus_rate = scored.bonus_rate
        assessment.missing_sources = sorted({line.source for line in lines if not line.available})
        assessment.computed_at = now
        assessment.save()
        for line in lines:
            line.assessment = assessment
        AssessmentLine.objects.bulk_create(lines)
        record_event(
            actor=by,
            action="assessment.compute",
            obj=assessment,
            before=before,
            after={**snapshot(assessment, ASSESSMENT_FIELDS), "lines": new_values},
        )
    return assessment


def compute_month(
    *,
    month: date,
    by: User | None,
    contracts: Sequence[Contract] | None = None,
    now: datetime | None = None,
    progress: Callable[[Contract], None] | None = None,
) -> tuple[list[Assessment], list[tuple[Contract, ValidationError]]]:
    """Compute every draft of the month: the evidence is measured for all contracts at once,
    then each draft is written in its own transaction. Sent or approved months and contracts
    whose terms are broken are reported back, not recomputed."""
    month = month.replace(day=1)
    contracts = list(contracts) if contracts is not None else contracts_in_term(month)
    found = measure(contracts, month, now)
    done, refused = [], []
    for contract in contracts:
        try:
            done.append(
                compute_assessment(contract=contract, month=month, by=by, found=found, now=now)
            )
        except ValidationError as error:
            refused.append((contract, error))
        if progress is not None:
            progress(contract)
    return done, refused


# ---- Provider's answer ---------------------------------------------------------------------------


def send_assessment(*, assessment: Assessment, by: User, now: datetime | None = None) -> Assessment:
    """Send a draft to the provider, opening the appeal window (working days from today)."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        assessment = _lock(assessment)
        _move(assessment, Status.SENT, _("sent"))
        assessment.sent_at = now
        assessment.appeal_deadline = scoring.add_working_days(
            timezone.localdate(now), assessment.version.appeal_working_days
        )
        assessment.save(update_fields=["status", "sent_at", "appeal_deadline"])
        record_event(
            actor=by,
            action="assessment.send",
            obj=assessment,
            after={"status": assessment.status, "appeal_deadline": assessment.appeal_deadline},
        )
        notify_on_commit(
            provider_staff(assessment.contract.provider_id),
            centre_message(
                SENT_MESSAGE,
                month=_month_label(assessment.month),
                contract=assessment.contract.number,
                score=assessment.score,
                deadline=assessment.appeal_deadline,
            ),
            assessment_link(assessment),
        )
    return assessment


def confirm_assessment(
    *, assessment: Assessment, by: User, now: datetime | None = None
) -> Assessment:
    """The provider accepts the month as computed."""
    _require_provider_of(by, assessment)
    now = now or timezone.now()
    with transaction.atomic():
        assessment = _lock(assessment)
        _move(assessment, Status.CONFIRMED, _("confirmed"))
        assessment.responded_at, assessment.responded_by = now, by
        assessment.save(update_fields=["status", "responded_at", "responded_by"])
        record_event(
            actor=by, action="assessment.confirm", obj=assessment, after={"status": "confirmed"}
        )
    return assessment


@dataclass(frozen=True)
class AppealRequest:
    line: AssessmentLine
    reason: str
    photo: bytes | None = None


def appeal_lines(
    *,
    assessment: Assessment,
    by: User,
    appeals: Sequence[AppealRequest],
    now: datetime | None = None,
) -> list[Appeal]:
    """The provider appeals deduction lines, each with its reason and optional photo, inside
    the window. All or nothing: one bad line refuses the lot."""
    _require_provider_of(by, assessment)
    now = now or timezone.now()
    if not appeals:
        raise _refuse(NO_LINES, "no_lines")
    checked_photos = []
    for request in appeals:
        code = request.line.standard.code
        if request.line.assessment_id != assessment.pk:
            raise PermissionDenied
        if not request.reason.strip():
            raise _refuse(NO_REASON, "reason_required", standard=code)
        if request.line.points <= 0:
            raise _refuse(NOTHING_TO_APPEAL, "nothing_to_appeal", standard=code)
        checked_photos.append(check_photo(request.photo) if request.photo else None)
    with transaction.atomic():
        assessment = _lock(assessment)
        if assessment.status == Status.SENT and not assessment.appeal_open(timezone.localdate(now)):
            raise _refuse(
                WINDOW_CLOSED, "appeal_window_closed", deadline=assessment.appeal_deadline
            )
        _move(assessment, Status.APPEALED, _("appealed"))
        made = []
        for request, photo in zip(appeals, checked_photos, strict=True):
            appeal = Appeal(
                line=request.line, reason=request.reason.strip(), submitted_by=by, submitted_at=now
            )
            if photo is not None and request.photo is not None:
                import hashlib

                from django.core.files.base import ContentFile

                appeal.photo_sha256 = hashlib.sha256(request.photo).hexdigest()
                appeal.photo.save("appeal.jpg", ContentFile(photo[3]), save=False)
            try:
                with transaction.atomic():
                    appeal.save()
            except IntegrityError as error:
                raise _refuse(
                    ALREADY_APPEALED, "already_appealed", standard=request.line.standard.code
                ) from error
            made.append(appeal)
        assessment.responded_at, assessment.responded_by = now, by
        assessment.save(update_fields=["status", "responded_at", "responded_by"])
        record_event(
            actor=by,
            action="assessment.appeal",
            obj=assessment,
            after={
                "status": assessment.status,
                "appeals": [
                    {
                        "code": a.line.standard.code,
                        "reason": a.reason,
                        "photo_sha256": a.photo_sha256,
                    }
                    for a in made
                ],
            },
        )
        notify_on_commit(
            managers(),
            centre_message(
                APPEALED_MESSAGE,
                provider=assessment.contract.provider.name,
                count=len(made),
                month=_month_label(assessment.month),
                contract=assessment.contract.number,
            ),
            assessment_link(assessment),
        )
    return made


def decide_appeal(
    *, appeal: Appeal, by: User, upheld: bool, reason: str, now: datetime | None = None
) -> Appeal:
    """A manager upholds (the line is removed, with the reason) or dismisses an appeal; the
    score is redone from the remaining lines. The last decision closes the appeal stage."""
    _require_manager(by)
    if not reason.strip():
        raise ValidationError({"reason": DECISION_REASON}, code="reason_required")
    now = now or timezone.now()
    with transaction.atomic():
        assessment = _lock(appeal.line.assessment)
        appeal = (
            Appeal.objects.select_for_update().select_related("line__standard").get(pk=appeal.pk)
        )
        if assessment.status != Status.APPEALED or appeal.status != Appeal.Status.PENDING:
            raise _refuse(
                BAD_MOVE,
                "bad_transition",
                status=assessment.get_status_display(),
                action=_("decided"),
            )
        appeal.status = Appeal.Status.UPHELD if upheld else Appeal.Status.DISMISSED
        appeal.decided_by, appeal.decided_at = by, now
        appeal.decision_reason = reason.strip()
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        before = snapshot(assessment, ASSESSMENT_FIELDS)
        if upheld:
            line = appeal.line
            line.points = scoring.ZERO
            line.removed_reason = appeal.decision_reason
            line.save(update_fields=["points", "removed_reason"])
            scored = score_of(
                assessment.version, list(assessment.lines.values_list("points", flat=True))
            )
            assessment.score, assessment.grade = scored.score, scored.grade
            assessment.payment_factor, assessment.bonus_rate = (
                scored.payment_factor,
                scored.bonus_rate,
            )
        if not Appeal.objects.filter(
            line__assessment=assessment, status=Appeal.Status.PENDING
        ).exists():
            _move(assessment, Status.DECIDED, _("decided"))
        assessment.save(update_fields=ASSESSMENT_FIELDS)
        record_event(
            actor=by,
            action="assessment.decide_appeal",
            obj=assessment,
            before=before,
            after={
                **snapshot(assessment, ASSESSMENT_FIELDS),
                "appeal": appeal.pk,
                "code": appeal.line.standard.code,
                "decision": appeal.status,
                "reason": appeal.decision_reason,
            },
        )
        notify_on_commit(
            provider_staff(assessment.contract.provider_id),
            centre_message(
                DECIDED_MESSAGE,
                code=appeal.line.standard.code,
                month=_month_label(assessment.month),
                contract=assessment.contract.number,
                decision=appeal.get_status_display(),
            ),
            assessment_link(assessment),
        )
    return appeal


# ---- Approval and money --------------------------------------------------------------------------


def is_final_month(assessment: Assessment) -> bool:
    return assessment.contract.end_date.replace(day=1) == assessment.month


def retention_to_release(assessment: Assessment) -> Decimal:
    """The retention held on the contract's earlier certificates, paid back in the month the
    contract ends (zero in any other month); that month's own retention is paid back with it."""
    contract = assessment.contract
    if not is_final_month(assessment):
        return scoring.ZERO
    held = PaymentCertificate.objects.filter(
        assessment__contract=contract, assessment__month__lt=assessment.month
    ).aggregate(held=Sum("retention"), released=Sum("retention_released"))
    return (held["held"] or scoring.ZERO) - (held["released"] or scoring.ZERO)


def pending_adjustments(assessment: Assessment) -> list[Adjustment]:
    """Corrections to earlier approved months that this month's certificate will carry."""
    return list(
        Adjustment.objects.filter(
            contract=assessment.contract, corrects__month__lt=assessment.month
        )
        .filter(applied_in__isnull=True)
        .select_related("corrects")
        .order_by("created_at")
    ) + list(assessment.adjustments_applied.select_related("corrects").order_by("created_at"))


def certificate_for(
    assessment: Assessment, adjustments: Sequence[Adjustment]
) -> scoring.Certificate:
    version = assessment.version
    return scoring.certificate(
        fee=version.monthly_fee,
        factor=assessment.payment_factor,
        bonus_rate=assessment.bonus_rate,
        retention_rate=version.retention_rate,
        points_by_standard=[
            (f"{line.standard.code} {line.standard.name}", line.points)
            for line in assessment.lines.select_related("standard").order_by("standard__code")
        ],
        adjustments=[
            (
                str(
                    _("Correction to %(month)s: %(reason)s")
                    % {"month": _month_label(a.corrects.month), "reason": a.reason}
                ),
                a.amount,
            )
            for a in adjustments
        ],
        retention_released=retention_to_release(assessment),
        final=is_final_month(assessment),
    )


def approve_assessment(
    *, assessment: Assessment, by: User, now: datetime | None = None
) -> PaymentCertificate:
    """Approve the month: the certificate is issued, the rating written and any termination
    warning raised, in one transaction. Approving twice at once issues one certificate: the
    second waits on the row lock, then finds the month approved and is refused."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        assessment = _lock(assessment)
        if assessment.status == Status.SENT and assessment.appeal_open(timezone.localdate(now)):
            raise _refuse(STILL_OPEN, "appeal_window_open", deadline=assessment.appeal_deadline)
        _move(assessment, Status.APPROVED, _("approved"))
        assessment.approved_at, assessment.approved_by = now, by
        adjustments = pending_adjustments(assessment)
        money = certificate_for(assessment, adjustments)
        if problems := money.problems():
            raise _refuse(DO_NOT_SUM, "certificate_does_not_sum", problems=", ".join(problems))
        scores = list(
            Assessment.objects.filter(
                contract=assessment.contract, status=Status.APPROVED, month__lt=assessment.month
            )
            .order_by("-month")
            .values_list("month", "score")[: assessment.version.termination_months]
        )
        assessment.termination_warning = _warns(assessment, scores)
        assessment.save(
            update_fields=["status", "approved_at", "approved_by", "termination_warning"]
        )
        Adjustment.objects.filter(pk__in=[a.pk for a in adjustments]).update(applied_in=assessment)
        certificate = PaymentCertificate.objects.create(
            assessment=assessment,
            number=f"{assessment.contract.number}-{assessment.month:%Y%m}",
            fee=money.fee,
            deduction=money.deduction,
            bonus=money.bonus,
            adjustments=money.adjustment_total,
            retention=money.retention,
            retention_released=money.retention_released,
            net=money.net,
            issued_at=now,
        )
        CertificateLine.objects.bulk_create(
            [
                CertificateLine(
                    certificate=certificate,
                    kind=CertificateLine.Kind.DEDUCTION,
                    label=label,
                    amount=amount,
                )
                for label, amount in money.deduction_by_standard
            ]
            + [
                CertificateLine(
                    certificate=certificate,
                    kind=CertificateLine.Kind.ADJUSTMENT,
                    label=label,
                    amount=amount,
                )
                for label, amount in money.adjustments
            ]
        )
        Rating.objects.create(
            provider_id=assessment.contract.provider_id,
            contract=assessment.contract,
            assessment=assessment,
            month=assessment.month,
            score=assessment.score,
            grade=assessment.grade,
        )
        record_event(
            actor=by,
            action="assessment.approve",
            obj=assessment,
            after={
                **snapshot(assessment, ASSESSMENT_FIELDS),
                "certificate": certificate.number,
                **{
                    name: str(getattr(certificate, name))
                    for name in (
                        "fee",
                        "deduction",
                        "bonus",
                        "adjustments",
                        "retention",
                        "retention_released",
                        "net",
                    )
                },
            },
        )
        notify_on_commit(
            users_in_roles(Role.FINANCE),
            centre_message(
                APPROVED_MESSAGE,
                month=_month_label(assessment.month),
                contract=assessment.contract.number,
                number=certificate.number,
            ),
            reverse("assessments:certificate_list"),
        )
        if assessment.termination_warning:
            record_event(
                actor=None,
                action="assessment.termination_warning",
                obj=assessment,
                after={
                    "score": str(assessment.score),
                    "months": assessment.version.termination_months,
                },
            )
            notify_on_commit(
                managers(),
                centre_message(
                    WARNING_MESSAGE,
                    contract=assessment.contract.number,
                    score=assessment.version.termination_score,
                    months=assessment.version.termination_months,
                ),
                assessment_link(assessment),
            )
    return certificate


def _warns(assessment: Assessment, earlier: list[tuple[date, Decimal]]) -> bool:
    """Three (or the contract's number of) consecutive approved months, this one the newest,
    below the termination score."""
    months = assessment.version.termination_months
    chain = [assessment.score]
    expected = assessment.month
    for month, score in earlier:
        expected = scoring.add_months(expected, -1)
        if month != expected:
            break
        chain.append(score)
    return scoring.termination_warning(
        list(reversed(chain)), below=assessment.version.termination_score, months=months
    )


def approve_certificate(
    *, certificate: PaymentCertificate, by: User, now: datetime | None = None
) -> PaymentCertificate:
    """Finance approves the certificate for payment."""
    if not by.has_role(Role.FINANCE, Role.ADMIN):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        certificate = PaymentCertificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status != PaymentCertificate.Status.PENDING:
            raise _refuse(
                BAD_MOVE,
                "bad_transition",
                status=certificate.get_status_display(),
                action=_("approved"),
            )
        certificate.status = PaymentCertificate.Status.APPROVED
        certificate.approved_by, certificate.approved_at = by, now
        certificate.save(update_fields=["status", "approved_by", "approved_at"])
        record_event(
            actor=by,
            action="certificate.approve",
            obj=certificate,
            after={"status": certificate.status, "net": str(certificate.net)},
        )
    return certificate


def make_adjustment(
    *, corrects: Assessment, amount: Decimal, reason: str, by: User, now: datetime | None = None
) -> Adjustment:
    """Correct an approved month: the amount is paid (or recovered, if negative) in the
    contract's next certificate; the approved month itself stays as it was."""
    _require_manager(by)
    amount = scoring.to_fen(Decimal(amount))
    errors = {}
    if amount == 0:
        errors["amount"] = ZERO_ADJUSTMENT
    if not reason.strip():
        errors["reason"] = DECISION_REASON
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        corrects = _lock(corrects)
        if corrects.status != Status.APPROVED:
            raise _refuse(NOT_APPROVED, "not_approved")
        adjustment = Adjustment.objects.create(
            contract=corrects.contract,
            corrects=corrects,
            amount=amount,
            reason=reason.strip(),
            created_by=by,
            created_at=now or timezone.now(),
        )
        record_event(
            actor=by,
            action="assessment.adjust",
            obj=adjustment,
            after={"corrects": corrects.pk, "amount": str(amount), "reason": adjustment.reason},
        )
    return adjustment
