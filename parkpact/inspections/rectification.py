"""Rectification orders: issued for each failed finding and for each sensor alert whose rule
opens one, put right by the provider with a photo, re-inspected by an inspector, and marked
overdue by the worker when the deadline passes.

Every status change goes through ``_move``, which allows only RectificationOrder.TRANSITIONS
and writes an OrderEvent (the history the provider sees) and an AuditEvent (the ledger).
Notifications are created only once the change is committed.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract, PerformanceStandard, terms_on
from parkpact.core.models import Role, User
from parkpact.core.notifications import (
    centre_message,
    local_minute,
    managers,
    notify_on_commit,
    users_in_roles,
)
from parkpact.core.services import record_event, snapshot
from parkpact.providers.services import provider_staff
from parkpact.sensors.models import Alert

from .evidence import store_evidence
from .models import Finding, InspectorConflict, OrderEvent, RectificationOrder

Status = RectificationOrder.Status

# The note of the OrderEvent the overdue sweep writes (the status itself does not change).
OVERDUE_NOTE = "overdue"
AUDITED_FIELDS = ["status", "deadline", "overdue_at", "rectified_at", "closed_at"]

NOT_FAILED = _("Only a failed check raises a rectification order.")
TRANSITION_REFUSED = _("An order that is “%(current)s” cannot become “%(next)s”.")
PHOTO_REQUIRED = _("Add a photo that shows the problem put right.")
NOTE_REQUIRED = _("Say what is still wrong, so that the provider knows what to put right.")

ISSUED_MESSAGE = _(
    "Rectification order %(number)s: %(standard)s in zone %(zone)s, to put right by %(deadline)s."
)
ALERT_ISSUED_MESSAGE = _(
    "Rectification order %(number)s: sensor %(device)s raised an alert (%(standard)s) in zone "
    "%(zone)s, to put right by %(deadline)s."
)
RECTIFIED_MESSAGE = _("Order %(number)s is marked rectified: it awaits re-inspection.")
CLOSED_MESSAGE = _("Order %(number)s is closed: the re-inspection passed.")
REOPENED_MESSAGE = _("Order %(number)s is reopened: the re-inspection found it is not put right.")
OVERDUE_MESSAGE = _("Order %(number)s is overdue: it was due by %(deadline)s.")


# ---- Who may do what -------------------------------------------------------------------------


def inspectors_for(order: RectificationOrder) -> list[User]:
    """Who hears that an order awaits re-inspection: the inspector whose finding raised it; for
    a sensor alert's order, every inspector who may re-inspect it (no one was there)."""
    if order.finding is not None:
        return [order.finding.inspection.inspector]
    conflicted = set(
        InspectorConflict.objects.filter(provider_id=order.provider_id).values_list(
            "inspector_id", flat=True
        )
    )
    return [user for user in users_in_roles(Role.INSPECTOR) if user.pk not in conflicted]


def may_reinspect(user: User, order: RectificationOrder) -> bool:
    """Any quality inspector, except one who declared a conflict with the company."""
    return (
        user.has_role(Role.INSPECTOR)
        and not InspectorConflict.objects.filter(
            inspector=user, provider_id=order.provider_id
        ).exists()
    )


def can_become(order: RectificationOrder, status: str) -> bool:
    return status in RectificationOrder.TRANSITIONS[order.status]


def allowed_actions(order: RectificationOrder, user: User) -> set[str]:
    """What the page offers this person on this order: "rectify" and/or "reinspect"."""
    actions = set()
    if can_become(order, Status.RECTIFIED) and user.provider_id == order.provider_id:
        actions.add("rectify")
    if (can_become(order, Status.CLOSED) or can_become(order, Status.REOPENED)) and may_reinspect(
        user, order
    ):
        actions.add("reinspect")
    return actions


# ---- Notifications ---------------------------------------------------------------------------


def _order_link(order: RectificationOrder) -> str:
    return reverse("inspections:order_detail", kwargs={"pk": order.pk})


# ---- Status changes --------------------------------------------------------------------------


