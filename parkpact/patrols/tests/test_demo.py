"""The demo's patrols (patrols.demo), loaded once for the module on the demo's ground only
(parks, providers, contracts: the other apps' history is not needed), then rolled back."""

from collections.abc import Iterator
from datetime import timedelta
from importlib import import_module
from typing import Any

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from parkpact.core.services import verify_ledger
from parkpact.patrols import services
from parkpact.patrols.models import CheckpointScan, Incident, PatrolRound, PatrolRoute


@pytest.fixture(scope="module")
def patrol_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    from parkpact.core.management.commands.seed_demo import DEMO_PASSWORD, seed_centre_staff

    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            context: dict[str, Any] = {
                "password": DEMO_PASSWORD,
                "today": timezone.localdate(),
                "users": seed_centre_staff(),
            }
            for app in ("parks", "providers", "contracts", "patrols"):
                import_module(f"parkpact.{app}.demo").seed(context)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(patrol_demo: None, db: None) -> None:
    return None


def test_it_loads_two_routes_and_sixty_days_of_rounds(loaded: None) -> None:
    assert PatrolRoute.objects.count() == 2
    first = PatrolRound.objects.order_by("window_start").first()
    assert first is not None
    assert timezone.localdate(first.window_start) >= timezone.localdate() - timedelta(days=60)
    statuses = set(PatrolRound.objects.values_list("status", flat=True))
    assert {"completed", "incomplete", "missed"} <= statuses
    assert not PatrolRound.objects.filter(
        status__in=PatrolRound.OPEN_STATUSES, window_end__lte=timezone.now()
    ).exists()


def test_it_flags_a_few_scans(loaded: None) -> None:
    scans = CheckpointScan.objects
    assert 0 < scans.filter(outside_radius=True).count() < scans.count() / 10
    assert scans.filter(clock_skew=True).exists()
    assert scans.filter(out_of_order=True).exists()


def test_it_gives_the_security_contract_a_high_but_imperfect_compliance(loaded: None) -> None:
    route = PatrolRoute.objects.first()
    assert route is not None
    month = timezone.localdate() - timedelta(days=30)
    rate = services.compliance(contract=route.contract, month=month).rate
    assert rate is not None and 70 < rate < 100


def test_it_loads_resolved_incidents_and_one_open_today(loaded: None) -> None:
    assert Incident.objects.filter(status=Incident.Status.RESOLVED).count() >= 5
    assert Incident.objects.open().count() == 1
    assert verify_ledger().intact
