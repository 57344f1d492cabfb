"""Open data: the documented columns, the data dictionary page and the downloads' shape.

The demo's data, the money and the absence of personal data are in test_opendata_demo.py."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from parkpact.publication import opendata

# The published interface: a failing test here means a column was renamed, added or dropped.
# Change it only together with docs/open-data.md, as you would an API field.
DOCUMENTED_HEADERS = {
    "service_requests": [
        "service_request_id",
        "service_code",
        "service_name_zh",
        "service_name_en",
        "status",
        "park_code",
        "park_name",
        "zone_code",
        "requested_at",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "hours_to_resolve",
        "acknowledge_deadline_missed",
        "resolve_deadline_missed",
        "validated",
        "contractor_at_fault",
        "contract_number",
        "provider_name",
        "longitude",
        "latitude",
        "duplicate_of",
    ],
    "assessments": [
        "contract_number",
        "service_kind",
        "provider_name",
        "provider_credit_code",
        "month",
        "score",
        "points_deducted",
        "rating",
        "payment_factor",
        "bonus_rate",
        "approved_on",
    ],
    "assessment_lines": [
        "contract_number",
        "month",
        "standard_code",
        "standard_name",
        "source",
        "evidence_available",
        "checked",
        "passed",
        "pass_rate",
        "occurrences",
        "points_by_rule",
        "points_deducted",
        "removed_on_appeal",
    ],
    "ratings": [
        "provider_name",
        "provider_credit_code",
        "contract_number",
        "month",
        "score",
        "rating",
    ],
    "payments": [
        "certificate_number",
        "contract_number",
        "provider_name",
        "month",
        "fee",
        "deduction",
        "bonus",
        "adjustments",
        "retention",
        "retention_released",
        "net_payable",
        "approved_for_payment_on",
    ],
}
MONEY_COLUMNS = [
    "fee",
    "deduction",
    "bonus",
    "adjustments",
    "retention",
    "retention_released",
    "net_payable",
]


def test_it_publishes_exactly_the_documented_datasets_and_columns() -> None:
    assert {slug: dataset.headers for slug, dataset in opendata.BY_SLUG.items()} == (
        DOCUMENTED_HEADERS
    )
    assert opendata.BY_SLUG["payments"].money_columns == MONEY_COLUMNS


def test_every_column_is_documented_with_a_known_type() -> None:
    for dataset in opendata.DATASETS:
        for column in dataset.columns:
            assert column.type in opendata.TYPE_FORMATS, column.name
            assert str(column.meaning).strip(), column.name


def test_the_docs_list_every_column() -> None:
    """docs/open-data.md is the written interface: every column is in it, in order."""
    text = (Path(__file__).parents[3] / "docs" / "open-data.md").read_text(encoding="utf-8")
    for slug, headers in DOCUMENTED_HEADERS.items():
        section = text[text.index(f"### `{slug}`") :]
        positions = [section.index(f"| `{name}` |") for name in headers]
        assert positions == sorted(positions), slug


def test_it_writes_values_in_the_documented_csv_formats() -> None:
    summer = datetime(2026, 7, 1, 1, 30, 5, 123456, tzinfo=UTC)
    assert opendata.csv_cell(summer) == "2026-07-01T09:30:05+08:00"
    assert opendata.csv_cell(date(2026, 7, 1)) == "2026-07-01"
    assert opendata.csv_cell(Decimal("12345.60")) == "12345.60"
    assert opendata.csv_cell(Decimal("1E+2")) == "100"
    assert opendata.csv_cell(True) == "true"
    assert opendata.csv_cell(False) == "false"
    assert opendata.csv_cell(None) == ""
    assert opendata.csv_cell(7) == "7"


def test_it_rounds_a_position_to_about_a_hundred_metres() -> None:
    assert opendata._rounded(Decimal("118.601499")) == Decimal("118.601")
    assert opendata._rounded(Decimal("24.930500")) == Decimal("24.931")
    assert opendata._rounded(None) is None


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_it_shows_the_data_dictionary_to_anyone(db: None, language: str) -> None:
    response = Client().get("/open-data/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert "CC BY 4.0" in page and opendata.LICENCE_URL in page
    for slug, headers in DOCUMENTED_HEADERS.items():
        assert f'href="/open-data/{slug}.csv"' in page
        assert f'href="/open-data/{slug}.xlsx"' in page
        for name in headers:
            assert f"<code>{name}</code>" in page


def test_the_data_dictionary_is_in_english_when_asked(db: None) -> None:
    page = Client().get("/open-data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open data" in page
    assert "Licence: CC BY 4.0" in page
    assert "Hours from the report to the resolution" in page


def test_an_empty_dataset_is_its_header_row(db: None) -> None:
    response = Client().get("/open-data/payments.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="parkpact-payments.csv"' in response["Content-Disposition"]
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert list(csv.reader(io.StringIO(text))) == [DOCUMENTED_HEADERS["payments"]]

    response = Client().get("/open-data/payments.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]] == DOCUMENTED_HEADERS["payments"]
    assert sheet.max_row == 1


@pytest.mark.parametrize("path", ["/open-data/nothing.csv", "/open-data/users.xlsx"])
def test_an_unknown_dataset_is_not_found(db: None, path: str) -> None:
    assert Client().get(path).status_code == 404


def test_downloads_answer_only_reads(db: None) -> None:
    assert Client().post("/open-data/ratings.csv").status_code == 405
