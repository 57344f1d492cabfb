"""GET /api/v1/providers and /api/v1/providers/{id}: centre staff see all, provider staff their own."""

from datetime import date, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import Role, User
from parkpact.providers.models import Qualification
from parkpact.providers.services import add_qualification


def test_it_refuses_anonymous_callers(world: World) -> None:
    assert Client().get("/api/v1/providers").status_code == 401
    response = Client().get(f"/api/v1/providers/{world.provider_a.pk}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_it_lists_every_provider_to_centre_staff(world: World, finance: User) -> None:
    body = client_for(finance).get("/api/v1/providers").json()
    assert body["count"] == 2
    assert {p["id"] for p in body["items"]} == {world.provider_a.pk, world.provider_b.pk}


def test_it_lists_only_their_own_company_to_provider_staff(
    world: World, provider_a_user: User
) -> None:
    body = client_for(provider_a_user).get("/api/v1/providers").json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == world.provider_a.pk


def test_it_lists_nothing_to_provider_staff_without_a_company(world: World) -> None:
    """The wrong role: a provider account that no company has claimed sees no company."""
    stray = testing.make_user(Role.PROVIDER)
    assert client_for(stray).get("/api/v1/providers").json()["count"] == 0
    response = client_for(stray).get(f"/api/v1/providers/{world.provider_a.pk}")
    assert response.status_code == 404


def test_it_shows_a_provider_with_its_qualifications(world: World, manager: User) -> None:
    today = timezone.localdate()
    add_qualification(
        provider=world.provider_a,
        by=manager,
        kind=Qualification.Kind.CLEANING_GRADE,
        number="QG-1",
        valid_until=today + timedelta(days=30),
    )
    add_qualification(
        provider=world.provider_a,
        by=manager,
        kind=Qualification.Kind.ISO_9001,
        number="ISO-2",
        valid_from=date(2020, 1, 1),
        valid_until=today - timedelta(days=1),
    )
    response = client_for(manager).get(f"/api/v1/providers/{world.provider_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["credit_code"] == world.provider_a.credit_code
    qualifications = {q["number"]: q for q in body["qualifications"]}
    assert qualifications["QG-1"]["expired"] is False
    assert qualifications["QG-1"]["kind"] == "cleaning_grade"
    assert qualifications["QG-1"]["valid_until"] == (today + timedelta(days=30)).isoformat()
    assert qualifications["ISO-2"]["expired"] is True


def test_it_shows_a_provider_its_own_company(world: World, provider_a_user: User) -> None:
    response = client_for(provider_a_user).get(f"/api/v1/providers/{world.provider_a.pk}")
    assert response.status_code == 200


def test_it_hides_another_company_as_not_found(world: World, provider_a_user: User) -> None:
    response = client_for(provider_a_user).get(f"/api/v1/providers/{world.provider_b.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_lists_providers_in_a_constant_number_of_queries(
    world: World, manager: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(manager)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/providers")
    for n in range(4):
        provider = testing.make_provider()
        for kind in (Qualification.Kind.BUSINESS_LICENCE, Qualification.Kind.ISO_14001):
            add_qualification(provider=provider, by=manager, kind=kind, number=f"N-{n}")
    with django_assert_max_num_queries(len(few)):
        body = client.get("/api/v1/providers").json()
    assert body["count"] == 6
    assert sum(len(p["qualifications"]) for p in body["items"]) == 8
