import html
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User

URL = reverse("contracts:contract_list")


pytestmark = pytest.mark.usefixtures("english")


def page(response: Any) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_it_shows_provider_staff_only_their_companys_contracts(
    world: World, provider_a_user: User
) -> None:
    content = page(client_for(provider_a_user).get(URL))
    assert world.contract_a.number in content
    assert world.contract_b.number not in content
    assert "New draft contract" not in content


def test_it_shows_centre_staff_every_contract(world: World, auditor: User) -> None:
    content = page(client_for(auditor).get(URL))
    assert world.contract_a.number in content
    assert world.contract_b.number in content
    assert world.provider_b.name in content


def test_it_filters_by_status_and_service(world: World, manager: User) -> None:
    draft = testing.make_contract(world.provider_a, world.zones, by=manager, active=False)
    client = client_for(manager)

    drafts = page(client.get(URL, {"status": "draft"}))
    assert draft.number in drafts
    assert world.contract_a.number not in drafts

    security = page(client.get(URL, {"service": "security"}))
    assert world.contract_b.number in security
    assert world.contract_a.number not in security
    assert draft.number not in security

    active_cleaning = page(client.get(URL, {"status": "active", "service": "cleaning"}))
    assert world.contract_a.number in active_cleaning
    assert world.contract_b.number not in active_cleaning
    assert draft.number not in active_cleaning


def test_it_keeps_a_provider_user_to_their_company_when_filtering(
    world: World, provider_a_user: User
) -> None:
    content = page(client_for(provider_a_user).get(URL, {"service": "security"}))
    assert world.contract_b.number not in content
    assert "No contracts match these filters." in content


def test_it_uses_the_same_queries_however_many_contracts(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(manager)
    with CaptureQueriesContext(connection) as baseline:
        client.get(URL)
    extra = [
        testing.make_contract(testing.make_provider(), world.zones, by=manager, active=False)
        for _ in range(5)
    ]
    with django_assert_max_num_queries(len(baseline)):
        content = page(client.get(URL))
    assert all(contract.number in content for contract in extra)
