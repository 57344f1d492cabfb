import html
import re
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
from parkpact.providers.models import Provider, Qualification
from parkpact.providers.services import add_qualification

pytestmark = pytest.mark.usefixtures("english")


def url(provider: Provider) -> str:
    return reverse("providers:provider_detail", kwargs={"pk": provider.pk})


def row(page: str, text: str) -> str:
    """The table row that shows ``text``."""
    for found in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S):
        if text in found:
            return str(found)
    raise AssertionError(f"no row shows {text!r}")


def qualify(provider: Provider, number: str, days_left: int | None) -> Qualification:
    until = None if days_left is None else timezone.localdate() + timedelta(days=days_left)
    return add_qualification(
        provider=provider,
        kind=Qualification.Kind.CLEANING_GRADE,
        number=number,
        issued_by="Quanzhou Sanitation Association",
        valid_until=until,
        by=None,
    )


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    response = client_for(None).get(url(world.provider_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_it_shows_provider_staff_their_own_company(world: World, provider_a_user: User) -> None:
    response = client_for(provider_a_user).get(url(world.provider_a))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert world.provider_a.name in page
    assert world.contract_a.number in page
    assert world.contract_b.number not in page


def test_it_answers_404_for_another_company(world: World, provider_a_user: User) -> None:
    assert client_for(provider_a_user).get(url(world.provider_b)).status_code == 404


def test_it_answers_404_for_an_unknown_company(world: World, inspector: User) -> None:
    response = client_for(inspector).get(reverse("providers:provider_detail", kwargs={"pk": 0}))
    assert response.status_code == 404


def test_it_shows_company_data_contracts_and_staff(
    world: World, inspector: User, provider_b_user: User
) -> None:
    response = client_for(inspector).get(url(world.provider_b))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert world.provider_b.credit_code in page
    assert world.contract_b.number in page
    assert "Security" in page
    assert provider_b_user.username in page


def test_it_flags_expired_qualifications_red_and_expiring_ones_amber(
    world: World, inspector: User, settings: Any
) -> None:
    settings.QUALIFICATION_WARNING_DAYS = 30
    qualify(world.provider_a, "EXPIRED-1", days_left=-1)
    qualify(world.provider_a, "SOON-1", days_left=10)
    qualify(world.provider_a, "LATER-1", days_left=45)
    qualify(world.provider_a, "FOREVER-1", days_left=None)
    page = client_for(inspector).get(url(world.provider_a)).content.decode()

    expired = row(page, "EXPIRED-1")
    assert "table-danger" in expired and "Expired" in expired
    soon = row(page, "SOON-1")
    assert "table-warning" in soon and "Expires soon" in soon
    for number in ("LATER-1", "FOREVER-1"):
        fine = row(page, number)
        assert "table-danger" not in fine and "table-warning" not in fine
    assert "Never expires" in row(page, "FOREVER-1")


def test_it_offers_managers_the_edit_forms(world: World, manager: User, inspector: User) -> None:
    edit = reverse("providers:provider_update", kwargs={"pk": world.provider_a.pk})
    assert edit in client_for(manager).get(url(world.provider_a)).content.decode()
    assert edit not in client_for(inspector).get(url(world.provider_a)).content.decode()


def test_it_uses_the_same_queries_however_many_qualifications_staff_and_contracts(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(manager)
    with CaptureQueriesContext(connection) as baseline:
        client.get(url(world.provider_a))
    for n in range(5):
        qualify(world.provider_a, f"Q-{n}", days_left=n * 20 - 20)
        testing.make_provider_user(world.provider_a)
        testing.make_contract(world.provider_a, world.zones, by=manager, active=False)
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(url(world.provider_a))
    assert response.content.decode().count("Q-") == 5
