import html
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import User
from parkpact.providers.models import Provider, Qualification

pytestmark = pytest.mark.usefixtures("english")


def url(provider: Provider) -> str:
    return reverse("providers:qualification_create", kwargs={"pk": provider.pk})


def qualification_data(**changes: Any) -> dict[str, Any]:
    data = {
        "kind": Qualification.Kind.SECURITY_PERMIT,
        "number": "QZ-BA-2024-017",
        "issued_by": "Quanzhou Public Security Bureau",
        "valid_from": "2024-03-01",
        "valid_until": "2027-02-28",
    }
    return {**data, **changes}


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    response = client_for(None).get(url(world.provider_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "finance", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_providers(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(persona)).post(
        url(world.provider_a), qualification_data()
    )
    assert response.status_code == 403
    assert not Qualification.objects.exists()


def test_it_adds_a_qualification(world: World, manager: User) -> None:
    client = client_for(manager)
    assert client.get(url(world.provider_b)).status_code == 200
    response = client.post(url(world.provider_b), qualification_data())
    assert response.status_code == 302
    qualification = Qualification.objects.get(provider=world.provider_b)
    assert str(qualification.valid_until) == "2027-02-28"
    detail = html.unescape(client.get(response["Location"]).content.decode())
    assert "QZ-BA-2024-017" in detail
    assert "Security service permit" in detail


def test_it_refuses_an_expiry_before_the_start(world: World, manager: User) -> None:
    response = client_for(manager).post(
        url(world.provider_a), qualification_data(valid_until="2023-01-01")
    )
    assert response.status_code == 400
    assert "The expiry date is before the start date." in response.content.decode()
    assert not Qualification.objects.exists()


def test_it_refuses_the_same_qualification_twice(world: World, manager: User) -> None:
    client = client_for(manager)
    client.post(url(world.provider_a), qualification_data())
    response = client.post(url(world.provider_a), qualification_data(issued_by="Again"))
    assert response.status_code == 400
    assert "already exists" in html.unescape(response.content.decode())
    assert Qualification.objects.count() == 1
