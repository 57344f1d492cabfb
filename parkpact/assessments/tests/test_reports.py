"""The monthly assessment report (PDF, XLSX) and the month's summary for leadership: printed
from the numbers the assessment page shows, Chinese text extractable, scoped like the page."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import World, client_for
from parkpact import testing
from parkpact.assessments import services
from parkpact.assessments.models import Assessment, PaymentCertificate
from parkpact.assessments.tests.helpers import (
    IN_WINDOW,
    MONTH,
    SENT_AT,
    inspect,
    line,
    local,
)
from parkpact.contracts.models import Contract
from parkpact.core.models import User
from parkpact.core.money import format_cny
from parkpact.inspections.evidence import store_evidence
from parkpact.inspections.models import Finding

TITLE = "东湖公园保洁服务合同"


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_images(content: bytes) -> int:
    """How many different images the document holds (pages may share their resources)."""
    reader = PdfReader(io.BytesIO(content))
    return len({image.data for page in reader.pages for image in page.images})


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return list(book[title].iter_rows(values_only=True))


def fen(value: object) -> Decimal:
    """A number read back from Excel, as the Decimal it was written from."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def failed_with_photos(world: World, inspector: User, counts: dict[str, int]) -> None:
    """``counts[code]`` failed inspections of each standard in MONTH, each with one photo."""
    day = 2
    for code, count in counts.items():
        for _ in range(count):
            at = local(MONTH.replace(day=day), 9)
            inspection = inspect(world.contract_a, inspector, at, {code: "fail"})
            upload = SimpleUploadedFile("p.jpg", testing.photo_bytes(), content_type="image/jpeg")
            finding = Finding.objects.get(inspection=inspection)
            store_evidence(upload=upload, by=inspector, finding=finding)
            day += 1


def approved(assessment: Assessment, manager: User, provider_user: User) -> PaymentCertificate:
    assessment = services.send_assessment(assessment=assessment, by=manager, now=SENT_AT)
    services.confirm_assessment(assessment=assessment, by=provider_user, now=IN_WINDOW)
    return services.approve_assessment(assessment=assessment, by=manager, now=IN_WINDOW)


@pytest.fixture
def chinese_contract(world: World) -> Contract:
    Contract.objects.filter(pk=world.contract_a.pk).update(title=TITLE)
    world.contract_a.refresh_from_db()
    return world.contract_a


@pytest.fixture
def assessment_a(
    world: World, chinese_contract: Contract, manager: User, inspector: User
) -> Assessment:
    """Contract A's March, a draft: CL-01 failed five times (10 points, its cap), CL-02 twice
    (4 points), each failure with a photo; 86 points, so 86 % of the fee is paid."""
    failed_with_photos(world, inspector, {"CL-01": 5, "CL-02": 2})
    return services.compute_assessment(
        contract=chinese_contract, month=MONTH, by=manager, now=local(MONTH.replace(day=31))
    )


@pytest.fixture
def certificate_a(
    assessment_a: Assessment, manager: User, provider_a_user: User
) -> PaymentCertificate:
    return approved(assessment_a, manager, provider_a_user)


