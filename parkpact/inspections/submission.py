"""Submitting an inspection from the field: the checklist's results, start and finish, in one go.

The field app works offline, so a submission may arrive hours after the visit, more than once
(the API's Idempotency-Key deals with retries), or after the visit changed on the server. The
rules, in the order they are checked:

1. only the assigned inspector may submit (403 ``not_assigned``);
2. a visit already submitted is refused (409 ``already_submitted``);
3. positions must be finite WGS84 numbers, times must have a UTC offset and not lie in the
   future, finish after start (400, per field);
4. a visit that was missed or cancelled meanwhile (409 ``visit_closed``), or that changed since
   the app loaded it (412 ``stale``), is refused *and flagged for review*: the refused submission
   is kept in the audit ledger and the flag is committed before the exception is raised;
5. every item must be a standard of the contract's terms in force on the day of the visit that
   applies to the zone's kind and is checked by inspection (400 naming the standard); a measured
   value beyond the standard's limit must be "fail" (the server checks, the app derives the
   result from the value); a failed item must name at least one photo it will upload.

A position farther than ``settings.INSPECTION_POSITION_TOLERANCE_M`` outside the zone, a missing
position, or a start outside the visit's window does not block the submission: it flags it for
review. Every failed item raises a rectification order at once; its photos follow one per
request (see docs/field-app.md), and ``flag_failed_findings_without_photos`` flags visits whose
photos never came.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parkpact.contracts.models import ContractVersion, PerformanceStandard, terms_on
from parkpact.core.models import AuditEvent, Role, User
from parkpact.core.services import record_event
from parkpact.parks.geometry import contains_point

from .models import Evidence, Finding, Inspection
from .rectification import issue_order

# Standards that an inspector checks on a visit; sensors and validated complaints are not.
INSPECTED_METHODS = frozenset(
    {
        PerformanceStandard.Method.RANDOM_SAMPLE,
        PerformanceStandard.Method.FULL_CHECK,
        PerformanceStandard.Method.PERIODIC,
    }
)
# Devices' clocks drift; a time this far in the future is still accepted.
CLOCK_SLACK = timedelta(minutes=5)
MAX_NOTE_LENGTH = 2000
MAX_PHOTOS_PER_FINDING = 10
VALUE_PLACES = Decimal("0.001")
VALUE_BOUND = Decimal(1_000_000)  # Finding.measured_value holds 6 digits before the point
MISSING_PHOTOS_ACTION = "inspection.flag_missing_photos"


@dataclass(frozen=True)
class Position:
    """A GPS fix: WGS84 degrees, and the accuracy the device reported, in metres."""

    longitude: float
    latitude: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class FindingInput:
    """One checklist item as the field app sends it; ``uuid`` is made by the app, and
    ``photos`` are the client uuids of the photos it will upload for this item."""

    uuid: UUID
    standard: str
    result: str
    measured_value: Decimal | None = None
    note: str = ""
    photos: Sequence[UUID] = field(default_factory=tuple)


class SubmissionRefused(Exception):
    """A submission the visit's state does not allow; ``code`` is the API's stable code."""

    status: ClassVar[int] = 409
    code: ClassVar[str] = "conflict"
    # True when the refusal flagged the visit for review (and so changed it): the API stores
    # such an answer for retries instead of re-running the request.
    flagged: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAssigned(SubmissionRefused, PermissionDenied):
    status = 403
    code = "not_assigned"


class AlreadySubmitted(SubmissionRefused):
    status = 409
    code = "already_submitted"


class VisitClosed(SubmissionRefused):
    status = 409
    code = "visit_closed"
    flagged = True


class StaleInspection(SubmissionRefused):
    status = 412
    code = "stale"
    flagged = True


# ---------------------------------------------------------------------------------------------
# The checklist
# ---------------------------------------------------------------------------------------------


def version_on(versions: Iterable[ContractVersion], day: date) -> ContractVersion | None:
    """Of some versions in force, the one governing ``day`` (as contracts.models.terms_on, but
    over versions already fetched, so that a list of visits costs no query per visit)."""
    governing = [v for v in versions if v.in_force and v.effective_from <= day]
    return max(governing, key=lambda v: v.number, default=None)


def checklist_of(version: ContractVersion | None, zone_kind: str) -> list[PerformanceStandard]:
    """The standards an inspector checks in a zone of this kind under these terms, by code."""
    if version is None:
        return []
    return sorted(
        (
            standard
            for standard in version.standards.all()
            if standard.method in INSPECTED_METHODS and standard.applies_to(zone_kind)
        ),
        key=lambda standard: standard.code,
    )


def visit_day(inspection: Inspection) -> date:
    """The day whose terms govern a visit: the local date its window opens."""
    return timezone.localdate(inspection.window_start)


# ---------------------------------------------------------------------------------------------
# Submitting
# ---------------------------------------------------------------------------------------------


def submit_inspection(
    *,
    inspection: Inspection,
    by: User,
    started_at: datetime,
    start_position: Position | None,
    finished_at: datetime,
    finish_position: Position | None,
    findings: Sequence[FindingInput],
    expected_version: int,
) -> Inspection:
    """Record a visit's results, raise an order for each failed item, in one transaction.

    See the module docstring for the rules. Raises ValidationError (bad input, nothing
    stored), NotAssigned, AlreadySubmitted, or — after committing the review flag —
    VisitClosed or StaleInspection.
    """
    refusal: SubmissionRefused | None = None
    with transaction.atomic():
        inspection = (
            Inspection.objects.select_for_update(of=("self",))
            .select_related("zone", "contract")
            .get(pk=inspection.pk)
        )
        if inspection.inspector_id != by.pk or not by.has_role(Role.INSPECTOR):
            raise NotAssigned(
                _(
                    "This visit is assigned to another inspector: only the inspector it is "
                    "assigned to can submit it."
                )
            )
        if inspection.status == Inspection.Status.SUBMITTED:
            raise AlreadySubmitted(
                _(
                    "This visit was already submitted (at %(time)s). A visit is submitted once; "
                    "ask a manager if something must be corrected."
                )
                % {"time": _local(inspection.submitted_at)}
            )
        _check_input(
            started_at=started_at,
            start_position=start_position,
            finished_at=finished_at,
            finish_position=finish_position,
            findings=findings,
        )
        record = _submission_record(
            started_at=started_at,
            start_position=start_position,
            finished_at=finished_at,
            finish_position=finish_position,
            findings=findings,
            expected_version=expected_version,
        )
        if Inspection.Status.SUBMITTED not in Inspection.TRANSITIONS[inspection.status]:
            refusal = VisitClosed(
                _(
                    "This visit is %(status)s and can no longer be submitted. Your results were "
                    "kept and the visit is flagged for a manager to review."
                )
                % {"status": inspection.get_status_display().lower()}
            )
            _flag_refused(inspection, by=by, record=record, reason=refusal.code)
        elif expected_version != inspection.version:
            refusal = StaleInspection(
                _(
                    "This visit changed after your app loaded it (version %(expected)s, now "
                    "%(version)s), so your results were not applied. They were kept and the "
                    "visit is flagged for a manager to review."
                )
                % {"expected": expected_version, "version": inspection.version}
            )
            _flag_refused(inspection, by=by, record=record, reason=refusal.code)
        else:
            _apply(
                inspection,
                by=by,
                started_at=started_at,
                start_position=start_position,
                finished_at=finished_at,
                finish_position=finish_position,
                findings=findings,
                record=record,
            )
    if refusal is not None:
        raise refusal
    return inspection


def _apply(
    inspection: Inspection,
    *,
    by: User,
    started_at: datetime,
    start_position: Position | None,
    finished_at: datetime,
    finish_position: Position | None,
    findings: Sequence[FindingInput],
    record: dict[str, Any],
) -> None:
    standards = {
        standard.code: standard
        for standard in checklist_of(
            terms_on(inspection.contract, visit_day(inspection)), inspection.zone.kind
        )
    }
    values = _check_findings(inspection, findings, standards)
    reasons = _review_reasons(
        inspection,
        started_at=started_at,
        start_position=start_position,
        finish_position=finish_position,
    )

    before = {"status": inspection.status, "version": inspection.version}
    inspection.status = Inspection.Status.SUBMITTED
    inspection.started_at = started_at
    inspection.finished_at = finished_at
    inspection.start_longitude, inspection.start_latitude = _stored(start_position)
    inspection.finish_longitude, inspection.finish_latitude = _stored(finish_position)
    inspection.submitted_at = timezone.now()
    inspection.version += 1
    if reasons:
        inspection.needs_review = True
        inspection.review_reason = _joined(inspection.review_reason, reasons)
    inspection.save()

    created = []
    for item, value in zip(findings, values, strict=True):
        finding = Finding.objects.create(
            uuid=item.uuid,
            inspection=inspection,
            standard=standards[item.standard],
            result=item.result,
            measured_value=value,
            note=item.note.strip(),
        )
        created.append(finding)
    counts = {result: 0 for result in Finding.Result.values}
    for finding in created:
        counts[finding.result] += 1
    record_event(
        actor=by,
        action="inspection.submit",
        obj=inspection,
        before=before,
        after={
            "status": inspection.status,
            "version": inspection.version,
            "counts": counts,
            **record,
            "needs_review": inspection.needs_review,
        },
        reason="\n".join(reasons),
    )
    for finding in created:
        if finding.result == Finding.Result.FAIL:
            issue_order(finding=finding, by=by)


def _flag_refused(inspection: Inspection, *, by: User, record: dict[str, Any], reason: str) -> None:
    """Keep a refused submission in the ledger and flag the visit, never touching its data."""
    with translation.override(settings.LANGUAGE_CODE):
        if reason == StaleInspection.code:
            text = _(
                "A field submission was refused because the visit had changed since the app "
                "loaded it (version %(expected)s, now %(version)s); it is kept in the audit "
                "ledger."
            ) % {"expected": record["expected_version"], "version": inspection.version}
        else:
            text = _(
                "A field submission arrived after the visit was %(status)s; it was refused and "
                "is kept in the audit ledger."
            ) % {"status": inspection.get_status_display().lower()}
    inspection.needs_review = True
    inspection.review_reason = _joined(inspection.review_reason, [text])
    inspection.save(update_fields=["needs_review", "review_reason"])
    record_event(
        actor=by,
        action="inspection.submit_refused",
        obj=inspection,
        after={"refused": reason, "status": inspection.status, "version": inspection.version}
        | record,
        reason=text,
    )


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def _check_input(
    *,
    started_at: datetime,
    start_position: Position | None,
    finished_at: datetime,
    finish_position: Position | None,
    findings: Sequence[FindingInput],
) -> None:
    """What can be checked without the contract: numbers, times, the shape of each item."""
    errors: dict[str, list[ValidationError]] = {}

    def add(name: str, message: str, code: str) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code))

    for name, position in (
        ("start_position", start_position),
        ("finish_position", finish_position),
    ):
        if position is None:
            continue
        if not _finite_within(position.longitude, 180):
            add(
                f"{name}.longitude",
                _("Give the longitude as a number of degrees between -180 and 180 (WGS84)."),
                "bad_position",
            )
        if not _finite_within(position.latitude, 90):
            add(
                f"{name}.latitude",
                _("Give the latitude as a number of degrees between -90 and 90 (WGS84)."),
                "bad_position",
            )
        if position.accuracy_m is not None and not (
            _finite_within(position.accuracy_m, 1e7) and position.accuracy_m >= 0
        ):
            add(
                f"{name}.accuracy_m",
                _("Give the accuracy as a positive number of metres."),
                "bad_position",
            )

    latest = timezone.now() + CLOCK_SLACK
    for name, moment in (("started_at", started_at), ("finished_at", finished_at)):
        if timezone.is_naive(moment):
            add(
                name,
                _("Give the time with its UTC offset, e.g. 2026-05-01T08:30:00+08:00."),
                "naive_time",
            )
        elif moment > latest:
            add(name, _("This time lies in the future: check the device's clock."), "future_time")
    if not errors.keys() & {"started_at", "finished_at"} and finished_at < started_at:
        add("finished_at", _("The visit must finish after it starts."), "finished_before_start")

    seen: set[UUID] = set()
    for index, item in enumerate(findings):
        prefix = f"findings.{index}"
        if item.uuid in seen:
            add(f"{prefix}.uuid", _("Two items have the same identifier."), "duplicate_uuid")
        seen.add(item.uuid)
        if item.result not in Finding.Result.values:
            add(
                f"{prefix}.result",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(Finding.Result.values)},
                "bad_result",
            )
        if item.measured_value is not None:
            if not _finite_decimal(item.measured_value):
                add(
                    f"{prefix}.measured_value",
                    _("Give the measured value as a number below one million."),
                    "bad_value",
                )
            elif item.result == Finding.Result.NOT_INSPECTED:
                add(
                    f"{prefix}.measured_value",
                    _("An item that was not inspected has no measured value."),
                    "value_not_inspected",
                )
        if len(item.note) > MAX_NOTE_LENGTH:
            add(
                f"{prefix}.note",
                _("Keep the note within %(max)s characters.") % {"max": MAX_NOTE_LENGTH},
                "note_too_long",
            )
        if len(item.photos) > MAX_PHOTOS_PER_FINDING:
            add(
                f"{prefix}.photos",
                _("Attach at most %(max)s photos to one item.") % {"max": MAX_PHOTOS_PER_FINDING},
                "too_many_photos",
            )
        if item.result == Finding.Result.FAIL and not item.photos:
            add(
                f"{prefix}.photos",
                _("A failed item needs at least one photo: take one before submitting."),
                "photo_required",
            )
    taken = Finding.objects.filter(uuid__in=seen).values_list("uuid", flat=True)
    for index, item in enumerate(findings):
        if item.uuid in set(taken):
            add(
                f"findings.{index}.uuid",
                _("This identifier is already used by another item: the app must make a new one."),
                "uuid_reused",
            )
    if errors:
        raise ValidationError(errors)


def _check_findings(
    inspection: Inspection,
    findings: Sequence[FindingInput],
    standards: dict[str, PerformanceStandard],
) -> list[Decimal | None]:
    """Each item against the checklist of the day; returns the measured values as stored."""
    errors: dict[str, list[ValidationError]] = {}
    values: list[Decimal | None] = []
    day = visit_day(inspection)
    seen: set[str] = set()
    for index, item in enumerate(findings):
        prefix = f"findings.{index}"
        value = (
            item.measured_value.quantize(VALUE_PLACES) if item.measured_value is not None else None
        )
        values.append(value)
        standard = standards.get(item.standard)
        if standard is None:
            errors.setdefault(f"{prefix}.standard", []).append(
                ValidationError(
                    _(
                        "%(standard)s is not on this visit's checklist: it is not a standard of "
                        "contract %(contract)s in force on %(day)s that inspectors check in a "
                        "zone of kind “%(kind)s”."
                    )
                    % {
                        "standard": item.standard,
                        "contract": inspection.contract.number,
                        "day": day.isoformat(),
                        "kind": inspection.zone.get_kind_display(),
                    },
                    code="standard_not_applicable",
                )
            )
            continue
        if item.standard in seen:
            errors.setdefault(f"{prefix}.standard", []).append(
                ValidationError(
                    _("%(standard)s appears twice: give one result per standard.")
                    % {"standard": item.standard},
                    code="duplicate_standard",
                )
            )
        seen.add(item.standard)
        if value is not None and item.result == Finding.Result.PASS and standard.fails(value):
            errors.setdefault(f"{prefix}.result", []).append(
                ValidationError(
                    _(
                        "%(value)s %(unit)s breaks the limit of %(standard)s (%(limit)s): the item "
                        "fails."
                    )
                    % {
                        "value": value.normalize(),
                        "unit": standard.unit,
                        "standard": standard.code,
                        "limit": standard.limit_value,
                    },
                    code="value_breaks_limit",
                )
            )
    if errors:
        raise ValidationError(errors)
    return values


def _review_reasons(
    inspection: Inspection,
    *,
    started_at: datetime,
    start_position: Position | None,
    finish_position: Position | None,
) -> list[str]:
    """Why a manager should look at this visit (in the site's language, as it is stored)."""
    tolerance = settings.INSPECTION_POSITION_TOLERANCE_M
    reasons = []
    with translation.override(settings.LANGUAGE_CODE):
        for position, missing, outside in (
            (
                start_position,
                _("No GPS position was recorded at the start."),
                _("The start position lies more than %(metres)s m outside the zone."),
            ),
            (
                finish_position,
                _("No GPS position was recorded at the finish."),
                _("The finish position lies more than %(metres)s m outside the zone."),
            ),
        ):
            if position is None:
                reasons.append(missing)
            elif not contains_point(
                inspection.zone.boundary,
                position.longitude,
                position.latitude,
                metres=tolerance,
            ):
                reasons.append(outside % {"metres": tolerance})
        if not inspection.window_start <= started_at <= inspection.window_end:
            reasons.append(
                _("Started at %(time)s, outside the visit's window (%(start)s to %(end)s).")
                % {
                    "time": _local(started_at),
                    "start": _local(inspection.window_start),
                    "end": _local(inspection.window_end),
                }
            )
    return reasons


# ---------------------------------------------------------------------------------------------
# Photos that never came
# ---------------------------------------------------------------------------------------------


def flag_failed_findings_without_photos(
    *, now: datetime, grace: timedelta, lookback: timedelta = timedelta(days=30)
) -> int:
    """Flag for review, once, each visit submitted more than ``grace`` ago (and less than
    ``lookback`` before that) whose failed items still have no photo: the app sends photos
    after the visit, and one may never arrive. Meant for a periodic sweep; returns how many
    visits it flagged. The rectification orders stand either way."""
    without_photo = Finding.objects.filter(
        inspection=OuterRef("pk"), result=Finding.Result.FAIL
    ).exclude(Exists(Evidence.objects.filter(finding=OuterRef("pk"))))
    already_flagged = AuditEvent.objects.filter(
        action=MISSING_PHOTOS_ACTION,
        object_type=Inspection._meta.label_lower,
        object_id=Cast(OuterRef("pk"), CharField()),
    )
    candidates = (
        Inspection.objects.filter(
            status=Inspection.Status.SUBMITTED,
            submitted_at__lt=now - grace,
            submitted_at__gte=now - grace - lookback,
        )
        .filter(Exists(without_photo))
        .exclude(Exists(already_flagged))
        .values_list("pk", flat=True)
    )
    flagged = 0
    for pk in list(candidates):
        with transaction.atomic():
            inspection = Inspection.objects.select_for_update().get(pk=pk)
            codes = sorted(
                Finding.objects.filter(inspection=inspection, result=Finding.Result.FAIL)
                .exclude(Exists(Evidence.objects.filter(finding=OuterRef("pk"))))
                .values_list("standard__code", flat=True)
            )
            if not codes:  # a photo arrived meanwhile
                continue
            with translation.override(settings.LANGUAGE_CODE):
                text = _("Failed items without a photo: %(standards)s.") % {
                    "standards": ", ".join(codes)
                }
            inspection.needs_review = True
            inspection.review_reason = _joined(inspection.review_reason, [text])
            inspection.save(update_fields=["needs_review", "review_reason"])
            record_event(
                actor=None,
                action=MISSING_PHOTOS_ACTION,
                obj=inspection,
                after={"needs_review": True, "standards": codes},
                reason=text,
            )
            flagged += 1
    return flagged


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _finite_within(value: object, bound: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and -bound <= value <= bound
    )


def _finite_decimal(value: Decimal) -> bool:
    try:
        return value.is_finite() and abs(value.quantize(VALUE_PLACES)) < VALUE_BOUND
    except InvalidOperation:
        return False


def _stored(position: Position | None) -> tuple[Decimal | None, Decimal | None]:
    """A position as the model keeps it: degrees to six places (about 0.1 m)."""
    if position is None:
        return None, None
    places = Decimal("0.000001")
    return (
        Decimal(repr(float(position.longitude))).quantize(places),
        Decimal(repr(float(position.latitude))).quantize(places),
    )


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _joined(existing: str, reasons: Iterable[str]) -> str:
    """Add reasons to a review note without losing the ones already there."""
    lines = [line for line in existing.splitlines() if line.strip()]
    lines.extend(reason for reason in reasons if reason not in lines)
    return "\n".join(lines)


def _position_record(position: Position | None) -> dict[str, Any] | None:
    if position is None:
        return None
    return {
        "longitude": position.longitude,
        "latitude": position.latitude,
        "accuracy_m": position.accuracy_m,
    }


def _submission_record(
    *,
    started_at: datetime,
    start_position: Position | None,
    finished_at: datetime,
    finish_position: Position | None,
    findings: Sequence[FindingInput],
    expected_version: int,
) -> dict[str, Any]:
    """The submission as plain values, for the ledger."""
    return {
        "expected_version": expected_version,
        "started_at": started_at,
        "start_position": _position_record(start_position),
        "finished_at": finished_at,
        "finish_position": _position_record(finish_position),
        "findings": [
            {
                "uuid": item.uuid,
                "standard": item.standard,
                "result": item.result,
                "measured_value": item.measured_value,
                "note": item.note,
                "photos": list(item.photos),
            }
            for item in findings
        ],
    }


def close_review(*, inspection: Inspection, by: User, note: str) -> Inspection:
    """A manager has looked at a flagged inspection (position outside the zone, a stale edit,
    a missing photo…) and says what was found; the flag goes, the reason stays on record."""
    if not note.strip():
        raise ValidationError({"note": _("Say what the review found.")}, code="note_required")
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if not inspection.needs_review:
            raise ValidationError(
                _("This inspection is not waiting for a review."), code="not_flagged"
            )
        inspection.needs_review = False
        inspection.save(update_fields=["needs_review"])
        record_event(
            actor=by,
            action="inspection.review",
            obj=inspection,
            before={"needs_review": True, "review_reason": inspection.review_reason},
            after={"needs_review": False},
            reason=note.strip(),
        )
    return inspection
