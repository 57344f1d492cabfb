"""The admin site: plans are read-only and keep the seed hidden; conflicts are declared audited."""

import html

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import AuditEvent, User
from parkpact.inspections.models import InspectorConflict

from .test_plans_support import (
    Supervised,
    committed_plan,
    last_month,
    month_after,
    revealed_plan,
    supervised,
    this_month,
)

__all__ = ["supervised"]
pytestmark = pytest.mark.usefixtures("english")


def test_it_never_shows_an_unrevealed_seed(
    supervised: Supervised, manager: User, admin: User
) -> None:
    committed = committed_plan(supervised, month=month_after(this_month()), by=manager)
    revealed = revealed_plan(supervised, month=last_month(), by=manager)
    client = client_for(admin)
    listing = client.get(reverse("admin:inspections_surveillanceplan_changelist"))
    assert listing.status_code == 200
    assert committed.seed not in listing.content.decode()
    page = client.get(
        reverse("admin:inspections_surveillanceplan_change", args=[committed.pk])
    ).content.decode()
    assert committed.seed_hash in page
    assert committed.seed not in page
    page = client.get(
        reverse("admin:inspections_surveillanceplan_change", args=[revealed.pk])
    ).content.decode()
    assert revealed.seed in page


def test_it_declares_a_conflict_through_the_service(
    supervised: Supervised, world: World, admin: User, manager: User
) -> None:
    inspector = supervised.inspectors[0]
    url = reverse("admin:inspections_inspectorconflict_add")
    data = {"inspector": inspector.pk, "provider": world.provider_a.pk, "reason": "Cousin"}
    response = client_for(admin).post(url, data)
    assert response.status_code == 302
    conflict = InspectorConflict.objects.get()
    assert (conflict.inspector, conflict.provider) == (inspector, world.provider_a)
    assert AuditEvent.objects.filter(action="inspector_conflict.declare", actor=admin).exists()
    # Only inspectors have conflicts to declare.
    response = client_for(admin).post(url, {**data, "inspector": manager.pk})
    assert response.status_code == 200
    assert "quality inspectors only" in html.unescape(response.content.decode())
    assert InspectorConflict.objects.count() == 1
