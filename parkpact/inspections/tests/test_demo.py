"""The demo's supervision history (inspections.demo), as `seed_demo` loads it.

The whole demo is loaded once for the module, inside a transaction rolled back at the end, with
its on-commit notifications run; each test reads it in a savepoint of its own.
"""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from conftest import client_for
from parkpact.contracts.models import Contract
from parkpact.core.models import AuditEvent, Notification, User
from parkpact.core.services import verify_ledger
from parkpact.inspections.demo import months_before
from parkpact.inspections.models import (
    Evidence,
    Finding,
    Inspection,
    InspectorConflict,
    OrderEvent,
    RectificationOrder,
    SurveillancePlan,
)
from parkpact.inspections.services import first_of_month, plannable_standards
from parkpact.parks.geometry import contains_point

Status = RectificationOrder.Status


@pytest.fixture
def loaded(demo_output: str, db: None) -> str:
    return demo_output


def contracts() -> list[Contract]:
    return list(Contract.objects.filter(number__in=["QZGY-2026-001", "QZGY-2026-002"]))


def test_it_reveals_each_of_the_twelve_months_before_this_one_and_each_verifies(
    loaded: str,
) -> None:
    this_month = first_of_month(timezone.localdate())
    for contract in contracts():
        # The contracts began in January 2026: earlier months have nothing to supervise.
        expected = [
            month
            for month in (months_before(this_month, n) for n in range(12, 0, -1))
            if month >= first_of_month(contract.start_date)
        ]
        assert expected, "the demo is loaded after the contracts' first month"
        plans = SurveillancePlan.objects.filter(contract=contract)
        for month in expected:
            codes = {s.code for s in plannable_standards(contract, month) if s.zone_kinds}
            revealed = plans.filter(month=month, status=SurveillancePlan.Status.REVEALED)
            assert set(revealed.values_list("standard__code", flat=True)) == codes, month
        assert not plans.filter(month__lt=this_month).exclude(status="revealed").exists()
        current = plans.filter(month=this_month)
        on_site = {s.code for s in plannable_standards(contract, this_month) if s.zone_kinds}
        assert set(current.values_list("standard__code", flat=True)) == on_site
        assert {plan.status for plan in current} == {SurveillancePlan.Status.COMMITTED}
        assert all(plan.seed_hash and not plan.public_seed for plan in current)

    out = StringIO()
    call_command("verify_sample", stdout=out)  # raises CommandError on any mismatch
    revealed = SurveillancePlan.objects.filter(status=SurveillancePlan.Status.REVEALED).count()
    assert f"{revealed} revealed plans checked, 0 mismatched" in out.getvalue()


def test_it_records_the_history_in_an_intact_ledger_at_the_real_time(loaded: str) -> None:
    verdict = verify_ledger()
    assert verdict.intact
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "inspector_conflict.declare",
        "surveillance_plan.create",
        "surveillance_plan.commit",
        "surveillance_plan.reveal",
        "inspection.submit",
        "evidence.upload",
        "order.issue",
        "order.rectified",
        "order.reopened",
        "order.closed",
        "order.overdue",
    } <= actions
    # The records carry the story's times; the ledger, when the demo was written.
    oldest = Inspection.objects.filter(status="submitted").order_by("submitted_at").first()
    assert oldest is not None
    assert oldest.submitted_at is not None
    assert oldest.submitted_at < timezone.now() - timedelta(days=200)
    assert not AuditEvent.objects.filter(at__lt=timezone.now() - timedelta(hours=1)).exists()


def test_inspectors_submit_inside_their_windows_and_a_few_from_outside_the_zone(
    loaded: str,
) -> None:
    today = timezone.localdate()
    submitted = Inspection.objects.filter(status=Inspection.Status.SUBMITTED)
    assert submitted.count() > 300
    for visit in submitted.only("window_start", "window_end", "started_at"):
        assert visit.started_at is not None
        assert visit.window_start <= visit.started_at <= visit.window_end
        assert timezone.localdate(visit.window_start) < today
    assert not Inspection.objects.filter(
        status=Inspection.Status.SCHEDULED, plan__status=SurveillancePlan.Status.REVEALED
    ).exists()
    flagged = submitted.filter(needs_review=True).select_related("zone")
    assert 0 < flagged.count() < submitted.count() / 10
    for visit in flagged:
        assert not contains_point(
            visit.zone.boundary,
            float(visit.start_longitude),  # type: ignore[arg-type]
            float(visit.start_latitude),  # type: ignore[arg-type]
            metres=settings.INSPECTION_POSITION_TOLERANCE_M,
        )


