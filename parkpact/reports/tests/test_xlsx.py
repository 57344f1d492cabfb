import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from parkpact.reports.xlsx import MONEY, Sheet, clean_title, display_width, workbook

AMOUNTS = [Decimal("168000.00"), Decimal("0.01"), Decimal("1234567.89"), Decimal("9999999999.99")]


def payments() -> Sheet:
    return Sheet(
        title="付款",
        headers=["合同", "考核月份", "应付金额（元）", "备注"],
        rows=[["HT-2025-001", date(2025, 1, 31), amount, "东湖公园北岸保洁"] for amount in AMOUNTS],
        number_formats={"应付金额（元）": MONEY},
    )


def load(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data))


def test_it_keeps_money_exact_to_the_fen() -> None:
    data = workbook([payments()])

    sheet = load(data)["付款"]
    cells = [sheet.cell(row=row, column=3) for row in range(2, 2 + len(AMOUNTS))]
    assert [Decimal(str(cell.value)).quantize(Decimal("0.01")) for cell in cells] == AMOUNTS
    assert all(cell.number_format == MONEY for cell in cells)
    # Written as the Decimal's own digits, not a float's repr.
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>1234567.89</v>" in xml and "<v>9999999999.99</v>" in xml


def test_it_writes_dates_as_dates() -> None:
    moment = datetime(2025, 1, 31, 16, 30, tzinfo=UTC)
    sheet = Sheet(title="日期", headers=["日", "时"], rows=[[date(2025, 1, 31), moment]])

    cells = load(workbook([sheet]))["日期"][2]
    assert cells[0].is_date and cells[0].value == datetime(2025, 1, 31)
    assert cells[0].number_format == "yyyy-mm-dd"
    assert cells[1].value == datetime(2025, 2, 1, 0, 30)  # Asia/Shanghai
    assert cells[1].number_format == "yyyy-mm-dd hh:mm"


def test_it_freezes_and_bolds_the_header_row() -> None:
    sheet = load(workbook([payments()]))["付款"]

    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == ["合同", "考核月份", "应付金额（元）", "备注"]
    assert all(cell.font.bold for cell in sheet[1])


def test_it_fits_columns_counting_chinese_characters_double() -> None:
    sheet = Sheet(title="宽度", headers=["a", "b"], rows=[["abcdefgh", "东湖公园北岸"]])

    widths = load(workbook([sheet]))["宽度"].column_dimensions
    assert widths["B"].width > widths["A"].width
    assert display_width("东湖公园北岸") == 12
    assert display_width("ＡＢ") == 4


def test_it_cleans_sheet_titles_to_excels_rules() -> None:
    sheets = [
        Sheet(title="2025/01 考核[汇总]: *?", headers=["a"], rows=[]),
        Sheet(title="东湖公园" * 10, headers=["a"], rows=[]),
        Sheet(title="东湖公园" * 10, headers=["a"], rows=[]),
        Sheet(title="", headers=["a"], rows=[]),
    ]

    titles = load(workbook(sheets)).sheetnames
    assert titles[0] == "2025 01 考核 汇总"
    assert titles[1] == ("东湖公园" * 10)[:31]
    assert titles[2] == ("东湖公园" * 10)[:27] + " (2)"
    assert titles[3] == "Sheet"


@given(st.text())
def test_every_cleaned_title_is_one_excel_accepts(title: str) -> None:
    cleaned = clean_title(title)

    assert 1 <= len(cleaned) <= 31
    assert not set(cleaned) & set("[]:*?/\\")
    assert not cleaned.startswith("'") and not cleaned.endswith("'")


def test_text_that_looks_like_a_formula_stays_text() -> None:
    sheet = Sheet(title="意见", headers=["意见"], rows=[['=HYPERLINK("http://x")'], ["a\x07b"]])

    cells = load(workbook([sheet]))["意见"]
    assert cells["A2"].data_type == "s"
    assert cells["A2"].value == '=HYPERLINK("http://x")'
    assert cells["A3"].value == "ab"
