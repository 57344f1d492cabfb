import html
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.contracts import services
from parkpact.contracts.models import Amendment, Contract, PayBand
from parkpact.core.models import User

FOUR_EYES = "Someone other than the drafter must decide on an amendment."


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def contract(world: World, manager: User) -> Contract:
    """An active contract running today, with a year still to go."""
    today = timezone.localdate()
    return testing.make_contract(
        world.provider_a,
        [testing.make_zone(world.park, x=10)],
        by=manager,
        start=today - timedelta(days=30),
        end=today + timedelta(days=365),
    )


@pytest.fixture
def amendment(contract: Contract, manager: User) -> Amendment:
    return services.draft_amendment(
        contract=contract,
        by=manager,
        reason="Longer opening hours in summer",
        effective_from=next_month(),
    )


def next_month() -> date:
    return timezone.localdate() + timedelta(days=31)


def draft_url(contract: Contract) -> str:
    return reverse("contracts:amendment_draft", kwargs={"pk": contract.pk})


def approve_url(amendment: Amendment) -> str:
    return reverse(
        "contracts:amendment_approve",
        kwargs={"pk": amendment.contract_id, "amendment_pk": amendment.pk},
    )


def reject_url(amendment: Amendment) -> str:
    return reverse(
        "contracts:amendment_reject",
        kwargs={"pk": amendment.contract_id, "amendment_pk": amendment.pk},
    )


def detail(client: Any, contract: Contract, **params: Any) -> str:
    response = client.get(reverse("contracts:contract_detail", args=[contract.pk]), params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


# --- drafting -------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(contract: Contract) -> None:
    response = client_for(None).post(draft_url(contract), {"reason": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "auditor", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_contracts(
    contract: Contract, amendment: Amendment, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    data = {"reason": "Because", "effective_from": str(next_month()), "note": "ok"}
    assert client.post(draft_url(contract), data).status_code == 403
    assert client.post(approve_url(amendment), data).status_code == 403
    assert client.post(reject_url(amendment), data).status_code == 403
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.DRAFT


def test_it_drafts_an_amendment_as_a_new_version(contract: Contract, manager: User) -> None:
    client = client_for(manager)
    response = client.post(
        draft_url(contract),
        {"reason": "Add the new toilet block", "effective_from": str(next_month())},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?version=2")
    amendment = Amendment.objects.get(contract=contract)
    assert amendment.status == Amendment.Status.DRAFT
    assert amendment.drafted_by == manager
    assert amendment.version.number == 2
    content = page(client.get(response["Location"]))
    assert "Amendment drafted as version 2" in content
    assert "Draft: not yet in force" in content
    assert "Add the new toilet block" in content


def test_it_wants_a_reason(contract: Contract, manager: User) -> None:
    response = client_for(manager).post(
        draft_url(contract), {"reason": "  ", "effective_from": str(next_month())}
    )
    assert response.status_code == 400
    content = page(response)
    assert "Say why the contract is being amended." in content
    # Beside the reason field, in the opened form.
    assert content.index("Say why the contract is being amended.") > content.index('name="reason"')
    assert not Amendment.objects.exists()


def test_it_wants_a_date_within_the_term(contract: Contract, manager: User) -> None:
    response = client_for(manager).post(
        draft_url(contract),
        {"reason": "Late change", "effective_from": str(contract.end_date + timedelta(days=1))},
    )
    assert response.status_code == 400
    assert "The amendment must take effect after" in page(response)
    assert not Amendment.objects.exists()
    assert contract.versions.count() == 1


def test_it_refuses_a_second_draft(contract: Contract, amendment: Amendment, manager: User) -> None:
    response = client_for(manager).post(
        draft_url(contract), {"reason": "Another", "effective_from": str(next_month())}
    )
    assert response.status_code == 400
    assert "This contract already has an amendment in draft" in page(response)
    assert Amendment.objects.count() == 1


def test_it_refuses_to_amend_a_draft_contract(world: World, manager: User) -> None:
    draft = testing.make_contract(world.provider_a, world.zones, by=manager, active=False)
    response = client_for(manager).post(
        draft_url(draft), {"reason": "Why not", "effective_from": "2026-06-01"}
    )
    assert response.status_code == 400
    assert "Only an active contract can be amended" in page(response)


# --- deciding -------------------------------------------------------------------------------


def test_it_does_not_offer_the_drafter_the_decision(
    contract: Contract, amendment: Amendment, manager: User, second_manager: User
) -> None:
    drafter_view = detail(client_for(manager), contract)
    assert FOUR_EYES in drafter_view
    assert approve_url(amendment) not in drafter_view
    assert approve_url(amendment) in detail(client_for(second_manager), contract)


def test_it_refuses_the_drafter_approving_their_own_amendment(
    contract: Contract, amendment: Amendment, manager: User
) -> None:
    response = client_for(manager).post(approve_url(amendment), {"note": "Looks fine to me"})
    assert response.status_code == 400
    assert FOUR_EYES in page(response)
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.DRAFT
    assert not amendment.version.in_force


def test_it_puts_the_amendment_in_force_when_another_manager_approves(
    contract: Contract, amendment: Amendment, manager: User, second_manager: User
) -> None:
    services.update_version(version=amendment.version, by=manager, monthly_fee=Decimal("150000.00"))
    client = client_for(second_manager)
    response = client.post(approve_url(amendment), {"note": "Budget approved by the board"})
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.APPROVED
    assert amendment.decided_by == second_manager
    assert amendment.version.in_force
    content = page(client.get(response["Location"]))
    assert "The amendment is approved: version 2 is in force from" in content
    assert "¥150,000.00" in content
    assert "Budget approved by the board" in content


def test_it_refuses_to_approve_incomplete_terms(
    contract: Contract, amendment: Amendment, second_manager: User
) -> None:
    PayBand.objects.filter(version=amendment.version, min_score=0).delete()
    response = client_for(second_manager).post(approve_url(amendment))
    assert response.status_code == 400
    assert "The pay bands leave scores below 90" in page(response)
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.DRAFT


def test_it_wants_a_note_to_reject(
    contract: Contract, amendment: Amendment, second_manager: User
) -> None:
    response = client_for(second_manager).post(reject_url(amendment), {"note": ""})
    assert response.status_code == 400
    assert "Say why the amendment is rejected." in page(response)
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.DRAFT


def test_it_rejects_an_amendment(
    contract: Contract, amendment: Amendment, second_manager: User
) -> None:
    client = client_for(second_manager)
    response = client.post(reject_url(amendment), {"note": "Not in this year's budget"})
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.REJECTED
    assert not amendment.version.in_force
    content = detail(client, contract)
    assert "Not in this year's budget" in content
    assert "Rejected" in content
