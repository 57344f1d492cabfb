import html
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.contracts.models import Contract
from parkpact.core.models import User

CREATE_URL = reverse("contracts:contract_create")


pytestmark = pytest.mark.usefixtures("english")


def update_url(contract: Contract) -> str:
    return reverse("contracts:contract_update", kwargs={"pk": contract.pk})


def contract_data(world: World, **changes: Any) -> dict[str, Any]:
    data = {
        "number": "QZ-2026-009",
        "title": "Sanitary cleaning of the east lawns",
        "provider": world.provider_b.pk,
        "service_kind": Contract.ServiceKind.CLEANING,
        "zones": [world.zones[2].pk],
        "start_date": "2026-03-01",
        "end_date": "2028-02-29",
        "signed_on": "2026-02-15",
        "monthly_fee": "98500.00",
        "retention_rate": "0.05",
    }
    return {**data, **changes}


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = client_for(None).get(CREATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "finance", "auditor", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_contracts(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, contract_data(world)).status_code == 403
    assert not Contract.objects.filter(number="QZ-2026-009").exists()


def test_it_offers_the_zones_grouped_by_park(world: World, manager: User) -> None:
    other = testing.make_park("Xihu")
    elsewhere = testing.make_zone(other, x=40)
    content = page(client_for(manager).get(CREATE_URL))
    assert world.park.name in content and other.name in content
    assert content.index(world.park.name) < content.index(world.zones[0].code)
    assert content.index(other.name) < content.index(elsewhere.code)


def test_it_creates_a_draft_contract(world: World, manager: User) -> None:
    client = client_for(manager)
    response = client.post(CREATE_URL, contract_data(world))
    assert response.status_code == 302
    contract = Contract.objects.get(number="QZ-2026-009")
    assert contract.status == Contract.Status.DRAFT
    assert contract.provider == world.provider_b
    assert list(contract.zones.all()) == [world.zones[2]]
    version = contract.versions.get()
    assert version.monthly_fee == Decimal("98500.00")
    assert version.retention_rate == Decimal("0.05")
    detail = page(client.get(response["Location"]))
    assert "Draft contract QZ-2026-009 created" in detail
    assert "¥98,500.00" in detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_date": "2026-02-01"}, "The contract must end after it starts."),
        ({"zones": []}, "This field is required."),
        ({"monthly_fee": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ({"retention_rate": "0.5"}, "Ensure this value is less than or equal to 0.3."),
    ],
)
def test_it_shows_what_is_wrong_and_saves_nothing(
    world: World, manager: User, changes: dict[str, Any], message: str
) -> None:
    response = client_for(manager).post(CREATE_URL, contract_data(world, **changes))
    assert response.status_code == 400
    assert message in page(response)
    assert not Contract.objects.filter(number="QZ-2026-009").exists()


def test_it_refuses_a_number_already_used(world: World, manager: User) -> None:
    response = client_for(manager).post(
        CREATE_URL, contract_data(world, number=world.contract_a.number)
    )
    assert response.status_code == 400
    assert "Contract with this Contract number already exists." in page(response)
    assert Contract.objects.count() == 2


def test_it_changes_a_draft(world: World, manager: User) -> None:
    draft = testing.make_contract(world.provider_a, world.zones[:1], by=manager, active=False)
    client = client_for(manager)
    assert client.get(update_url(draft)).status_code == 200
    data = contract_data(
        world, number=draft.number, title="Renamed", zones=[z.pk for z in world.zones]
    )
    del data["monthly_fee"], data["retention_rate"]
    response = client.post(update_url(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Renamed"
    assert draft.zones.count() == 3
    assert str(draft.versions.get().effective_from) == "2026-03-01"


def test_it_refuses_to_change_an_active_contract_directly(world: World, manager: User) -> None:
    contract = world.contract_a
    data = contract_data(world, number=contract.number, title="Renamed")
    response = client_for(manager).post(update_url(contract), data)
    assert response.status_code == 400
    assert "These terms are in force and can no longer be edited" in page(response)
    contract.refresh_from_db()
    assert contract.title != "Renamed"
