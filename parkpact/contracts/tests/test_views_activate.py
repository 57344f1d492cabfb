import html
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.contracts.models import Contract, PayBand
from parkpact.core.models import User

pytestmark = pytest.mark.usefixtures("english")


def url(contract: Contract) -> str:
    return reverse("contracts:contract_activate", kwargs={"pk": contract.pk})


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def draft(world: World, manager: User) -> Contract:
    """A complete draft for zone 2, which no active cleaning contract covers."""
    return testing.make_contract(world.provider_a, world.zones[2:], by=manager, active=False)


def test_it_sends_anonymous_visitors_to_sign_in(draft: Contract) -> None:
    response = client_for(None).post(url(draft))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "finance", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_contracts(
    draft: Contract, persona: str, request: pytest.FixtureRequest
) -> None:
    assert client_for(request.getfixturevalue(persona)).post(url(draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Contract.Status.DRAFT


def test_it_answers_only_to_post(draft: Contract, manager: User) -> None:
    assert client_for(manager).get(url(draft)).status_code == 405


def test_it_activates_a_complete_draft(draft: Contract, manager: User) -> None:
    client = client_for(manager)
    response = client.post(url(draft))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Contract.Status.ACTIVE
    assert draft.versions.get().in_force
    content = page(client.get(response["Location"]))
    assert f"Contract {draft.number} is now active." in content


def test_it_refuses_pay_bands_with_a_gap(draft: Contract, manager: User) -> None:
    # The bands were 0–90, 90–95, 95–100: make the lowest stop at 80.
    PayBand.objects.filter(version__contract=draft, min_score=0).update(max_score=Decimal(80))
    response = client_for(manager).post(url(draft))
    assert response.status_code == 400
    assert "The pay bands leave a gap at score 80" in page(response)
    draft.refresh_from_db()
    assert draft.status == Contract.Status.DRAFT
    assert not draft.versions.get().in_force


def test_it_refuses_zones_already_covered_by_an_active_contract(
    world: World, manager: User
) -> None:
    # Zone 0 is cleaned under contract A over the same term.
    overlapping = testing.make_contract(world.provider_b, world.zones[:1], by=manager, active=False)
    response = client_for(manager).post(url(overlapping))
    assert response.status_code == 400
    content = page(response)
    assert f"already covered by active contract {world.contract_a.number}" in content
    assert str(world.zones[0]) in content
    overlapping.refresh_from_db()
    assert overlapping.status == Contract.Status.DRAFT


def test_it_refuses_to_activate_twice(world: World, manager: User) -> None:
    response = client_for(manager).post(url(world.contract_a))
    assert response.status_code == 400
    assert "Only a draft contract can be activated; this one is Active." in page(response)
