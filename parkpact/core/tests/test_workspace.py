"""The staff workspace: what waits for the user, counted within what the user may see."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.core.dashboard import Tile
from parkpact.core.models import User

pytestmark = pytest.mark.django_db


def tiles(user: User) -> dict[str, Tile]:
    response = client_for(user).get("/workspace/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return {str(tile.label): tile for tile in response.context["tiles"]}


def reports(world: World, count: int, *, hours_ago: int = 1) -> None:
    for _ in range(count):
        testing.make_service_request(world.zones[0], at=timezone.now() - timedelta(hours=hours_ago))


def test_a_manager_sees_the_citys_work_waiting(world: World, manager: User) -> None:
    reports(world, 2)
    reports(world, 1, hours_ago=24 * 30)  # long past its deadline
    found = tiles(manager)
    assert found["Open reports from the public"].count == 3
    assert found["Reports past their deadline"].count == 1
    assert found["Reports past their deadline"].urgent
    assert found["Resolved reports to validate"].count == 0
    assert found["Open rectification orders"].count == 0
    assert "Payment certificates awaiting finance" not in found  # finance's tile
    page = client_for(manager).get("/workspace/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="workspace-tiles"' in page and "?overdue=on" in page


def test_a_contractor_counts_only_its_own(
    world: World, provider_a_user: User, provider_b_user: User
) -> None:
    reports(world, 2)  # litter in a zone of contract A (cleaning, provider A)
    assert tiles(provider_a_user)["Open reports from the public"].count == 2
    assert tiles(provider_b_user)["Open reports from the public"].count == 0
    assert "Resolved reports to validate" not in tiles(provider_a_user)  # the centre's job
    assert "Assessments awaiting your confirmation" in tiles(provider_a_user)


def test_finance_sees_the_certificates_to_pay(world: World, finance: User) -> None:
    assert tiles(finance)["Payment certificates awaiting finance"].count == 0


def test_the_workspace_costs_the_same_queries_however_much_waits(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(manager)
    client.get("/workspace/")
    with django_assert_max_num_queries(14):
        client.get("/workspace/")
    reports(world, 5)
    with django_assert_max_num_queries(14):
        client.get("/workspace/")
