"""Editing a version's terms: money terms, standards, pay bands and clauses."""

import html
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.contracts import services
from parkpact.contracts.models import (
    Clause,
    Contract,
    ContractVersion,
    PayBand,
    PerformanceStandard,
)
from parkpact.core.models import User

LOCKED = "These terms are in force and can no longer be edited: change them through an amendment."


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def draft(world: World, manager: User) -> Contract:
    return testing.make_contract(world.provider_a, world.zones, by=manager, active=False)


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def version_url(contract: Contract, number: int = 1) -> str:
    return reverse("contracts:version_update", kwargs={"pk": contract.pk, "number": number})


def create_url(contract: Contract, kind: str, number: int = 1) -> str:
    return reverse(
        "contracts:term_part_create", kwargs={"pk": contract.pk, "number": number, "kind": kind}
    )


def update_url(contract: Contract, kind: str, part_pk: int) -> str:
    return reverse(
        "contracts:term_part_update", kwargs={"pk": contract.pk, "kind": kind, "part_pk": part_pk}
    )


def delete_url(contract: Contract, kind: str, part_pk: int) -> str:
    return reverse(
        "contracts:term_part_delete", kwargs={"pk": contract.pk, "kind": kind, "part_pk": part_pk}
    )


def standard_data(**changes: Any) -> dict[str, Any]:
    data = {
        "code": "CL-09",
        "name": "Toilet odour",
        "measurement": "NH3 at the toilet block, ppm, by sensor.",
        "target": "≤ 1 ppm",
        "acceptable_quality_level": "95",
        "method": PerformanceStandard.Method.SENSOR,
        "source": PerformanceStandard.Source.SENSORS,
        "rule": PerformanceStandard.Rule.PER_OCCURRENCE,
        "weight": "5",
        "points_per_occurrence": "1",
        "monthly_cap": "5",
        "rectification_hours": "2",
        "zone_kinds": ["lawn", "path"],
        "limit_is_maximum": "on",
    }
    return {**data, **changes}


def money_data(**changes: Any) -> dict[str, Any]:
    data = {
        "monthly_fee": "125000.00",
        "retention_rate": "0.03",
        "termination_score": "70",
        "termination_months": "2",
        "exceptional_score": "95",
        "very_good_score": "90",
        "satisfactory_score": "80",
        "marginal_score": "70",
        "appeal_working_days": "5",
    }
    return {**data, **changes}


