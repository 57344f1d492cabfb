"""GET /api/v1/contracts, /contracts/{id} and /contracts/{id}/versions/{number}."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from conftest import World, client_for
from parkpact import testing
from parkpact.contracts import services
from parkpact.contracts.models import Amendment
from parkpact.core.models import Role, User


@pytest.fixture
def amended(world: World, manager: User, second_manager: User) -> Amendment:
    """Contract A with a second version in force since yesterday: a higher fee."""
    amendment = services.draft_amendment(
        contract=world.contract_a,
        by=manager,
        reason="More lawn to clean",
        effective_from=timezone.localdate() - timedelta(days=1),
    )
    services.update_version(version=amendment.version, by=manager, monthly_fee=Decimal("130000.50"))
    return services.approve_amendment(amendment=amendment, by=second_manager, note="Agreed")


def test_it_refuses_anonymous_callers(world: World) -> None:
    for path in (
        "/api/v1/contracts",
        f"/api/v1/contracts/{world.contract_a.pk}",
        f"/api/v1/contracts/{world.contract_a.pk}/versions/1",
    ):
        response = Client().get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_it_lists_every_contract_to_centre_staff(world: World, auditor: User) -> None:
    body = client_for(auditor).get("/api/v1/contracts").json()
    assert body["count"] == 2
    first = next(c for c in body["items"] if c["id"] == world.contract_a.pk)
    assert first["provider"] == {"id": world.provider_a.pk, "name": world.provider_a.name}
    assert first["status"] == "active"
    assert first["service_kind"] == "cleaning"
    assert first["start_date"] == "2026-01-01"
    assert sorted(first["zones"]) == sorted(zone.pk for zone in world.zones[:2])


def test_it_lists_only_their_companys_contracts_to_provider_staff(
    world: World, provider_b_user: User
) -> None:
    body = client_for(provider_b_user).get("/api/v1/contracts").json()
    assert [c["id"] for c in body["items"]] == [world.contract_b.pk]


def test_it_lists_nothing_to_provider_staff_without_a_company(world: World) -> None:
    stray = testing.make_user(Role.PROVIDER)
    assert client_for(stray).get("/api/v1/contracts").json()["count"] == 0


def test_it_filters_contracts(world: World, manager: User) -> None:
    client = client_for(manager)
    draft = testing.make_contract(world.provider_a, world.zones[:1], by=manager, active=False)

    def ids(query: str) -> set[int]:
        return {c["id"] for c in client.get(f"/api/v1/contracts?{query}").json()["items"]}

    assert ids("status=draft") == {draft.pk}
    assert ids("status=active") == {world.contract_a.pk, world.contract_b.pk}
    assert ids("service_kind=security") == {world.contract_b.pk}
    assert ids(f"provider={world.provider_a.pk}") == {world.contract_a.pk, draft.pk}
    assert ids(f"provider={world.provider_a.pk}&status=active") == {world.contract_a.pk}


def test_it_refuses_an_unknown_status_filter(manager: User) -> None:
    response = client_for(manager).get("/api/v1/contracts?status=lost")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["fields"]) == ["status"]


def test_it_shows_a_contract_with_the_terms_in_force_today(world: World, manager: User) -> None:
    response = client_for(manager).get(f"/api/v1/contracts/{world.contract_a.pk}")
    assert response.status_code == 200
    body = response.json()
    terms = body["terms"]
    assert terms["number"] == 1
    assert terms["monthly_fee"] == "120000.00"
    assert terms["retention_rate"] == "0.0500"
    assert [s["code"] for s in terms["standards"]] == ["CL-01", "CL-02"]
    assert terms["standards"][0]["weight"] == "60.00"
    assert len(terms["pay_bands"]) == 3
    proportional = next(b for b in terms["pay_bands"] if b["proportional"])
    assert proportional["payment_factor"] is None
    assert proportional["min_score"] == "0.00"
    assert terms["clauses"][0]["legal_basis"] == "Government Procurement Law, art. 43"
    assert body["versions"] == [
        {"number": 1, "effective_from": "2026-01-01", "in_force": True, "monthly_fee": "120000.00"}
    ]
    assert body["amendments"] == []


def test_it_never_gives_money_as_a_number(world: World, manager: User) -> None:
    body = client_for(manager).get(f"/api/v1/contracts/{world.contract_a.pk}").json()
    terms = body["terms"]
    for value in (
        terms["monthly_fee"],
        terms["retention_rate"],
        terms["termination_score"],
        body["versions"][0]["monthly_fee"],
        *(band["bonus_rate"] for band in terms["pay_bands"]),
    ):
        assert isinstance(value, str)
        Decimal(value)


def test_it_shows_the_amended_terms_and_the_amendment(
    world: World, manager: User, amended: Amendment
) -> None:
    body = client_for(manager).get(f"/api/v1/contracts/{world.contract_a.pk}").json()
    assert body["terms"]["number"] == 2
    assert body["terms"]["monthly_fee"] == "130000.50"
    assert [v["number"] for v in body["versions"]] == [1, 2]
    (amendment,) = body["amendments"]
    assert amendment["id"] == amended.pk
    assert amendment["version"] == 2
    assert amendment["status"] == "approved"
    assert amendment["reason"] == "More lawn to clean"
    assert amendment["effective_from"] == amended.version.effective_from.isoformat()


def test_it_shows_no_terms_before_the_contract_starts(world: World, manager: User) -> None:
    start = timezone.localdate() + timedelta(days=30)
    future = testing.make_contract(
        world.provider_a, world.zones[2:], by=manager, start=start, end=start + timedelta(365)
    )
    body = client_for(manager).get(f"/api/v1/contracts/{future.pk}").json()
    assert body["terms"] is None
    assert body["versions"][0]["in_force"] is True


def test_it_shows_a_provider_its_own_contract(world: World, provider_a_user: User) -> None:
    response = client_for(provider_a_user).get(f"/api/v1/contracts/{world.contract_a.pk}")
    assert response.status_code == 200
    assert response.json()["terms"]["monthly_fee"] == "120000.00"


def test_it_hides_another_companys_contract_as_not_found(
    world: World, provider_a_user: User
) -> None:
    client = client_for(provider_a_user)
    for path in (
        f"/api/v1/contracts/{world.contract_b.pk}",
        f"/api/v1/contracts/{world.contract_b.pk}/versions/1",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_it_shows_any_version(world: World, inspector: User, amended: Amendment) -> None:
    client = client_for(inspector)
    first = client.get(f"/api/v1/contracts/{world.contract_a.pk}/versions/1").json()
    second = client.get(f"/api/v1/contracts/{world.contract_a.pk}/versions/2").json()
    assert first["monthly_fee"] == "120000.00"
    assert second["monthly_fee"] == "130000.50"
    assert second["contract"] == world.contract_a.pk
    assert len(second["standards"]) == 2


def test_it_says_not_found_for_an_unknown_version(world: World, manager: User) -> None:
    response = client_for(manager).get(f"/api/v1/contracts/{world.contract_a.pk}/versions/9")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_lists_contracts_in_a_constant_number_of_queries(
    world: World, manager: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(manager)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/contracts")
    for _ in range(3):
        provider = testing.make_provider()
        park = testing.make_park()
        zones = [testing.make_zone(park, x=x) for x in range(2)]
        testing.make_contract(provider, zones, by=manager)
    with django_assert_max_num_queries(len(few)):
        assert client.get("/api/v1/contracts").json()["count"] == 5


def test_it_shows_a_contract_in_a_bounded_number_of_queries(
    world: World,
    manager: User,
    amended: Amendment,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = client_for(manager)
    with django_assert_max_num_queries(10):
        client.get(f"/api/v1/contracts/{world.contract_a.pk}")
