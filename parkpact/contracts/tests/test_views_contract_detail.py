import html
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.contracts import services
from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.core.models import User

pytestmark = pytest.mark.usefixtures("english")


def url(contract: Contract) -> str:
    return reverse("contracts:contract_detail", kwargs={"pk": contract.pk})


def page(response: Any) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def amended(world: World, manager: User, second_manager: User) -> Contract:
    """A contract running today whose fee rises from next month, by an approved amendment."""
    today = timezone.localdate()
    contract = testing.make_contract(
        world.provider_a,
        [testing.make_zone(world.park, x=10)],
        by=manager,
        start=today - timedelta(days=60),
        end=today + timedelta(days=400),
    )
    amendment = services.draft_amendment(
        contract=contract,
        by=manager,
        reason="Wage rise for cleaning staff",
        effective_from=today + timedelta(days=30),
    )
    services.update_version(version=amendment.version, by=manager, monthly_fee=Decimal("135000.50"))
    services.approve_amendment(amendment=amendment, by=second_manager, note="Within budget")
    return contract


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    response = client_for(None).get(url(world.contract_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_it_answers_404_for_another_companys_contract(world: World, provider_b_user: User) -> None:
    assert client_for(provider_b_user).get(url(world.contract_a)).status_code == 404


def test_it_answers_404_for_an_unknown_version(world: World, inspector: User) -> None:
    response = client_for(inspector).get(url(world.contract_a), {"version": "7"})
    assert response.status_code == 404


def test_it_shows_the_contract_and_its_terms_in_force_today(world: World, inspector: User) -> None:
    content = page(client_for(inspector).get(url(world.contract_a)))
    contract = world.contract_a
    assert contract.number in content
    assert contract.title in content
    assert world.provider_a.name in content
    assert "Sanitary cleaning" in content
    assert "2026-01-01 – 2027-12-31" in content
    for zone in world.zones[:2]:
        assert f"{zone.code} {zone.name}" in content
    assert world.zones[2].name not in content
    assert "In force today" in content
    assert "¥120,000.00" in content
    assert "5 % of each payment" in content
    # Standards, pay bands and clauses of version 1.
    assert "Standard CL-01" in content and "Standard CL-02" in content
    assert "Inspectors count items per 100 m²." in content
    assert "Random sample" in content
    assert "the fee × score ÷ 100" in content
    assert "100 % of the fee" in content
    assert "2 %" in content  # the top band's bonus
    assert "The provider cleans the zones in scope." in content
    assert "Government Procurement Law, art. 43" in content


def test_it_shows_provider_staff_their_contract_read_only(
    world: World, provider_a_user: User
) -> None:
    client = client_for(provider_a_user)
    content = page(client.get(url(world.contract_a)))
    assert "¥120,000.00" in content
    for action in ("Actions", "Draft an amendment", "End or terminate", "Edit money terms"):
        assert action not in content
    # Their own company's page is reached from here.
    provider_page = reverse("providers:provider_detail", kwargs={"pk": world.provider_a.pk})
    assert provider_page in content
    assert client.get(provider_page).status_code == 200


def test_it_reads_any_version_and_keeps_today_s_terms_by_default(
    amended: Contract, inspector: User
) -> None:
    client = client_for(inspector)
    today_page = page(client.get(url(amended)))
    assert "¥120,000.00" in today_page
    assert "¥135,000.50" not in today_page
    assert "In force today" in today_page

    version_2 = page(client.get(url(amended), {"version": "2"}))
    assert "¥135,000.50" in version_2
    assert "In force today" not in version_2

    version_1 = page(client.get(url(amended), {"version": "1"}))
    assert "¥120,000.00" in version_1


def test_it_shows_the_amendment_history(
    amended: Contract, inspector: User, manager: User, second_manager: User
) -> None:
    content = page(client_for(inspector).get(url(amended)))
    assert "Wage rise for cleaning staff" in content
    assert "Approved" in content
    assert manager.username in content
    assert second_manager.username in content
    assert "Within budget" in content
    assert str(timezone.localdate() + timedelta(days=30)) in content


def test_it_lists_what_a_draft_still_lacks(world: World, manager: User) -> None:
    draft = services.create_contract(
        by=manager,
        provider=world.provider_a,
        zones=world.zones,
        number="QZ-DRAFT",
        title="Security of the lakeshore",
        service_kind=Contract.ServiceKind.SECURITY,
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + timedelta(days=365),
        monthly_fee=Decimal(80000),
        retention_rate=Decimal("0.05"),
    )
    content = page(client_for(manager).get(url(draft)))
    assert "Draft: not yet in force" in content
    assert "Add at least one performance standard." in content
    assert "Add pay bands that cover scores from 0 to 100." in content
    assert "Activate contract" in content


def test_it_uses_the_same_queries_however_many_zones_and_terms(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    draft = testing.make_contract(world.provider_a, world.zones[:1], by=manager, active=False)
    client = client_for(manager)
    with CaptureQueriesContext(connection) as baseline:
        client.get(url(draft))
    version = draft.versions.get()
    for n in range(8):
        services.save_term_part(
            part=PerformanceStandard(
                version=version,
                code=f"EX-{n:02}",
                name=f"Extra standard {n}",
                measurement="Counted.",
                target="None",
                acceptable_quality_level=Decimal(90),
                method=PerformanceStandard.Method.PERIODIC,
                weight=Decimal(1),
                points_per_occurrence=Decimal(1),
                monthly_cap=Decimal(1),
            ),
            by=manager,
        )
    services.update_draft_contract(
        contract=draft,
        by=manager,
        zones=[*world.zones, *(testing.make_zone(world.park, x=x) for x in range(5, 12))],
    )
    with django_assert_max_num_queries(len(baseline)):
        content = page(client.get(url(draft)))
    assert content.count("Extra standard") == 8
