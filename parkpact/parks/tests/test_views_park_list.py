import html
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.parks.models import Zone

URL = reverse("parks:park_list")


pytestmark = pytest.mark.usefixtures("english")


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_it_lists_parks_with_zone_counts_and_total_area(world: World, inspector: User) -> None:
    response = client_for(inspector).get(URL)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert world.park.name in page
    total = Zone.objects.filter(park=world.park).aggregate(total=Sum("area_m2"))["total"]
    assert f"{total:,.1f}" in page
    assert f'<td class="num">{len(world.zones)}</td>' in page


def test_it_shows_parks_to_provider_staff(world: World, provider_a_user: User) -> None:
    response = client_for(provider_a_user).get(URL)
    assert response.status_code == 200
    assert world.park.name in response.content.decode()


def test_it_uses_the_same_queries_however_many_parks_and_zones(
    world: World, inspector: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(inspector)
    with CaptureQueriesContext(connection) as baseline:
        client.get(URL)
    for _ in range(3):
        park = testing.make_park("More")
        for x in range(4):
            testing.make_zone(park, x=x)
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(URL)
    assert response.content.decode().count("More ") == 3
