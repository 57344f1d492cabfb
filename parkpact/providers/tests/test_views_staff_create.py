import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import AuditEvent, Role, User
from parkpact.providers.models import Provider, StaffMember

pytestmark = pytest.mark.usefixtures("english")

NEW_PASSWORD = "lotus-pond-lantern-7"


def url(provider: Provider) -> str:
    return reverse("providers:staff_create", kwargs={"pk": provider.pk})


def detail_url(provider: Provider) -> str:
    return reverse("providers:provider_detail", kwargs={"pk": provider.pk})


def account_data(**changes: Any) -> dict[str, Any]:
    data = {
        "username": "chen.jing",
        "first_name": "Jing",
        "last_name": "Chen",
        "email": "chen.jing@example.com",
        "position": "Site supervisor",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    return {**data, **changes}


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def row(content: str, text: str) -> str:
    """The table row that shows ``text``."""
    for found in re.findall(r"<tr[^>]*>.*?</tr>", content, flags=re.S):
        if text in found:
            return str(found)
    raise AssertionError(f"no row shows {text!r}")


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    response = client_for(None).post(url(world.provider_a), account_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
    assert not User.objects.filter(username="chen.jing").exists()


@pytest.mark.parametrize("persona", ["inspector", "finance", "auditor", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_providers(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    response = client.post(url(world.provider_a), account_data())
    assert response.status_code == 403
    assert not User.objects.filter(username="chen.jing").exists()


@pytest.mark.parametrize("persona", ["inspector", "provider_a_user"])
def test_it_offers_the_form_only_to_managers(
    world: World, persona: str, manager: User, request: pytest.FixtureRequest
) -> None:
    assert url(world.provider_a) in page(client_for(manager).get(detail_url(world.provider_a)))
    other = page(client_for(request.getfixturevalue(persona)).get(detail_url(world.provider_a)))
    assert "Add a staff account" not in other
    assert url(world.provider_a) not in other


def test_it_answers_404_for_an_unknown_company(world: World, manager: User) -> None:
    response = client_for(manager).post(
        reverse("providers:staff_create", kwargs={"pk": 0}), account_data()
    )
    assert response.status_code == 404


def test_it_adds_a_staff_account_that_can_sign_in(world: World, admin: User) -> None:
    client = client_for(admin)
    response = client.post(url(world.provider_b), account_data())
    assert response.status_code == 302
    assert response["Location"] == detail_url(world.provider_b)

    member = StaffMember.objects.select_related("user").get(user__username="chen.jing")
    assert member.provider == world.provider_b
    assert member.position == "Site supervisor"
    assert member.user.role == Role.PROVIDER
    assert member.user.get_full_name() == "Jing Chen"
    assert member.user.email == "chen.jing@example.com"
    event = AuditEvent.objects.get(action="provider.add_staff")
    assert event.actor == admin
    assert event.after is not None and event.after["user"] == member.user.pk

    detail = page(client.get(response["Location"]))
    assert "Staff account chen.jing added" in detail
    staff_row = row(detail, "chen.jing")
    assert "Jing Chen" in staff_row
    assert "Site supervisor" in staff_row
    assert "Active" in staff_row

    newcomer = Client()
    signed_in = newcomer.post(
        reverse("core:login"), {"username": "chen.jing", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert newcomer.get(detail_url(world.provider_b)).status_code == 200
    assert newcomer.get(detail_url(world.provider_a)).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"password": "12345678", "password_again": "12345678"},
            "password",
            "This password is entirely numeric.",
        ),
        (
            {"password": "short", "password_again": "short"},
            "password",
            "This password is too short.",
        ),
        (
            {"password": "chen.jing.1", "password_again": "chen.jing.1"},
            "password",
            "The password is too similar to the username.",
        ),
        (
            {"password_again": NEW_PASSWORD + "x"},
            "password_again",
            "The two passwords differ: type the same password in both fields.",
        ),
        ({"username": "not a name!"}, "username", "Enter a valid username."),
        ({"username": ""}, "username", "This field is required."),
    ],
)
def test_it_shows_why_an_account_is_refused_and_saves_nothing(
    world: World, manager: User, changes: dict[str, str], field: str, message: str
) -> None:
    response = client_for(manager).post(url(world.provider_a), account_data(**changes))
    assert response.status_code == 400
    content = page(response)
    assert message in content
    # The message sits under its own field, and the form stays open.
    assert content.index(message) > content.index(f'name="{field}"')
    assert "<details open>" in content
    assert not StaffMember.objects.filter(position="Site supervisor").exists()
    assert not AuditEvent.objects.filter(action="provider.add_staff", actor=manager).exists()


@pytest.mark.parametrize("username", ["taken", "TAKEN"])
def test_it_refuses_a_user_name_that_is_taken(
    world: World, manager: User, provider_b_user: User, username: str
) -> None:
    provider_b_user.username = "taken"
    provider_b_user.save(update_fields=["username"])
    response = client_for(manager).post(url(world.provider_a), account_data(username=username))
    assert response.status_code == 400
    assert "This user name is taken" in page(response)
    assert User.objects.filter(username__iexact="taken").count() == 1
    assert not StaffMember.objects.filter(provider=world.provider_a).exists()


def test_it_does_not_echo_the_passwords_back(world: World, manager: User) -> None:
    response = client_for(manager).post(url(world.provider_a), account_data(username=""))
    assert response.status_code == 400
    assert NEW_PASSWORD not in response.content.decode()
    content = page(response)
    assert "chen.jing@example.com" in content
    assert 'autocomplete="username"' not in content
