import html
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import User
from parkpact.providers.credit_code import complete
from parkpact.providers.models import Provider

CREATE_URL = reverse("providers:provider_create")
GOOD_CODE = complete("91350503MA2XN7K1")


pytestmark = pytest.mark.usefixtures("english")


def update_url(provider: Provider) -> str:
    return reverse("providers:provider_update", kwargs={"pk": provider.pk})


def provider_data(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "Quanzhou Greenway Property Services Co., Ltd.",
        "short_name": "Greenway",
        "credit_code": GOOD_CODE,
        "address": "Fengze District, Quanzhou",
        "contact_name": "Lin",
        "contact_phone": "0595-22000000",
        "email": "office@greenway.example",
    }
    return {**data, **changes}


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = client_for(None).get(CREATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["inspector", "auditor", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_providers(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.post(CREATE_URL, provider_data()).status_code == 403
    assert client.post(update_url(world.provider_a), provider_data()).status_code == 403
    assert not Provider.objects.filter(credit_code=GOOD_CODE).exists()


def test_it_adds_a_company(db: None, manager: User) -> None:
    client = client_for(manager)
    assert client.get(CREATE_URL).status_code == 200
    response = client.post(CREATE_URL, provider_data())
    assert response.status_code == 302
    provider = Provider.objects.get(credit_code=GOOD_CODE)
    assert provider.short_name == "Greenway"
    assert "Provider Greenway added." in page(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            GOOD_CODE[:17] + ("1" if GOOD_CODE[17] != "1" else "2"),
            "The last character does not match the check character: check the code for a typo.",
        ),
        ("91350503MA2XN7K", "A unified social credit code has exactly 18 characters."),
        (
            "91350503MA2XN7KIO1",
            "A unified social credit code uses only digits and capital letters other than I, O, S, V and Z.",
        ),
    ],
)
def test_it_shows_why_a_credit_code_is_wrong_and_saves_nothing(
    db: None, manager: User, code: str, message: str
) -> None:
    response = client_for(manager).post(CREATE_URL, provider_data(credit_code=code))
    assert response.status_code == 400
    content = page(response)
    assert message in content
    assert content.index(message) > content.index('name="credit_code"')
    assert not Provider.objects.exists()


def test_it_refuses_a_credit_code_already_registered(world: World, manager: User) -> None:
    response = client_for(manager).post(
        CREATE_URL, provider_data(credit_code=world.provider_a.credit_code)
    )
    assert response.status_code == 400
    assert "already exists" in page(response)
    assert Provider.objects.filter(credit_code=world.provider_a.credit_code).count() == 1


def test_it_changes_a_company(world: World, manager: User) -> None:
    provider = world.provider_a
    response = client_for(manager).post(
        update_url(provider),
        provider_data(name=provider.name, credit_code=provider.credit_code, contact_name="Chen"),
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.contact_name == "Chen"


def test_it_leaves_a_company_unchanged_when_the_new_code_is_wrong(
    world: World, manager: User
) -> None:
    provider = world.provider_a
    old_code = provider.credit_code
    broken = old_code[:17] + ("1" if old_code[17] != "1" else "2")
    response = client_for(manager).post(
        update_url(provider), provider_data(credit_code=broken, contact_name="Chen")
    )
    assert response.status_code == 400
    assert "does not match the check character" in page(response)
    provider.refresh_from_db()
    assert (provider.credit_code, provider.contact_name) == (old_code, "")
