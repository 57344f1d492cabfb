"""A submitted inspection's page: checklist results, positions, review flag and photos."""

import html
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import User
from parkpact.inspections.evidence import store_evidence
from parkpact.inspections.models import Finding, Inspection
from parkpact.inspections.rectification import issue_order

from .test_orders_factories import make_finding, make_inspection, photo

pytestmark = pytest.mark.usefixtures("english")


def url(inspection: Inspection) -> str:
    return reverse("inspections:inspection_detail", kwargs={"pk": inspection.pk})


def page(response: Any) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def inspection(world: World, inspector: User) -> Inspection:
    inspection = make_inspection(world.contract_a, inspector)
    Inspection.objects.filter(pk=inspection.pk).update(
        needs_review=True, review_reason="Started 240 m outside the zone."
    )
    inspection.refresh_from_db()
    failed = make_finding(inspection, code="CL-01")
    make_finding(inspection, code="CL-02", result=Finding.Result.PASS)
    store_evidence(upload=photo(), by=inspector, finding=failed)
    issue_order(finding=failed, by=inspector)
    return inspection


def test_it_sends_anonymous_visitors_to_sign_in(inspection: Inspection) -> None:
    response = client_for(None).get(url(inspection))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["manager", "auditor", "provider_a_user"])
def test_it_shows_the_checklist_positions_review_flag_and_photos(
    inspection: Inspection, persona: str, request: pytest.FixtureRequest
) -> None:
    content = page(client_for(request.getfixturevalue(persona)).get(url(inspection)))
    assert "Standard CL-01" in content
    assert "Standard CL-02" in content
    assert "Fail" in content
    assert "Pass" in content
    assert "24.930500, 118.600500" in content
    assert "Started 240 m outside the zone." in content
    assert "/supervision/evidence/" in content
    order = inspection.findings.get(standard__code="CL-01").order
    assert reverse("inspections:order_detail", kwargs={"pk": order.pk}) in content


def test_another_company_gets_404(inspection: Inspection, provider_b_user: User) -> None:
    assert client_for(provider_b_user).get(url(inspection)).status_code == 404


def test_the_provider_never_sees_a_visit_before_it_is_submitted(
    world: World, inspector: User, provider_a_user: User, manager: User
) -> None:
    upcoming = make_inspection(world.contract_a, inspector, status=Inspection.Status.SCHEDULED)
    assert client_for(provider_a_user).get(url(upcoming)).status_code == 404
    assert client_for(manager).get(url(upcoming)).status_code == 200


def test_it_uses_the_same_queries_however_many_findings_and_photos(
    world: World, inspector: User, manager: User, django_assert_max_num_queries: Any
) -> None:
    inspection = make_inspection(world.contract_a, inspector)
    first = make_finding(inspection, code="CL-01")
    store_evidence(upload=photo(), by=inspector, finding=first)
    issue_order(finding=first, by=inspector)
    client = client_for(manager)
    with CaptureQueriesContext(connection) as baseline:
        page(client.get(url(inspection)))
    second = make_finding(inspection, code="CL-02")
    for _ in range(3):
        store_evidence(upload=photo(), by=inspector, finding=second)
    issue_order(finding=second, by=inspector)
    with django_assert_max_num_queries(len(baseline)):
        page(client.get(url(inspection)))
