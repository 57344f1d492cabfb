"""Every portal page: anyone may read it, in Chinese and English, in a bounded number of queries."""

import html
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.core.sweeps import registered_sweeps
from parkpact.inspections.models import SurveillancePlan
from parkpact.portal import figures
from parkpact.portal.models import FigureSnapshot

from .helpers import PAGES, contractor_url, populate

# A page's queries, whatever the size of the world (sessions and the like included).
MAX_QUERIES = 12


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def all_urls(world: World) -> list[str]:
    return [*PAGES.values(), contractor_url(world.contract_a)]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_it_shows_every_page_to_an_anonymous_visitor(
    client: Client, world: World, manager: User, language: str
) -> None:
    populate(world, manager, size=2)
    for url in all_urls(world):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        body = text(response)
        assert f'<html lang="{language}">' in body, url
        assert response["Content-Language"] == language


@pytest.mark.django_db
def test_it_speaks_the_visitors_language(client: Client, world: World) -> None:
    # The Chinese strings come with the next translation round; the page is Chinese already.
    assert '<html lang="zh-hans">' in text(client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    english = text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Sign in" in english
    assert "contracts in force" in english


@pytest.mark.django_db
def test_the_header_offers_sign_in_or_the_workspace(client: Client, manager: User) -> None:
    assert 'href="/login/"' in text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    signed_in = text(client_for(manager).get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'href="/workspace/"' in signed_in
    assert "data-sign-in" not in signed_in


@pytest.mark.django_db
def test_the_staff_overview_moved_to_the_workspace(client: Client, manager: User) -> None:
    assert client.get("/workspace/").status_code == 302
    assert client_for(manager).get("/workspace/").status_code == 200


@pytest.mark.django_db
def test_a_company_without_a_signed_contract_is_not_public(client: Client, manager: User) -> None:
    from parkpact import testing

    provider = testing.make_provider("Never signed")
    assert client.get(f"/portal/contractors/{provider.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_key_figures_count_this_year(client: Client, world: World, manager: User) -> None:
    populate(world, manager, size=2)
    body = text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'data-figure="parks">3<' in body
    assert 'data-figure="contracts">4<' in body  # the world's two and two more
    assert 'data-figure="reports">9<' in body  # three per zone reported in
    assert 'data-figure="inspections">2<' in body
    assert "75.0 % of checks passed" in body  # 3 passes, 1 failure


@pytest.mark.django_db
def test_the_request_page_counts_by_category_with_median_and_p90(
    client: Client, world: World, manager: User
) -> None:
    populate(world, manager, size=2)
    body = text(client.get("/portal/requests/", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'data-category="litter"' in body
    # Resolved after 10, 11 and 12 hours: the median is 11, the 90th percentile 12.
    assert '<td class="num" data-median>11.0</td>' in body
    assert '<td class="num" data-p90>12.0</td>' in body
    assert 'id="requests-map-data"' in body
    assert 'id="requests-heatmap-data"' in body


@pytest.mark.django_db
def test_the_sampling_page_links_each_revealed_seed_to_its_check(
    client: Client, world: World, manager: User
) -> None:
    populate(world, manager, size=2)
    body = text(client.get("/portal/sampling/", HTTP_ACCEPT_LANGUAGE="en"))
    for plan in SurveillancePlan.objects.all():
        assert f'href="/supervision/verify/{plan.pk}/"' in body
        assert plan.seed in body


@pytest.mark.django_db
def test_the_tender_page_shows_lots_and_awards(client: Client, world: World, manager: User) -> None:
    populate(world, manager, size=1)
    body = text(client.get("/portal/tenders/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Cleaning tender 0" in body
    assert "Company 1-0" in body
    assert "88,000.00" in body
    assert "not awarded" in body


@pytest.mark.django_db
def test_the_ledger_page_shows_todays_head_hash(
    client: Client, world: World, manager: User
) -> None:
    from parkpact.core.models import AuditEvent

    body = text(client.get("/portal/ledger/", HTTP_ACCEPT_LANGUAGE="en"))
    assert AuditEvent.objects.order_by("-seq").first().hash in body  # type: ignore[union-attr]


def query_counts(client: Client, urls: list[str], bound: Any) -> dict[str, int]:
    """Queries per page, the reports page reading a fresh snapshot (as with a worker running)."""
    figures.snapshot_requests(timezone.now())
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries, bound(MAX_QUERIES):
            text(client.get(url))
        counts[url] = len(queries)
    return counts


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_world(
    client: Client, world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    populate(world, manager, size=1)
    urls = all_urls(world)
    small = query_counts(client, urls, django_assert_max_num_queries)
    populate(world, manager, size=6)
    assert query_counts(client, urls, django_assert_max_num_queries) == small


@pytest.mark.django_db
def test_counting_the_reports_takes_the_same_queries_for_any_world(
    world: World, manager: User
) -> None:
    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            figures.snapshot_requests(timezone.now())
        return len(queries)

    populate(world, manager, size=1)
    counted()  # the first one creates the snapshot, later ones update it
    small = counted()
    populate(world, manager, size=6)
    assert counted() == small <= MAX_QUERIES


@pytest.mark.django_db
def test_the_request_page_reads_the_workers_snapshot_and_says_when_it_was_counted(
    client: Client, world: World, manager: User
) -> None:
    populate(world, manager, size=1)
    counted_at = timezone.now() - timedelta(minutes=5)
    snapshot = figures.snapshot_requests(counted_at)
    total = figures.figures_from(snapshot.data, english=True).total
    testing.make_service_request(world.zones[0], at=timezone.now() - timedelta(minutes=1))
    body = text(client.get("/portal/requests/", HTTP_ACCEPT_LANGUAGE="en"))
    # The snapshot's figures and its time, not a recount: the new report is not in them yet.
    assert f"({total} in all)" in body
    assert timezone.localtime(counted_at).strftime("Counted at %Y-%m-%d %H:%M") in body
    # A stale snapshot (no worker for half an hour) is counted afresh when the page is read.
    FigureSnapshot.objects.update(computed_at=timezone.now() - figures.SNAPSHOT_STALE * 2)
    body = text(client.get("/portal/requests/", HTTP_ACCEPT_LANGUAGE="en"))
    assert f"({total + 1} in all)" in body
    assert "portal.snapshot_requests" in {sweep.name for sweep in registered_sweeps()}
