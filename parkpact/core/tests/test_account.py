"""A person's own API tokens: created once and shown once, revoked, never someone else's."""

import pytest

from conftest import client_for
from parkpact.core.models import ApiToken, AuditEvent, Role, User
from parkpact.core.services import user_for_api_token
from parkpact.testing import make_user


@pytest.mark.django_db
def test_it_shows_a_new_token_once_and_it_works(inspector: User) -> None:
    client = client_for(inspector)
    response = client.post("/account/", {"name": "Field tablet"}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Copy it now" in page
    token = ApiToken.objects.get(user=inspector)
    key = page.split('id="new-token">')[1].split("<")[0]
    assert key.startswith(token.prefix) and user_for_api_token(key) == inspector
    assert key not in client.get("/account/").content.decode()
    assert AuditEvent.objects.filter(action="api_token.issue").exists()


@pytest.mark.django_db
def test_it_needs_a_name(inspector: User) -> None:
    response = client_for(inspector).post("/account/", {"name": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_it_revokes_only_ones_own_token(inspector: User) -> None:
    client_for(inspector).post("/account/", {"name": "Script"})
    token = ApiToken.objects.get()
    other = make_user(Role.MANAGER)
    assert client_for(other).post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert client_for(inspector).post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    assert client_for(None).get("/account/").status_code == 302