def test_every_failed_check_has_a_photo_and_raised_an_order(loaded: str) -> None:
    failed = Finding.objects.filter(result=Finding.Result.FAIL)
    assert failed.count() >= 20
    assert not failed.filter(evidence__isnull=True).exists()
    assert not failed.filter(order__isnull=True).exists()
    assert Finding.objects.filter(result=Finding.Result.PASS).count() > 5 * failed.count()
    fixes = OrderEvent.objects.filter(to_status=Status.RECTIFIED).exclude(
        from_status=Status.RECTIFIED
    )
    assert fixes.exists()
    assert not fixes.filter(evidence__isnull=True).exists()
    hashes = list(Evidence.objects.values_list("sha256", flat=True))
    assert len(hashes) == len(set(hashes))


def test_orders_end_in_every_status_some_late_some_reopened_some_overdue(loaded: str) -> None:
    orders = list(RectificationOrder.objects.prefetch_related("events"))
    assert {order.status for order in orders} == set(Status.values)
    closed = [order for order in orders if order.status == Status.CLOSED]
    assert len(closed) > len(orders) / 2
    now = timezone.now()
    assert any(order.is_overdue(now) for order in closed)  # put right too late
    assert any(not order.is_overdue(now) for order in closed)
    assert any(
        any(event.to_status == Status.REOPENED for event in order.events.all()) for order in closed
    )
    still_open = [order for order in orders if order.status in RectificationOrder.OPEN_STATUSES]
    overdue = [order for order in still_open if order.overdue_at is not None]
    assert len(overdue) >= 2
    assert all(order.is_overdue(now) for order in overdue)
    for order in orders:
        assert order.events.all()[0].to_status == Status.OPEN
        waiting = order.status in (Status.OPEN, Status.REOPENED)
        marked = order.deadline < now and waiting
        assert (order.overdue_at is not None) >= marked, order.pk
    # Notifications about closed orders were read long ago; the overdue ones wait to be read.
    links = {order.pk: f"/supervision/orders/{order.pk}/" for order in orders}
    assert not Notification.objects.filter(
        link__in=[links[order.pk] for order in closed], read_at__isnull=True
    ).exists()
    guard_or_cleaner = Notification.objects.filter(
        user__username__in=["cleaner", "guard"],
        link__in=[links[order.pk] for order in overdue],
        read_at__isnull=True,
    )
    assert guard_or_cleaner.exists()


def test_the_field_inspector_has_visits_today_and_tomorrow(loaded: str) -> None:
    inspector = User.objects.get(username="inspector")
    answer = client_for(inspector).get("/api/v1/field/visits").json()
    days = [timezone.localdate(datetime.fromisoformat(v["window_start"])) for v in answer["items"]]
    today = timezone.localdate()
    assert days.count(today) >= 2
    assert days.count(today + timedelta(days=1)) >= 1
    assert {v["status"] for v in answer["items"]} == {"scheduled"}


def test_the_second_inspector_is_drawn_for_cleaning_but_never_for_security(loaded: str) -> None:
    assert "\ninspector2 " in loaded
    inspector2 = User.objects.get(username="inspector2")
    assert inspector2.check_password("donghu2016")
    conflict = InspectorConflict.objects.get(inspector=inspector2)
    assert conflict.provider.name.startswith("泉州市安泰保安")
    visits = Inspection.objects.filter(inspector=inspector2)
    assert visits.filter(contract__number="QZGY-2026-001").exists()
    assert not visits.filter(contract__number="QZGY-2026-002").exists()
    assert Inspection.objects.filter(
        inspector__username="inspector", contract__number="QZGY-2026-001"
    ).exists()


def test_it_adds_nothing_when_run_again(loaded: str) -> None:
    before = {model._meta.label: model.objects.count() for model in apps.get_models()}
    head = verify_ledger().head
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert {model._meta.label: model.objects.count() for model in apps.get_models()} == before
    assert verify_ledger().head == head
    assert "already loaded" in out.getvalue()