def _move(
    order: RectificationOrder, *, to: str, by: User | None, note: str, at: datetime
) -> OrderEvent:
    """The one way an order changes status: allowed transitions only, with history and ledger."""
    if not can_become(order, to):
        raise ValidationError(
            TRANSITION_REFUSED,
            code="transition_not_allowed",
            params={"current": Status(order.status).label, "next": Status(to).label},
        )
    before = snapshot(order, AUDITED_FIELDS)
    event = OrderEvent.objects.create(
        order=order, at=at, actor=by, from_status=order.status, to_status=to, note=note
    )
    order.status = to
    if to == Status.CLOSED:
        order.closed_at = at
    if to == Status.RECTIFIED:
        order.rectified_at = at
    order.save(update_fields=["status", "closed_at", "rectified_at"])
    record_event(
        actor=by,
        action=f"order.{to}",
        obj=order,
        before=before,
        after=snapshot(order, AUDITED_FIELDS),
        reason=note,
    )
    return event


def _locked(order: RectificationOrder) -> RectificationOrder:
    # Only the order's row: on PostgreSQL the (nullable) finding's side cannot be locked.
    return (
        RectificationOrder.objects.select_for_update(of=("self",))
        .select_related("finding__inspection__inspector")
        .get(pk=order.pk)
    )


def _attach_photo(photo: UploadedFile, by: User, event: OrderEvent) -> None:
    """Store a step's photo; its refusal is shown under the form's photo field."""
    try:
        store_evidence(upload=photo, by=by, order_event=event)
    except ValidationError as error:
        raise ValidationError({"photo": error.error_list}) from error


def _open_order(
    *,
    origin: str,
    standard: PerformanceStandard,
    contract: Contract,
    issued_at: datetime,
    by: User | None,
    cause: dict[str, int],
    message: Promise,
    details: dict[str, str],
    finding: Finding | None = None,
) -> RectificationOrder:
    """Create an order with its first step, its ledger event and the provider's notice
    (``message`` with the order's number, its deadline and ``details``). ``cause`` names what
    raised it (the finding or the alert) in the ledger."""
    deadline = issued_at + timedelta(hours=standard.rectification_hours)
    order = RectificationOrder.objects.create(
        origin=origin,
        finding=finding,
        standard=standard,
        contract=contract,
        provider_id=contract.provider_id,
        issued_at=issued_at,
        deadline=deadline,
        status=Status.OPEN,
    )
    OrderEvent.objects.create(
        order=order, at=issued_at, actor=by, from_status="", to_status=Status.OPEN
    )
    record_event(
        actor=by,
        action="order.issue",
        obj=order,
        after={
            **cause,
            "standard": standard.pk,
            "contract": contract.pk,
            "provider": contract.provider_id,
            **snapshot(order, ["issued_at", *AUDITED_FIELDS]),
        },
    )
    notify_on_commit(
        provider_staff(contract.provider_id),
        centre_message(message, number=order.pk, deadline=local_minute(deadline), **details),
        _order_link(order),
    )
    return order


def issue_order(*, finding: Finding, by: User | None) -> RectificationOrder:
    """Raise the order for a failed finding, due ``rectification_hours`` after the inspection
    reached the centre (the provider cannot put right what it has not been told).

    Called by the submission code inside its transaction; issuing twice returns the first order.
    """
    if finding.result != Finding.Result.FAIL:
        raise ValidationError(NOT_FAILED, code="finding_not_failed")
    existing = RectificationOrder.objects.filter(finding=finding).first()
    if existing is not None:
        return existing
    inspection = finding.inspection
    with transaction.atomic():
        return _open_order(
            origin=RectificationOrder.Origin.INSPECTION,
            finding=finding,
            standard=finding.standard,
            contract=inspection.contract,
            issued_at=inspection.submitted_at or inspection.finished_at or timezone.now(),
            by=by,
            cause={"finding": finding.pk},
            message=ISSUED_MESSAGE,
            details={"standard": finding.standard.name, "zone": inspection.zone.code},
        )


