"""GET /api/v1/me: who the caller is."""

from django.test import Client

from conftest import World, client_for
from parkpact.core.models import User

ME = "/api/v1/me"


def test_it_refuses_an_anonymous_caller(db: None) -> None:
    assert Client().get(ME).status_code == 401


def test_it_describes_centre_staff(auditor: User) -> None:
    assert client_for(auditor).get(ME).json() == {
        "id": auditor.pk,
        "username": "auditor",
        "name": "",
        "role": "auditor",
        "provider": None,
    }


def test_it_names_a_providers_company(world: World, provider_a_user: User) -> None:
    body = client_for(provider_a_user).get(ME).json()
    assert body["role"] == "provider"
    assert body["provider"] == world.provider_a.pk
