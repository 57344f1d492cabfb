"""Rectification orders: issued for failed checks, rectified with a photo, re-inspected, and
marked overdue once by the worker."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.core.models import AuditEvent, Notification, Role, User
from parkpact.core.sweeps import registered_sweeps
from parkpact.inspections.models import (
    Evidence,
    Finding,
    InspectorConflict,
    OrderEvent,
    RectificationOrder,
)
from parkpact.inspections.rectification import (
    OVERDUE_NOTE,
    issue_order,
    mark_overdue_orders,
    mark_rectified,
    reinspect,
)

from .test_orders_factories import (
    make_finding,
    make_inspection,
    make_order,
    photo,
    set_status,
    upload,
)

Status = RectificationOrder.Status


@pytest.fixture
def order(world: World, inspector: User) -> RectificationOrder:
    return make_order(world.contract_a, inspector, hours=2)


def test_a_failed_check_raises_an_order_due_by_the_standards_deadline(
    world: World,
    inspector: User,
    provider_a_user: User,
    provider_b_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    submitted = timezone.now() - timedelta(minutes=30)
    inspection = make_inspection(world.contract_a, inspector, submitted_at=submitted)
    finding = make_finding(inspection, hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        order = issue_order(finding=finding, by=inspector)

    assert order.status == Status.OPEN
    assert order.provider == world.provider_a
    assert order.contract == world.contract_a
    assert order.issued_at == submitted
    assert order.deadline == submitted + timedelta(hours=2)
    event = order.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", Status.OPEN, inspector)
    assert AuditEvent.objects.filter(action="order.issue", object_id=str(order.pk)).exists()
    notice = Notification.objects.get(user=provider_a_user)
    assert str(order.pk) in notice.message
    assert notice.link == f"/supervision/orders/{order.pk}/"
    assert not Notification.objects.filter(user=provider_b_user).exists()

    # Issuing again (a retried submission) gives back the same order.
    assert issue_order(finding=finding, by=inspector) == order
    assert RectificationOrder.objects.count() == 1


def test_a_check_that_passed_raises_no_order(world: World, inspector: User) -> None:
    finding = make_finding(make_inspection(world.contract_a, inspector), result=Finding.Result.PASS)
    with pytest.raises(ValidationError) as refused:
        issue_order(finding=finding, by=inspector)
    assert refused.value.code == "finding_not_failed"
    assert not RectificationOrder.objects.exists()


def test_no_notification_outlives_a_change_that_is_rolled_back(
    world: World, inspector: User, provider_a_user: User
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        make_order(world.contract_a, inspector)
        assert Notification.objects.exists()  # written in the same transaction as the order
        raise RuntimeError("a later step fails")
    assert not Notification.objects.exists()


def test_an_order_goes_round_until_the_work_holds(
    order: RectificationOrder, inspector: User, provider_a_user: User
) -> None:
    mark_rectified(order=order, by=provider_a_user, note="Swept.", photo=photo())
    reinspect(order=order, by=inspector, passed=False, note="Still litter under the benches.")
    mark_rectified(order=order, by=provider_a_user, note="Benches done.", photo=photo())
    reinspect(order=order, by=inspector, passed=True, note="", photo=photo("PNG"))

    order.refresh_from_db()
    assert order.status == Status.CLOSED
    assert order.closed_at is not None
    steps = [(e.from_status, e.to_status) for e in order.events.all()]
    assert steps == [
        ("", "open"),
        ("open", "rectified"),
        ("rectified", "reopened"),
        ("reopened", "rectified"),
        ("rectified", "closed"),
    ]
    assert order.events.get(to_status="reopened").note == "Still litter under the benches."
    assert Evidence.objects.filter(order_event__order=order).count() == 3
    actions = AuditEvent.objects.filter(object_id=str(order.pk), action__startswith="order.")
    assert [a.action for a in actions.order_by("seq")] == [
        "order.issue",
        "order.rectified",
        "order.reopened",
        "order.rectified",
        "order.closed",
    ]


ACTIONS: dict[str, Callable[[RectificationOrder, User, User], object]] = {
    Status.RECTIFIED: lambda order, provider, inspector: mark_rectified(
        order=order, by=provider, note="", photo=photo()
    ),
    Status.CLOSED: lambda order, provider, inspector: reinspect(
        order=order, by=inspector, passed=True, note=""
    ),
    Status.REOPENED: lambda order, provider, inspector: reinspect(
        order=order, by=inspector, passed=False, note="Not done."
    ),
}


@pytest.mark.parametrize("current", Status.values)
@pytest.mark.parametrize("target", list(ACTIONS))
def test_only_the_listed_transitions_happen(
    order: RectificationOrder,
    inspector: User,
    provider_a_user: User,
    current: str,
    target: str,
) -> None:
    order = set_status(order, current)
    events, audit, photos = (
        OrderEvent.objects.count(),
        AuditEvent.objects.count(),
        Evidence.objects.count(),
    )
    allowed = target in RectificationOrder.TRANSITIONS[current]
    if allowed:
        ACTIONS[target](order, provider_a_user, inspector)
        order.refresh_from_db()
        assert order.status == target
        assert order.events.last().to_status == target  # type: ignore[union-attr]
        assert AuditEvent.objects.filter(action=f"order.{target}").exists()
    else:
        with pytest.raises(ValidationError) as refused:
            ACTIONS[target](order, provider_a_user, inspector)
        assert refused.value.code == "transition_not_allowed"
        order.refresh_from_db()
        assert order.status == current
        assert (
            OrderEvent.objects.count(),
            AuditEvent.objects.count(),
            Evidence.objects.count(),
        ) == (
            events,
            audit,
            photos,
        )


def test_nothing_leads_back_to_open() -> None:
    assert all(Status.OPEN not in targets for targets in RectificationOrder.TRANSITIONS.values())


def test_rectifying_needs_a_photo(order: RectificationOrder, provider_a_user: User) -> None:
    with pytest.raises(ValidationError) as refused:
        mark_rectified(order=order, by=provider_a_user, note="Done.", photo=None)
    assert refused.value.error_dict["photo"][0].code == "photo_required"
    order.refresh_from_db()
    assert order.status == Status.OPEN


def test_a_bad_photo_leaves_the_order_as_it_was(
    order: RectificationOrder, provider_a_user: User
) -> None:
    audit = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        mark_rectified(
            order=order, by=provider_a_user, note="Done.", photo=upload(b"GIF89a nonsense")
        )
    assert refused.value.error_dict["photo"][0].code == "not_an_image"
    order.refresh_from_db()
    assert order.status == Status.OPEN
    assert order.events.count() == 1
    assert AuditEvent.objects.count() == audit


@pytest.mark.parametrize("persona", ["provider_b_user", "inspector", "manager"])
def test_only_the_companys_staff_mark_its_order_rectified(
    order: RectificationOrder, persona: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDenied):
        mark_rectified(order=order, by=request.getfixturevalue(persona), note="", photo=photo())
    order.refresh_from_db()
    assert order.status == Status.OPEN


@pytest.mark.parametrize("persona", ["provider_a_user", "manager", "auditor"])
def test_only_inspectors_reinspect(
    order: RectificationOrder,
    provider_a_user: User,
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    order = set_status(order, Status.RECTIFIED)
    with pytest.raises(PermissionDenied):
        reinspect(order=order, by=request.getfixturevalue(persona), passed=True, note="")
    order.refresh_from_db()
    assert order.status == Status.RECTIFIED


def test_an_inspector_in_conflict_with_the_company_does_not_reinspect(
    world: World, order: RectificationOrder
) -> None:
    conflicted = testing.make_user(Role.INSPECTOR)
    InspectorConflict.objects.create(
        inspector=conflicted, provider=world.provider_a, reason="Brother-in-law"
    )
    order = set_status(order, Status.RECTIFIED)
    with pytest.raises(PermissionDenied):
        reinspect(order=order, by=conflicted, passed=True, note="")


def test_reopening_says_what_is_still_wrong(order: RectificationOrder, inspector: User) -> None:
    order = set_status(order, Status.RECTIFIED)
    with pytest.raises(ValidationError) as refused:
        reinspect(order=order, by=inspector, passed=False, note="   ")
    assert refused.value.error_dict["note"][0].code == "note_required"
    order.refresh_from_db()
    assert order.status == Status.RECTIFIED


# ---- The overdue sweep ----------------------------------------------------------------------


def test_the_sweep_marks_a_late_order_once_and_tells_provider_and_managers(
    world: World,
    order: RectificationOrder,
    manager: User,
    second_manager: User,
    provider_a_user: User,
    provider_b_user: User,
    inspector: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    before_deadline = order.deadline - timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_orders(now=before_deadline) == 0
    assert not Notification.objects.exists()

    later = order.deadline + timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_orders(now=later) == 1
    order.refresh_from_db()
    assert order.overdue_at == later
    assert order.status == Status.OPEN
    mark = order.events.last()
    assert mark is not None
    assert (mark.note, mark.from_status, mark.to_status, mark.actor) == (
        OVERDUE_NOTE,
        "open",
        "open",
        None,
    )
    assert AuditEvent.objects.filter(action="order.overdue", object_id=str(order.pk)).count() == 1
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {provider_a_user.username, manager.username, second_manager.username}

    # Five minutes on, and an hour on: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_orders(now=later + timedelta(minutes=5)) == 0
        assert mark_overdue_orders(now=later + timedelta(hours=1)) == 0
    assert Notification.objects.count() == 3
    assert order.events.filter(note=OVERDUE_NOTE).count() == 1


@pytest.mark.parametrize("status", [Status.RECTIFIED, Status.REOPENED])
def test_the_sweep_counts_every_order_not_yet_closed(
    order: RectificationOrder, status: str
) -> None:
    set_status(order, status)
    assert mark_overdue_orders(now=order.deadline + timedelta(seconds=1)) == 1


def test_the_sweep_leaves_closed_orders_alone(order: RectificationOrder) -> None:
    set_status(order, Status.CLOSED)
    assert mark_overdue_orders(now=order.deadline + timedelta(days=1)) == 0
    order.refresh_from_db()
    assert order.overdue_at is None


def test_an_order_closed_late_still_counts_as_late(
    order: RectificationOrder, inspector: User, provider_a_user: User
) -> None:
    assert not order.is_overdue(order.deadline - timedelta(seconds=1))
    assert order.is_overdue(order.deadline + timedelta(seconds=1))
    mark_rectified(order=order, by=provider_a_user, note="", photo=photo())
    reinspect(order=order, by=inspector, passed=True, note="")
    order.refresh_from_db()
    assert not order.is_overdue(timezone.now() + timedelta(days=1))  # closed in time


def test_the_worker_runs_the_sweep_every_five_minutes(world: World) -> None:
    from parkpact.inspections import tasks as tasks_orders

    sweep = next(s for s in registered_sweeps() if s.name == "inspections.overdue_orders")
    assert sweep.every == timedelta(minutes=5)
    assert sweep.task is tasks_orders.mark_overdue_orders_task
    assert tasks_orders.mark_overdue_orders_task.call() == {"marked": 0}
