import html
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.providers.models import Qualification
from parkpact.providers.services import add_qualification

URL = reverse("providers:provider_list")


pytestmark = pytest.mark.usefixtures("english")


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_it_refuses_provider_staff(world: World, provider_a_user: User) -> None:
    assert client_for(provider_a_user).get(URL).status_code == 403


@pytest.mark.parametrize("persona", ["admin", "manager", "inspector", "finance", "auditor"])
def test_it_lists_every_company_to_centre_staff(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for provider in (world.provider_a, world.provider_b):
        assert provider.name in page
        assert provider.credit_code in page


def test_it_flags_companies_with_expired_qualifications(world: World, inspector: User) -> None:
    add_qualification(
        provider=world.provider_a,
        kind=Qualification.Kind.SECURITY_PERMIT,
        number="SP-1",
        valid_until=timezone.localdate() - timedelta(days=1),
        by=None,
    )
    page = client_for(inspector).get(URL).content.decode()
    assert "1 expired" in page


def test_it_uses_the_same_queries_however_many_companies(
    world: World, inspector: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(inspector)
    with CaptureQueriesContext(connection) as baseline:
        client.get(URL)
    for _ in range(5):
        provider = testing.make_provider("Extra")
        add_qualification(
            provider=provider, kind=Qualification.Kind.ISO_9001, number="ISO", by=None
        )
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(URL)
    assert response.content.decode().count("Extra ") == 5