# --- who may edit ---------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(draft: Contract) -> None:
    response = client_for(None).get(create_url(draft, "standards"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "auditor", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_contracts(
    draft: Contract, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    standard = draft.versions.get().standards.first()
    assert standard is not None
    assert client.post(create_url(draft, "standards"), standard_data()).status_code == 403
    assert client.post(version_url(draft), money_data()).status_code == 403
    assert client.post(delete_url(draft, "standards", standard.pk)).status_code == 403
    assert PerformanceStandard.objects.filter(pk=standard.pk).exists()
    assert not PerformanceStandard.objects.filter(code="CL-09").exists()


def test_it_refuses_rating_thresholds_out_of_order(draft: Contract, manager: User) -> None:
    response = client_for(manager).post(
        version_url(draft), money_data(very_good_score="96", monthly_fee="1.00")
    )
    assert response.status_code == 400
    assert "Exceptional" in page(response)
    assert draft.versions.get().monthly_fee != Decimal("1.00")


def test_it_answers_404_for_an_unknown_kind_of_term(draft: Contract, manager: User) -> None:
    response = client_for(manager).get(create_url(draft, "penalties"))
    assert response.status_code == 404


# --- money terms ----------------------------------------------------------------------------


def test_it_changes_a_drafts_money_terms(draft: Contract, manager: User) -> None:
    client = client_for(manager)
    assert client.get(version_url(draft)).status_code == 200
    response = client.post(version_url(draft), money_data())
    assert response.status_code == 302
    version = draft.versions.get()
    assert version.monthly_fee == Decimal("125000.00")
    assert version.retention_rate == Decimal("0.03")
    assert "¥125,000.00" in page(client.get(response["Location"]))


def test_it_refuses_a_fee_of_nothing(draft: Contract, manager: User) -> None:
    response = client_for(manager).post(version_url(draft), money_data(monthly_fee="0"))
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 0.01." in page(response)
    assert draft.versions.get().monthly_fee == Decimal("120000.00")


def test_it_refuses_to_change_terms_in_force_without_an_amendment(
    world: World, manager: User
) -> None:
    response = client_for(manager).post(version_url(world.contract_a), money_data())
    assert response.status_code == 400
    assert LOCKED in page(response)
    assert world.contract_a.versions.get().monthly_fee == Decimal("120000.00")


def test_it_does_not_offer_to_edit_terms_in_force(world: World, manager: User) -> None:
    client = client_for(manager)
    detail = page(client.get(reverse("contracts:contract_detail", args=[world.contract_a.pk])))
    assert version_url(world.contract_a) not in detail
    assert create_url(world.contract_a, "standards") not in detail
    response = client.get(create_url(world.contract_a, "standards"), follow=True)
    assert LOCKED in page(response)


# --- standards, pay bands, clauses ----------------------------------------------------------


def test_it_adds_changes_and_deletes_a_standard(draft: Contract, manager: User) -> None:
    client = client_for(manager)
    assert client.get(create_url(draft, "standards")).status_code == 200
    response = client.post(create_url(draft, "standards"), standard_data())
    assert response.status_code == 302
    standard = PerformanceStandard.objects.get(version__contract=draft, code="CL-09")
    assert "Toilet odour" in page(client.get(response["Location"]))

    response = client.post(
        update_url(draft, "standards", standard.pk), standard_data(name="Toilet smell")
    )
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.name == "Toilet smell"

    response = client.post(delete_url(draft, "standards", standard.pk))
    assert response.status_code == 302
    assert not PerformanceStandard.objects.filter(pk=standard.pk).exists()
    assert "The performance standard is deleted." in page(client.get(response["Location"]))


def test_it_refuses_a_cap_above_the_weight(draft: Contract, manager: User) -> None:
    response = client_for(manager).post(
        create_url(draft, "standards"), standard_data(monthly_cap="8")
    )
    assert response.status_code == 400
    assert "The monthly cap cannot exceed the standard's weight." in page(response)
    assert not PerformanceStandard.objects.filter(code="CL-09").exists()


def test_it_refuses_a_standard_code_used_twice(draft: Contract, manager: User) -> None:
    response = client_for(manager).post(create_url(draft, "standards"), standard_data(code="CL-01"))
    assert response.status_code == 400
    assert "already exists" in page(response)
    assert draft.versions.get().standards.filter(code="CL-01").count() == 1


def test_it_adds_a_pay_band_and_says_when_one_is_inconsistent(
    draft: Contract, manager: User
) -> None:
    client = client_for(manager)
    PayBand.objects.filter(version__contract=draft, min_score=0).delete()
    bad = client.post(
        create_url(draft, "pay-bands"),
        {
            "min_score": "0",
            "max_score": "90",
            "payment_factor": "0.8",
            "proportional": "on",
            "bonus_rate": "0",
        },
    )
    assert bad.status_code == 400
    assert "Leave the factor empty for a band paid in proportion to the score." in page(bad)
    assert draft.versions.get().pay_bands.count() == 2

    good = client.post(
        create_url(draft, "pay-bands"),
        {"min_score": "0", "max_score": "90", "payment_factor": "0.8", "bonus_rate": "0"},
    )
    assert good.status_code == 302
    assert (
        draft.versions.get().pay_bands.filter(min_score=0, payment_factor=Decimal("0.8")).exists()
    )


def test_it_adds_a_clause(draft: Contract, manager: User) -> None:
    client = client_for(manager)
    response = client.post(
        create_url(draft, "clauses"),
        {
            "number": "7",
            "title": "Rectification",
            "text": "The provider rectifies a finding within 24 hours.",
            "responsible_party": Clause.Party.PROVIDER,
            "legal_basis": "Civil Code, art. 577",
        },
    )
    assert response.status_code == 302
    assert "The provider rectifies a finding within 24 hours." in page(
        client.get(response["Location"])
    )


def test_it_refuses_to_add_change_or_delete_terms_in_force(world: World, manager: User) -> None:
    contract = world.contract_a
    client = client_for(manager)
    standard = contract.versions.get().standards.get(code="CL-01")

    added = client.post(create_url(contract, "standards"), standard_data())
    assert added.status_code == 400
    assert LOCKED in page(added)

    changed = client.post(
        update_url(contract, "standards", standard.pk), standard_data(code="CL-01", weight="60")
    )
    assert changed.status_code == 400
    assert LOCKED in page(changed)

    deleted = client.post(delete_url(contract, "standards", standard.pk), follow=True)
    assert LOCKED in page(deleted)

    standard.refresh_from_db()
    assert standard.name == "Standard CL-01"
    assert contract.versions.get().standards.count() == 2


def test_it_edits_an_amendments_terms_and_leaves_the_terms_in_force_alone(
    world: World, manager: User
) -> None:
    today = timezone.localdate()
    contract = testing.make_contract(
        world.provider_b,
        [testing.make_zone(world.park, x=10)],
        by=manager,
        start=today - timedelta(days=10),
        end=today + timedelta(days=300),
    )
    amendment = services.draft_amendment(
        contract=contract,
        by=manager,
        reason="Add odour sensing",
        effective_from=today + timedelta(days=5),
    )
    client = client_for(manager)
    detail = page(
        client.get(reverse("contracts:contract_detail", args=[contract.pk]), {"version": 2})
    )
    assert create_url(contract, "standards", 2) in detail

    response = client.post(create_url(contract, "standards", 2), standard_data())
    assert response.status_code == 302
    response = client.post(
        version_url(contract, 2),
        money_data(effective_from=str(today + timedelta(days=15))),
    )
    assert response.status_code == 302

    assert amendment.version.standards.filter(code="CL-09").exists()
    version_1 = ContractVersion.objects.get(contract=contract, number=1)
    assert not version_1.standards.filter(code="CL-09").exists()
    assert version_1.monthly_fee == Decimal("120000.00")
    amendment.version.refresh_from_db()
    assert amendment.version.effective_from == today + timedelta(days=15)