def test_it_prints_the_chinese_title_the_net_and_the_photos(
    manager: User, certificate_a: PaymentCertificate
) -> None:
    response = client_for(manager).get(f"/assessments/{certificate_a.assessment_id}/report.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{certificate_a.number[:-7]}-2026-03-" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert TITLE in text
    assert format_cny(certificate_a.net) in text
    assert certificate_a.deduction == Decimal("16800.00")  # 14 % of the fee
    assert pdf_images(response.content) == 5  # three of CL-01's five photos, both of CL-02's


def test_it_marks_a_draft_as_not_approved(
    english: None, manager: User, assessment_a: Assessment
) -> None:
    response = client_for(manager).get(f"/assessments/{assessment_a.pk}/report.pdf")

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "draft — not approved" in text
    assert TITLE in text


def test_it_totals_the_workbook_as_the_certificate_and_the_page(
    english: None, manager: User, certificate_a: PaymentCertificate
) -> None:
    client = client_for(manager)
    pk = certificate_a.assessment_id

    response = client.get(f"/assessments/{pk}/report.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = sheet_rows(response.content, "Certificate")
    assert rows[0] == ("Part", "Kind", "Item", "Amount (yuan)")
    totals = {item: fen(amount) for part, _kind, item, amount in rows[1:] if part == "Total"}
    assert totals == {
        "Monthly fee": certificate_a.fee,
        "Performance deduction": -certificate_a.deduction,
        "Bonus": certificate_a.bonus,
        "Adjustments": certificate_a.adjustments,
        "Retention held": -certificate_a.retention,
        "Retention released": certificate_a.retention_released,
        "Net payable": certificate_a.net,
    }
    breakdown = [fen(r[3]) for r in rows[1:] if r[0] == "Breakdown" and r[1] == "Deduction"]
    assert sum(breakdown, Decimal(0)) == -certificate_a.deduction
    page = client.get(f"/assessments/{pk}/").content.decode()
    shown = re.search(r'id="net">([^<]+)<', page)
    assert shown is not None
    assert shown[1] == format_cny(totals["Net payable"])


def test_it_writes_one_sheet_per_part_with_every_record(
    english: None, manager: User, certificate_a: PaymentCertificate
) -> None:
    response = client_for(manager).get(f"/assessments/{certificate_a.assessment_id}/report.xlsx")

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Measurements", "Evidence", "Appeals", "Certificate"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[1][1:3] == (certificate_a.assessment.contract.number, TITLE)
    evidence = list(book["Evidence"].iter_rows(values_only=True))[1:]
    assert len(evidence) == 7
    assert {row[1] for row in evidence} == {"inspection"}
    assert all(str(row[4]).startswith("http://testserver/") for row in evidence), evidence
    assert book["Certificate"]["D2"].number_format == "#,##0.00"


def test_it_reports_an_upheld_appeal_and_the_line_it_removed(
    english: None, manager: User, provider_a_user: User, assessment_a: Assessment
) -> None:
    sent = services.send_assessment(assessment=assessment_a, by=manager, now=SENT_AT)
    disputed = line(sent, "CL-02")
    (appeal,) = services.appeal_lines(
        assessment=sent,
        by=provider_a_user,
        appeals=[services.AppealRequest(line=disputed, reason="The bins were emptied at 8:00.")],
        now=IN_WINDOW,
    )
    services.decide_appeal(
        appeal=appeal, by=manager, upheld=True, reason="Timestamped photos agree.", now=IN_WINDOW
    )
    certificate = services.approve_assessment(assessment=sent, by=manager, now=IN_WINDOW)
    client = client_for(manager)

    text = pdf_text(client.get(f"/assessments/{sent.pk}/report.pdf").content)
    assert "The bins were emptied at 8:00." in text
    assert "Timestamped photos agree." in text
    assert format_cny(certificate.net) in text
    book = load_workbook(io.BytesIO(client.get(f"/assessments/{sent.pk}/report.xlsx").content))
    appeals = list(book["Appeals"].iter_rows(values_only=True))
    assert appeals[1][:3] == ("CL-02", 4, "The bins were emptied at 8:00.")
    assert appeals[1][5] == "Upheld"
    measured = {row[0]: row for row in book["Measurements"].iter_rows(values_only=True)}
    assert measured["CL-02"][10:13] == (4, 0, "Timestamped photos agree.")


def test_it_shows_a_provider_its_own_report(
    provider_a_user: User, certificate_a: PaymentCertificate
) -> None:
    client = client_for(provider_a_user)
    pk = certificate_a.assessment_id

    assert client.get(f"/assessments/{pk}/report.xlsx").status_code == 200


def test_it_hides_another_companys_report(
    provider_b_user: User, certificate_a: PaymentCertificate
) -> None:
    client = client_for(provider_b_user)
    pk = certificate_a.assessment_id

    assert client.get(f"/assessments/{pk}/report.pdf").status_code == 404
    assert client.get(f"/assessments/{pk}/report.xlsx").status_code == 404


def test_it_hides_a_draft_from_its_provider(
    provider_a_user: User, assessment_a: Assessment
) -> None:
    response = client_for(provider_a_user).get(f"/assessments/{assessment_a.pk}/report.xlsx")

    assert response.status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(assessment_a: Assessment) -> None:
    response = client_for(None).get(f"/assessments/{assessment_a.pk}/report.pdf")

    assert response.status_code == 302
    assert "login" in response["Location"]


# ---- The month's summary -------------------------------------------------------------------------


@pytest.fixture
def month_with_two_certificates(
    world: World, certificate_a: PaymentCertificate, manager: User, provider_b_user: User
) -> list[PaymentCertificate]:
    assessment_b = services.compute_assessment(
        contract=world.contract_b, month=MONTH, by=manager, now=local(MONTH.replace(day=31))
    )
    return [certificate_a, approved(assessment_b, manager, provider_b_user)]


def test_it_totals_the_months_certificates(
    english: None, finance: User, month_with_two_certificates: list[PaymentCertificate]
) -> None:
    response = client_for(finance).get(f"/assessments/summary/{MONTH:%Y-%m}.xlsx")

    assert response.status_code == 200
    rows = sheet_rows(response.content, "Contracts")
    header, contracts, total = rows[0], rows[1:-1], rows[-1]
    net = header.index("Net payable (yuan)")
    assert len(contracts) == 2
    assert fen(total[net]) == sum((c.net for c in month_with_two_certificates), Decimal(0))
    assert sum((fen(row[net]) for row in contracts), Decimal(0)) == fen(total[net])
    ratings = sheet_rows(response.content, "Ratings")
    assert sum(row[1] for row in ratings[1:]) == 2


def test_it_marks_a_month_not_approved_and_leaves_it_out_of_the_total(
    english: None,
    world: World,
    manager: User,
    certificate_a: PaymentCertificate,
) -> None:
    computed_b = services.compute_assessment(
        contract=world.contract_b, month=MONTH, by=manager, now=local(MONTH.replace(day=31))
    )

    client = client_for(manager)
    rows = sheet_rows(client.get(f"/assessments/summary/{MONTH:%Y-%m}.xlsx").content, "Contracts")
    by_number = {row[0]: row for row in rows[1:-1]}
    assert by_number[computed_b.contract.number][-1] == "not approved"
    assert fen(rows[-1][rows[0].index("Net payable (yuan)")]) == certificate_a.net

    pdf = client.get(f"/assessments/summary/{MONTH:%Y-%m}.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert TITLE in text
    assert format_cny(certificate_a.net) in text
    assert "draft — not approved" in text


def test_it_refuses_the_summary_to_a_provider(
    provider_a_user: User, certificate_a: PaymentCertificate
) -> None:
    client = client_for(provider_a_user)

    assert client.get(f"/assessments/summary/{MONTH:%Y-%m}.pdf").status_code == 403
    assert client.get(f"/assessments/summary/{MONTH:%Y-%m}.xlsx").status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "March", "0000-01", "2026-03-01"])
def test_it_answers_404_for_a_month_that_is_not_one(manager: User, month: str) -> None:
    response = client_for(manager).get(f"/assessments/summary/{month}.xlsx")

    assert response.status_code == 404


def test_it_links_the_reports_from_the_pages(
    manager: User, provider_a_user: User, certificate_a: PaymentCertificate
) -> None:
    pk = certificate_a.assessment_id
    detail = client_for(provider_a_user).get(f"/assessments/{pk}/").content.decode()
    assert f"/assessments/{pk}/report.pdf" in detail
    assert f"/assessments/{pk}/report.xlsx" in detail

    listing = f"/assessments/?month={MONTH:%Y-%m}"
    assert f"/summary/{MONTH:%Y-%m}.pdf" in client_for(manager).get(listing).content.decode()
    assert "/summary/" not in client_for(provider_a_user).get(listing).content.decode()