def issue_order_for_alert(*, alert: Alert, by: User | None = None) -> RectificationOrder | None:
    """Open the order a sensor alert calls for: to the contract the alert is recorded against,
    under the standard its rule names (as in the terms in force on the alert's day), due
    ``rectification_hours`` after the alert was raised.

    None, and nothing written, when the rule opens no order, the alert has no contract or the
    terms have no such standard. Called by sensors.services.apply_rules inside its transaction;
    an alert opens at most one order: asking again returns it.
    """
    rule = alert.rule
    if not rule.opens_order or not rule.standard_code or alert.contract_id is None:
        return None
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update(of=("self",))
            .select_related("contract", "device__facility__zone", "rule", "order")
            .get(pk=alert.pk)
        )
        if alert.order is not None:
            return alert.order
        contract = alert.contract
        assert contract is not None
        terms = terms_on(contract, timezone.localdate(alert.raised_at))
        standard = terms.standards.filter(code=rule.standard_code).first() if terms else None
        if standard is None:
            return None
        order = _open_order(
            origin=RectificationOrder.Origin.SENSOR_ALERT,
            standard=standard,
            contract=contract,
            issued_at=alert.raised_at,
            by=by,
            cause={"alert": alert.pk},
            message=ALERT_ISSUED_MESSAGE,
            details={
                "device": alert.device.code,
                "standard": standard.name,
                "zone": alert.device.facility.zone.code,
            },
        )
        alert.order = order
        alert.save(update_fields=["order"])
    return order


def mark_rectified(
    *, order: RectificationOrder, by: User, note: str, photo: UploadedFile | None
) -> RectificationOrder:
    """The provider says the problem is put right, with a photo that shows it."""
    if not by.provider_id == order.provider_id:
        raise PermissionDenied
    if photo is None:
        raise ValidationError({"photo": ValidationError(PHOTO_REQUIRED, code="photo_required")})
    with transaction.atomic():
        order = _locked(order)
        event = _move(order, to=Status.RECTIFIED, by=by, note=note.strip(), at=timezone.now())
        _attach_photo(photo, by, event)
        notify_on_commit(
            inspectors_for(order),
            centre_message(RECTIFIED_MESSAGE, number=order.pk),
            _order_link(order),
        )
    return order


def reinspect(
    *,
    order: RectificationOrder,
    by: User,
    passed: bool,
    note: str,
    photo: UploadedFile | None = None,
) -> RectificationOrder:
    """An inspector checks the provider's work: passed closes the order, failed reopens it.

    A reopened order keeps its deadline: a fix that did not hold earns no extra time.
    """
    if not may_reinspect(by, order):
        raise PermissionDenied
    note = note.strip()
    if not passed and not note:
        raise ValidationError({"note": ValidationError(NOTE_REQUIRED, code="note_required")})
    with transaction.atomic():
        order = _locked(order)
        to = Status.CLOSED if passed else Status.REOPENED
        event = _move(order, to=to, by=by, note=note, at=timezone.now())
        if photo is not None:
            _attach_photo(photo, by, event)
        text = CLOSED_MESSAGE if passed else REOPENED_MESSAGE
        notify_on_commit(
            provider_staff(order.provider_id),
            centre_message(text, number=order.pk),
            _order_link(order),
        )
    return order


def mark_overdue_orders(*, now: datetime) -> int:
    """Mark each order still not closed past its deadline, once, and tell the provider's staff
    and the managers. Safe to run by several workers at once: the first to mark an order wins.
    Returns how many orders were marked."""
    due = list(
        RectificationOrder.objects.open()
        .filter(deadline__lt=now, overdue_at__isnull=True)
        # Put right in time and awaiting re-inspection: the wait is the centre's, not late.
        .exclude(status=Status.RECTIFIED, rectified_at__lte=F("deadline"))
        .order_by("deadline")
        .values_list("pk", flat=True)
    )
    manager_list = list(managers())
    marked = 0
    for pk in due:
        with transaction.atomic():
            won = (
                RectificationOrder.objects.open()
                .filter(pk=pk, overdue_at__isnull=True)
                .exclude(status=Status.RECTIFIED, rectified_at__lte=F("deadline"))
                .update(overdue_at=now)
            )
            if not won:
                continue
            order = RectificationOrder.objects.get(pk=pk)
            OrderEvent.objects.create(
                order=order,
                at=now,
                actor=None,
                from_status=order.status,
                to_status=order.status,
                note=OVERDUE_NOTE,
            )
            record_event(
                actor=None,
                action="order.overdue",
                obj=order,
                before={"overdue_at": None},
                after=snapshot(order, AUDITED_FIELDS),
            )
            notify_on_commit(
                [*provider_staff(order.provider_id), *manager_list],
                centre_message(
                    OVERDUE_MESSAGE,
                    number=order.pk,
                    deadline=local_minute(order.deadline),
                ),
                _order_link(order),
            )
            marked += 1
    return marked
