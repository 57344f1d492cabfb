"""Open data over the Donghu demo: every row is there, the money is exact, the query count does
not grow with the rows, and no person can be found in any file.

The whole demo is loaded once for the module (conftest's ``demo_output``), rolled back after it.
"""

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from openpyxl import load_workbook

from parkpact.assessments.models import (
    Adjustment,
    Appeal,
    Assessment,
    AssessmentLine,
    PaymentCertificate,
    Rating,
)
from parkpact.core.models import User
from parkpact.providers.models import Provider
from parkpact.publication import opendata
from parkpact.servicerequests.models import RequestEvent, ServiceRequest

FEN = Decimal("0.01")


@pytest.fixture
def loaded(demo_output: str, db: None) -> str:
    return demo_output


def csv_rows(slug: str) -> list[dict[str, str]]:
    response = Client().get(f"/open-data/{slug}.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == opendata.BY_SLUG[slug].headers
    return list(reader)


def xlsx_rows(slug: str) -> list[dict[str, Any]]:
    response = Client().get(f"/open-data/{slug}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == opendata.BY_SLUG[slug].headers
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]  # type: ignore[arg-type]


def test_every_dataset_has_a_row_per_published_record(loaded: str) -> None:
    approved = Assessment.Status.APPROVED
    expected = {
        "service_requests": ServiceRequest.objects.count(),
        "assessments": Assessment.objects.filter(status=approved).count(),
        "assessment_lines": AssessmentLine.objects.filter(assessment__status=approved).count(),
        "ratings": Rating.objects.count(),
        "payments": PaymentCertificate.objects.filter(
            status=PaymentCertificate.Status.APPROVED
        ).count(),
    }
    assert all(expected.values())  # the demo has some of everything
    assert Assessment.objects.exclude(status=approved).exists()  # and this month's draft
    for slug, count in expected.items():
        assert len(csv_rows(slug)) == count, slug
        assert len(xlsx_rows(slug)) == count, slug


def test_a_service_request_row_says_what_happened_without_who(loaded: str) -> None:
    request = (
        ServiceRequest.objects.filter(
            status=ServiceRequest.Status.CLOSED, provider__isnull=False, longitude__isnull=False
        )
        .select_related("service", "park", "zone", "contract", "provider")
        .first()
    )
    assert request is not None and request.resolved_at is not None
    row = next(
        r for r in csv_rows("service_requests") if r["service_request_id"] == str(request.pk)
    )
    assert row["service_code"] == request.service.code
    assert row["service_name_zh"] == request.service.name_zh
    assert row["service_name_en"] == request.service.name_en
    assert row["status"] == "closed"
    assert row["zone_code"] == (request.zone.code if request.zone else "")
    assert row["contract_number"] == (request.contract.number if request.contract else "")
    assert row["provider_name"] == request.provider.name  # type: ignore[union-attr]
    assert row["requested_at"].endswith("+08:00")
    assert row["validated"] == ("true" if request.validated_at else "false")
    assert request.longitude is not None and request.latitude is not None
    assert Decimal(row["longitude"]) == request.longitude.quantize(Decimal("0.001"))
    assert Decimal(row["latitude"]) == request.latitude.quantize(Decimal("0.001"))
    assert len(row["longitude"].partition(".")[2]) == 3
    hours = (request.resolved_at - request.requested_at).total_seconds() / 3600
    assert abs(Decimal(row["hours_to_resolve"]) - Decimal(hours)) <= Decimal("0.05")


def test_the_payments_workbook_holds_each_certificates_amounts_as_numbers(loaded: str) -> None:
    certificates = {
        c.number: c
        for c in PaymentCertificate.objects.filter(status=PaymentCertificate.Status.APPROVED)
    }
    rows = xlsx_rows("payments")
    assert {row["certificate_number"] for row in rows} == set(certificates)
    fields = {
        "fee": "fee",
        "deduction": "deduction",
        "bonus": "bonus",
        "adjustments": "adjustments",
        "retention": "retention",
        "retention_released": "retention_released",
        "net_payable": "net",
    }
    for row in rows:
        certificate = certificates[row["certificate_number"]]
        for column, field in fields.items():
            value = row[column]
            assert isinstance(value, int | float) and not isinstance(value, bool), column
            assert Decimal(str(value)).quantize(FEN) == getattr(certificate, field), column
    # The same amounts in the CSV, to the fen, as written.
    for row in csv_rows("payments"):
        certificate = certificates[row["certificate_number"]]
        assert row["net_payable"] == f"{certificate.net:.2f}"
        assert row["month"] == f"{certificate.assessment.month:%Y-%m}"


def test_the_money_columns_are_formatted_as_money_in_the_workbook(loaded: str) -> None:
    response = Client().get("/open-data/payments.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    headers = [cell.value for cell in sheet[1]]
    for column in opendata.BY_SLUG["payments"].money_columns:
        cell = sheet.cell(row=2, column=headers.index(column) + 1)
        assert cell.number_format == "#,##0.00", column


def test_ratings_and_assessments_agree_with_the_database(loaded: str) -> None:
    ratings = {
        (r.contract.number, f"{r.month:%Y-%m}"): r
        for r in Rating.objects.select_related("contract", "provider")
    }
    for row in csv_rows("ratings"):
        rating = ratings[(row["contract_number"], row["month"])]
        assert Decimal(row["score"]) == rating.score
        assert row["rating"] == rating.grade
        assert row["provider_credit_code"] == rating.provider.credit_code
    for row in csv_rows("assessments"):
        rating = ratings[(row["contract_number"], row["month"])]
        assert Decimal(row["score"]) + Decimal(row["points_deducted"]) == 100
        assert row["rating"] == rating.grade


def _personal_strings() -> set[str]:
    """Everything in the demo that names or reaches a person, or that a person wrote."""
    found: set[str] = set()
    for user in User.objects.all():
        found |= {user.username, user.first_name, user.last_name, user.get_full_name()}
        found.add(user.email)
    for values in ServiceRequest.objects.values_list(
        "contact_name",
        "contact_email",
        "contact_phone",
        "device_id",
        "account_id",
        "description",
        "original_description",
        "tracking_code",
        "reporter_comment",
        "media_url",
    ):
        found |= set(values)
    for values in Provider.objects.values_list("contact_name", "contact_phone", "email"):
        found |= set(values)
    found |= set(RequestEvent.objects.exclude(note="").values_list("note", flat=True))
    found |= set(Appeal.objects.values_list("reason", flat=True))
    found |= set(Appeal.objects.values_list("decision_reason", flat=True))
    found |= set(Adjustment.objects.values_list("reason", flat=True))
    found |= set(
        AssessmentLine.objects.filter(~Q(removed_reason="")).values_list(
            "removed_reason", flat=True
        )
    )
    return {text.strip() for text in found if text and text.strip()}


def test_no_dataset_names_or_quotes_a_person(loaded: str) -> None:
    personal = _personal_strings()
    assert ServiceRequest.objects.exclude(contact_name="").exists()
    assert any("@" in text for text in personal)  # the demo's reporters left emails
    for slug in opendata.BY_SLUG:
        cells = [value for row in csv_rows(slug) for value in row.values() if value]
        cells += [
            str(value) for row in xlsx_rows(slug) for value in row.values() if value is not None
        ]
        text = "\n".join(cells)
        for secret in personal:
            assert secret not in text, (slug, secret)


def test_the_csv_downloads_cost_the_same_queries_however_many_rows(
    loaded: str, django_assert_max_num_queries: Any
) -> None:
    assert ServiceRequest.objects.count() > 100
    for slug in opendata.BY_SLUG:
        with django_assert_max_num_queries(2):
            response = Client().get(f"/open-data/{slug}.csv")
            b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_command_writes_every_dataset_in_both_formats(loaded: str, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("export_opendata", "--output", str(tmp_path / "open"), stdout=out)
    folder = tmp_path / "open"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{slug}.{extension}" for slug in opendata.BY_SLUG for extension in ("csv", "xlsx")
    )
    for slug in opendata.BY_SLUG:
        served = b"".join(
            Client().get(f"/open-data/{slug}.csv").streaming_content  # type: ignore[attr-defined]
        )
        assert (folder / f"{slug}.csv").read_bytes() == served, slug
        sheet = load_workbook(folder / f"{slug}.xlsx").active
        assert sheet is not None
        assert [cell.value for cell in sheet[1]] == opendata.BY_SLUG[slug].headers
    assert f"payments: {len(csv_rows('payments'))} rows" in out.getvalue()
