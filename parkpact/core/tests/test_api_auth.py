"""Who may call the API: session sign-in (with CSRF on unsafe methods) and personal tokens."""

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from conftest import client_for
from parkpact.core.api import ApiError, session
from parkpact.core.models import ApiToken, User
from parkpact.core.services import issue_api_token, revoke_api_token

ME = "/api/v1/me"


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_it_refuses_an_anonymous_caller(db: None) -> None:
    response = Client().get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_it_accepts_a_signed_in_session(manager: User) -> None:
    response = client_for(manager).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "manager"


def test_it_accepts_a_valid_token(inspector: User) -> None:
    key = issue_api_token(user=inspector, name="laptop", by=inspector)
    response = bearer(key).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "inspector"
    assert ApiToken.objects.get().last_used_at is not None


def test_it_refuses_a_revoked_token(inspector: User) -> None:
    key = issue_api_token(user=inspector, name="laptop", by=inspector)
    revoke_api_token(token=ApiToken.objects.get(), by=inspector)
    response = bearer(key).get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_it_refuses_an_unknown_token(db: None) -> None:
    response = bearer("pp_not-a-real-token").get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_it_refuses_a_token_of_a_deactivated_user(inspector: User) -> None:
    key = issue_api_token(user=inspector, name="laptop", by=inspector)
    User.objects.filter(pk=inspector.pk).update(is_active=False)
    assert bearer(key).get(ME).status_code == 401


def test_it_does_not_fall_back_to_the_session_when_a_token_is_bad(manager: User) -> None:
    client = client_for(manager)
    response = client.get(ME, headers={"Authorization": "Bearer pp_wrong"})
    assert response.status_code == 401


def test_it_refuses_a_bad_token_even_on_public_endpoints(db: None) -> None:
    assert Client().get("/api/v1/parks").status_code == 200
    response = bearer("pp_wrong").get("/api/v1/parks")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_it_uses_a_token_on_public_endpoints(world: object, manager: User) -> None:
    """Centre staff see zones' QR tokens, so a token must count on public endpoints too."""
    key = issue_api_token(user=manager, name="gis", by=manager)
    feature = bearer(key).get("/api/v1/zones").json()["features"][0]
    assert feature["properties"]["qr_token"]


def test_it_requires_the_csrf_token_for_a_session_on_unsafe_methods(manager: User) -> None:
    request = RequestFactory().post("/api/v1/anything")
    request.user = manager
    request.COOKIES = {}
    with pytest.raises(ApiError) as refused:
        session(request)
    assert refused.value.status_code == 403
    assert refused.value.code == "csrf_failed"


def test_it_does_not_ask_csrf_for_reading(manager: User) -> None:
    request = RequestFactory().get("/api/v1/anything")
    request.user = manager
    assert session(request) == manager


def test_it_keeps_last_used_at_recent(inspector: User) -> None:
    key = issue_api_token(user=inspector, name="laptop", by=inspector)
    bearer(key).get(ME)
    used = ApiToken.objects.get().last_used_at
    assert used is not None and (timezone.now() - used).total_seconds() < 60
