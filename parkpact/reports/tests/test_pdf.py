import base64
import io
import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image, ImageFile
from pypdf import PdfReader

from parkpact.core.photos import check_photo
from parkpact.reports.pdf import (
    REPORT_ORIGIN,
    ReportResourceError,
    ReportURLFetcher,
    render_pdf,
)

TITLE = "东湖公园保洁服务合同"


# A 1×1 transparent PNG.
def _pixel() -> str:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (25, 135, 84)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


PIXEL = _pixel()


def contract(rows: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "title": TITLE,
        "reference": "合同编号 HT-2025-001 · 2025年1月",
        "rows": [
            {"zone": f"{n}号区域 东湖北岸", "finding": "地面有垃圾未及时清扫", "points": "2.0"}
            for n in range(1, rows + 1)
        ],
        "parties": ["甲方：东湖公园管理中心（盖章）", "乙方：厦门绿洁环境服务有限公司（盖章）"],
        "images": [],
        **extra,
    }


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def embedded_font_files(reader: PdfReader) -> int:
    count = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    count += any(
                        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                    )
    return count


def test_it_renders_chinese_text_that_can_be_extracted() -> None:
    pdf = render_pdf(template="reports_test/contract.html", context=contract())

    text = read(pdf).pages[0].extract_text()
    assert TITLE in text
    assert "厦门绿洁环境服务有限公司" in text
    assert "¥168,000.00" in text
    assert "NH₃" in text and "H₂S" in text and "m²" in text


def test_it_embeds_the_bundled_fonts() -> None:
    reader = read(render_pdf(template="reports_test/contract.html", context=contract()))

    names = font_names(reader)
    # Subset fonts are named "ABCDEF+Family": the @font-face families of base_report.html.
    families = {name.split("+", 1)[1] for name in names}
    assert {"Report-Sans", "Report-Sans-Bold", "Report-Scripts"} <= families
    assert embedded_font_files(reader) >= 3


def test_it_numbers_pages_and_repeats_table_headers() -> None:
    with translation.override("en"):
        pdf = render_pdf(template="reports_test/contract.html", context=contract(rows=75))

    pages = read(pdf).pages
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of 3" in text
        assert "序号 区域 问题 扣分" in text  # the header row, on every page the table crosses
    assert TITLE in pages[1].extract_text()  # the running title in the top margin


def test_it_draws_data_urls() -> None:
    pdf = render_pdf(
        template="reports_test/contract.html",
        context=contract(images=[f"data:image/png;base64,{PIXEL}"]),
    )

    assert sum(len(page.images) for page in read(pdf).pages) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://example.com/static/reports/fonts/OFL.txt",
        "file:///etc/passwd",
        "ftp://example.com/logo.png",
    ],
)
def test_the_fetcher_refuses_the_network_and_other_files(url: str) -> None:
    with pytest.raises(ReportResourceError):
        ReportURLFetcher().fetch(url)


@pytest.mark.parametrize(
    "path",
    [
        "/static/../settings.py",
        "/static/reports/../../settings.py",
        "/static/",
        "/static/reports/fonts/missing.otf",
        "/elsewhere/a.png",
    ],
)
def test_the_fetcher_serves_nothing_outside_static_and_media(path: str) -> None:
    with pytest.raises(ReportResourceError):
        ReportURLFetcher().fetch(f"{REPORT_ORIGIN}{path}")


def test_the_fetcher_serves_static_files_from_disk() -> None:
    response = ReportURLFetcher().fetch(f"{REPORT_ORIGIN}/static/reports/fonts/OFL.txt")

    assert b"SIL OPEN FONT LICENSE Version 1.1" in response.read()
    assert response.content_type == "text/plain"


def test_a_report_that_links_to_the_network_fails_without_connecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connections: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connections.append(address))

    with pytest.raises(ReportResourceError, match=r"example\.com"):
        render_pdf(
            template="reports_test/network.html", context={"url": "http://example.com/logo.png"}
        )
    assert connections == []


def test_rendering_reports_leaves_truncated_photos_refused() -> None:
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES when imported; the photo checks
    must still refuse a half-uploaded photo in a process that renders reports."""
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 120, 40)).save(out, format="JPEG")
    data = out.getvalue()
    with pytest.raises(ValidationError):
        check_photo(data[: len(data) // 2])
