"""The review queue: flagged inspections wait for a manager, who says what was found."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World, client_for
from parkpact.core.models import AuditEvent, User
from parkpact.inspections.models import Inspection
from parkpact.inspections.tests.test_orders_factories import make_inspection

pytestmark = pytest.mark.usefixtures("english")

LIST = "/supervision/review/"


def flagged(
    world: World, inspector: User, reason: str = "Started 240 m outside the zone."
) -> Inspection:
    inspection = make_inspection(world.contract_a, inspector)
    Inspection.objects.filter(pk=inspection.pk).update(needs_review=True, review_reason=reason)
    inspection.refresh_from_db()
    return inspection


def test_it_lists_flagged_inspections_for_centre_staff_only(
    world: World, inspector: User, auditor: User, provider_a_user: User
) -> None:
    flagged(world, inspector)
    make_inspection(world.contract_a, inspector)  # not flagged
    page = client_for(auditor).get(LIST).content.decode()
    assert "Started 240 m outside the zone." in page
    assert "What the review found" not in page  # only managers close reviews
    assert client_for(provider_a_user).get(LIST).status_code == 403
    assert client_for(None).get(LIST).status_code == 302


def test_a_manager_closes_a_review_with_a_note(
    world: World, inspector: User, manager: User
) -> None:
    inspection = flagged(world, inspector)
    client = client_for(manager)
    assert (
        client.post(f"/supervision/review/{inspection.pk}/close/", {"note": " "}).status_code == 302
    )
    inspection.refresh_from_db()
    assert inspection.needs_review  # an empty note changes nothing
    client.post(f"/supervision/review/{inspection.pk}/close/", {"note": "GPS drift under trees."})
    inspection.refresh_from_db()
    assert not inspection.needs_review and inspection.review_reason
    event = AuditEvent.objects.get(action="inspection.review")
    assert event.actor == manager and event.reason == "GPS drift under trees."
    assert "Nothing is waiting for a review." in client.get(LIST).content.decode()


def test_an_inspector_cannot_close_a_review(world: World, inspector: User) -> None:
    inspection = flagged(world, inspector)
    assert (
        client_for(inspector)
        .post(f"/supervision/review/{inspection.pk}/close/", {"note": "ok"})
        .status_code
        == 403
    )


def test_the_queue_costs_the_same_queries_however_long(
    world: World, inspector: User, manager: User
) -> None:
    client = client_for(manager)
    flagged(world, inspector)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(10):
        flagged(world, inspector)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)
