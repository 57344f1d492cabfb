"""/open311/keys/: administrators issue keys to integrators (shown once) and revoke them."""

import pytest
from django.urls import reverse

from conftest import client_for
from parkpact.core.models import AuditEvent, User
from parkpact.open311.models import ApiKey
from parkpact.open311.services import key_for

from .helpers import issue_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
LIST = reverse("open311_keys:key_list")


def revoke_url(api_key: ApiKey) -> str:
    return reverse("open311_keys:revoke", kwargs={"pk": api_key.pk})


def test_anonymous_visitors_go_to_the_login_page() -> None:
    response = client_for(None).get(LIST)
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize("role", ["manager", "inspector", "auditor", "finance"])
def test_other_roles_are_refused(request: pytest.FixtureRequest, role: str) -> None:
    user: User = request.getfixturevalue(role)
    assert client_for(user).get(LIST).status_code == 403
    issue_key()
    assert (
        client_for(user).post(revoke_url(ApiKey.objects.get()), {"reason": "x"}).status_code == 403
    )
    assert ApiKey.objects.get().revoked_at is None


def test_a_provider_is_refused(provider_a_user: User) -> None:
    assert client_for(provider_a_user).get(LIST).status_code == 403


def test_an_admin_issues_a_key_and_sees_it_once(admin: User) -> None:
    client = client_for(admin)
    response = client.post(LIST, {"name": "WeChat mini-program", "requests_per_hour": "120"})
    assert response.status_code == 200
    api_key = ApiKey.objects.get()
    assert api_key.requests_per_hour == 120 and api_key.created_by == admin
    page = response.content.decode()
    start = page.index('id="new-key">') + len('id="new-key">')
    key = page[start : page.index("<", start)]
    assert key.startswith(api_key.prefix)
    assert ApiKey.hash_key(key) == api_key.key_hash
    assert key_for(key) == api_key
    assert AuditEvent.objects.filter(action="open311_key.create").count() == 1
    listing = client.get(LIST).content.decode()
    assert "WeChat mini-program" in listing and key not in listing


def test_a_name_cannot_be_used_twice(admin: User) -> None:
    issue_key("Hotline")
    response = client_for(admin).post(LIST, {"name": "hotline", "requests_per_hour": "60"})
    assert "There is already a key called" in response.content.decode()
    assert ApiKey.objects.count() == 1


def test_an_admin_revokes_a_key_with_a_reason(admin: User) -> None:
    key = issue_key()
    api_key = ApiKey.objects.get()
    client = client_for(admin)
    assert "Revoke the key" in client.get(revoke_url(api_key)).content.decode()
    response = client.post(revoke_url(api_key), {"reason": ""})
    assert response.status_code == 200
    assert ApiKey.objects.get().revoked_at is None
    response = client.post(revoke_url(api_key), {"reason": "The integration was retired"})
    assert response.status_code == 302
    assert ApiKey.objects.get().revoked_at is not None
    assert key_for(key) is None
    event = AuditEvent.objects.get(action="open311_key.revoke")
    assert event.reason == "The integration was retired" and event.actor == admin
    assert "Revoked" in client.get(LIST).content.decode()
