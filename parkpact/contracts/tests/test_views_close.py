import html
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.contracts.models import Contract
from parkpact.core.models import AuditEvent, User

pytestmark = pytest.mark.usefixtures("english")


def url(contract: Contract) -> str:
    return reverse("contracts:contract_close", kwargs={"pk": contract.pk})


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    response = client_for(None).post(url(world.contract_a), {"status": "ended", "reason": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "finance", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_contracts(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(persona)).post(
        url(world.contract_a), {"status": "terminated", "reason": "Because"}
    )
    assert response.status_code == 403
    world.contract_a.refresh_from_db()
    assert world.contract_a.status == Contract.Status.ACTIVE


def test_it_answers_404_for_an_unknown_contract(world: World, manager: User) -> None:
    response = client_for(manager).post(
        reverse("contracts:contract_close", kwargs={"pk": 0}), {"status": "ended", "reason": "x"}
    )
    assert response.status_code == 404


def test_it_terminates_a_contract_with_its_reason(world: World, manager: User) -> None:
    client = client_for(manager)
    reason = "Three months in a row below 75 points."
    response = client.post(url(world.contract_a), {"status": "terminated", "reason": reason})
    assert response.status_code == 302
    contract = world.contract_a
    contract.refresh_from_db()
    assert contract.status == Contract.Status.TERMINATED
    assert contract.status_reason == reason
    assert AuditEvent.objects.get(action="contract.terminated").reason == reason
    content = page(client.get(response["Location"]))
    assert f"Contract {contract.number} is terminated." in content
    assert reason in content
    assert "This contract is closed" in content


def test_it_ends_a_contract(world: World, manager: User) -> None:
    response = client_for(manager).post(
        url(world.contract_b), {"status": "ended", "reason": "The term is over."}
    )
    assert response.status_code == 302
    world.contract_b.refresh_from_db()
    assert world.contract_b.status == Contract.Status.ENDED


def test_it_wants_a_reason(world: World, manager: User) -> None:
    response = client_for(manager).post(
        url(world.contract_a), {"status": "terminated", "reason": ""}
    )
    assert response.status_code == 400
    content = page(response)
    assert "Say why the contract is being closed." in content
    assert content.index("Say why the contract is being closed.") > content.index('name="reason"')
    world.contract_a.refresh_from_db()
    assert world.contract_a.status == Contract.Status.ACTIVE


def test_it_refuses_to_close_a_draft(world: World, manager: User) -> None:
    draft = testing.make_contract(world.provider_a, world.zones, by=manager, active=False)
    response = client_for(manager).post(url(draft), {"status": "ended", "reason": "Never mind"})
    assert response.status_code == 400
    assert "Only an active contract can be ended or terminated; this one is Draft." in page(
        response
    )
    draft.refresh_from_db()
    assert draft.status == Contract.Status.DRAFT


def test_it_refuses_an_unknown_way_of_closing(world: World, manager: User) -> None:
    response = client_for(manager).post(url(world.contract_a), {"status": "active", "reason": "x"})
    assert response.status_code == 400
    assert "Select a valid choice." in page(response)
    world.contract_a.refresh_from_db()
    assert world.contract_a.status == Contract.Status.ACTIVE
