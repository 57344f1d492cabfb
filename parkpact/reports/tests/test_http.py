from parkpact.reports.http import pdf_response, xlsx_response


def test_a_pdf_is_shown_inline_under_its_chinese_name() -> None:
    response = pdf_response(b"%PDF-1.7 ...", "东湖公园 2025年1月考核.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''%E4%B8%9C%E6%B9%96%E5%85%AC%E5%9B%AD%20"
        "2025%E5%B9%B41%E6%9C%88%E8%80%83%E6%A0%B8.pdf"
    )
    assert response["Content-Length"] == "12"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response.content == b"%PDF-1.7 ..."


def test_a_pdf_can_be_downloaded() -> None:
    response = pdf_response(b"%PDF", "assessment-2025-01.pdf", as_attachment=True)

    assert response["Content-Disposition"] == 'attachment; filename="assessment-2025-01.pdf"'


def test_a_workbook_is_downloaded() -> None:
    response = xlsx_response(b"PK...", "付款.xlsx")

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E4%BB%98%E6%AC%BE.xlsx"
