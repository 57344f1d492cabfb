"""The yearly outsourcing evaluation of a park: the page, the PDF and the workbook show the same
numbers, and only the centre's staff may read them."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.core.money import format_cny
from parkpact.incentives import services, services_value
from parkpact.incentives.tests.test_value_page import COMPARATOR, COSTS, approve_month
from parkpact.patrols.models import Incident
from parkpact.servicerequests.models import ServiceRequest

pytestmark = pytest.mark.django_db

YEAR = 2026


def url(world: Any, suffix: str = "") -> str:
    name = {"": "park_evaluation", "pdf": "park_evaluation_pdf", "xlsx": "park_evaluation_xlsx"}
    return reverse(f"incentives:{name[suffix]}", args=[world.park.pk, YEAR])


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def sheet(content: bytes, title: str) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content))[title].iter_rows(values_only=True))


def fen(cell: object) -> D:
    return D(str(cell)).quantize(D("0.01"))


@pytest.fixture
def year(world: Any, manager: User) -> Any:
    """Contract A (cleaning) approved in January and February, with a comparator, a cost
    breakdown and three reports from the public (two resolved, one at fault); contract B
    (security) approved in January with two incidents."""
    approve_month(world.contract_a, date(YEAR, 1, 1))
    approve_month(world.contract_a, date(YEAR, 2, 1), score=D("88.00"), deduction=D("5040.00"))
    approve_month(world.contract_b, date(YEAR, 1, 1), score=D("92.00"), fee=D("96000.00"))
    services_value.save_comparator(contract=world.contract_a, by=manager, **COMPARATOR)
    services.save_cost_breakdown(contract=world.contract_a, by=manager, **COSTS)
    reported = datetime(YEAR, 3, 2, 1, tzinfo=UTC)
    requests = [
        testing.make_service_request(world.zones[0], at=reported + timedelta(days=i))
        for i in range(3)
    ]
    assert all(r.contract_id == world.contract_a.pk for r in requests)
    for request, hours, at_fault in ((requests[0], 5, True), (requests[1], 20, False)):
        ServiceRequest.objects.filter(pk=request.pk).update(
            status=ServiceRequest.Status.CLOSED,
            resolved_at=request.requested_at + timedelta(hours=hours),
            validated_at=request.requested_at + timedelta(hours=hours + 1),
            contractor_at_fault=at_fault,
        )
    for minutes, severity in ((8, Incident.Severity.MINOR), (25, Incident.Severity.SERIOUS)):
        at = datetime(YEAR, 4, 3, 6, tzinfo=UTC)
        Incident.objects.create(
            contract=world.contract_b,
            kind=Incident.Kind.INJURY,
            severity=severity,
            status=Incident.Status.RESOLVED,
            zone=world.zones[1],
            source=Incident.Source.GUARD,
            reported_at=at,
            on_scene_at=at + timedelta(minutes=minutes),
            resolved_at=at + timedelta(minutes=minutes + 30),
            target_minutes=15,
        )
    return world


def test_it_is_for_the_centre_only(year: Any, provider_a_user: User, inspector: User) -> None:
    for suffix in ("", "pdf", "xlsx"):
        assert client_for(provider_a_user).get(url(year, suffix)).status_code == 404
        anonymous = client_for(None).get(url(year, suffix))
        assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for(inspector).get(url(year)).status_code == 200
    bad_year = reverse("incentives:park_evaluation", args=[year.park.pk, 1900])
    assert client_for(inspector).get(bad_year).status_code == 404


def test_the_page_adds_up_the_year(year: Any, manager: User, english: None) -> None:
    response = client_for(manager).get(url(year))
    assert response.status_code == 200
    evaluation = response.context["evaluation"]
    by_number = {item.contract.number: item for item in evaluation.contracts}
    cleaning = by_number[year.contract_a.number]
    assert cleaning.approved_months == 2
    assert cleaning.totals["paid"].value == D("159600.00") + D("154812.00")
    assert cleaning.totals["deduction"].value == D("5040.00")
    assert cleaning.totals["in_house"].value == D("176882.00") * 2
    assert cleaning.totals["mean_score"].value == D("91.50")
    assert cleaning.complaints.count == 3
    assert cleaning.complaints.validated_at_fault == 1
    assert cleaning.complaints.resolved == 2
    assert cleaning.complaints.median_hours == D("12.5")  # (5 + 20) ÷ 2
    assert cleaning.complaints.p90_hours == D("18.5")  # 5 + 15 × 0.9
    security = by_number[year.contract_b.number]
    assert security.incidents.count == 2 and security.incidents.serious == 1
    assert security.incidents.within_target == 1
    assert security.totals["in_house"].is_missing  # no comparator: says so
    assert security.totals["monitoring"].is_missing  # no cost breakdown
    page = response.content.decode()
    assert "input missing" in page
    assert format_cny(cleaning.totals["paid"].value) in page


def test_the_pdf_prints_the_numbers_the_screen_shows(
    year: Any, manager: User, english: None
) -> None:
    client = client_for(manager)
    screen = client.get(url(year))
    evaluation = screen.context["evaluation"]
    response = client.get(url(year, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert year.park.name in text
    for item in evaluation.contracts:
        assert item.contract.number in text
        for name in ("paid", "fee", "deduction", "total", "difference"):
            figure = item.totals[name]
            if figure.value is not None:
                assert format_cny(figure.value) in text, name
        for row in item.months:
            if row.approved:
                assert format_cny(row.figures["paid"].value) in text
        if item.complaints.median_hours is not None:
            assert str(item.complaints.median_hours) in text
        for finding in item.deterrence.not_deterred:
            assert finding.standard in text
    assert "input missing" in text
    assert client.get(url(year) + "?format=pdf")["Content-Type"] == "application/pdf"


def test_the_workbook_holds_the_numbers_the_screen_shows(
    year: Any, manager: User, english: None
) -> None:
    client = client_for(manager)
    evaluation = client.get(url(year)).context["evaluation"]
    response = client.get(url(year, "xlsx"))
    assert response.status_code == 200
    assert client.get(url(year) + "?format=xlsx").content[:2] == b"PK"

    summary = sheet(response.content, "Summary")
    assert summary[0][0] == "Contract"
    rows = {row[0]: row for row in summary[1:]}
    for item in evaluation.contracts:
        row = rows[item.contract.number]
        assert row[4] == item.approved_months
        for column, name in enumerate(
            ("fee", "deduction", "bonus", "paid", "monitoring", "total", "in_house", "difference"),
            start=5,
        ):
            figure = item.totals[name]
            if figure.value is None:
                assert row[column] == "input missing"
            else:
                assert fen(row[column]) == figure.value, name
        assert row[15] == item.rating_label

    months = sheet(response.content, "Months")
    cleaning = next(i for i in evaluation.contracts if i.contract == year.contract_a)
    january = next(r for r in months[1:] if r[0] == year.contract_a.number and r[1] == "2026-01")
    first = cleaning.months[0]
    assert fen(january[8]) == first.figures["paid"].value
    assert fen(january[11]) == first.figures["cost_per_m2"].value

    public = {row[0]: row for row in sheet(response.content, "Public and incidents")[1:]}
    assert public[year.contract_a.number][1:4] == (3, 1, 2)
    assert D(str(public[year.contract_a.number][4])) == cleaning.complaints.median_hours
    assert public[year.contract_b.number][6:9] == (2, 1, 1)

    deterrence = sheet(response.content, "Deterrence")
    counted = next(r for r in deterrence[1:] if r[0] == year.contract_a.number)
    assert list(counted[2:5]) == [
        cleaning.deterrence.counts[key] for key in ("deterred", "weakly_deterred", "not_deterred")
    ]


def test_a_park_without_contracts_that_year_says_so(
    year: Any, manager: User, english: None
) -> None:
    response = client_for(manager).get(
        reverse("incentives:park_evaluation", args=[year.park.pk, 2010])
    )
    assert response.status_code == 200
    assert "No contract served the park in this year." in response.content.decode()
