"""XLSX reports: one sheet per part, written with openpyxl.

Conventions every export follows: the first row holds the headers and stays frozen; money is
written as a number (from its ``Decimal``, never through a float rounded to the fen by hand) with
a ``#,##0.00`` format so sums in Excel are exact to the fen; dates are dates, not text; columns are
as wide as their content, counting a Chinese character as two.
"""

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

MONEY = "#,##0.00"
RATE = "0.00%"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"

MAX_TITLE_LENGTH = 31
MAX_COLUMN_WIDTH = 60
_FORBIDDEN_IN_TITLE = re.compile(r"[\[\]:*?/\\]")

Value = str | int | Decimal | date | datetime | bool | None


@dataclass
class Sheet:
    """One sheet of a workbook: a header row, then data rows.

    ``number_formats`` maps a column (0-based, or its header) to an Excel number format, e.g.
    ``{"Amount (yuan)": MONEY}``; dates and datetimes get ``DATE``/``DATETIME`` unless told."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Value]]
    number_formats: dict[int | str, str] = field(default_factory=dict)


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The ``.xlsx`` file holding ``sheets`` in order."""
    book = Workbook()
    book.remove(book.active)
    used_titles: set[str] = set()
    for sheet in sheets:
        title = unique_title(clean_title(str(sheet.title)), used_titles)
        used_titles.add(title.casefold())
        _write_sheet(book.create_sheet(title), sheet)
    if not book.worksheets:
        book.create_sheet("Sheet1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def clean_title(title: str) -> str:
    """``title`` made acceptable to Excel: none of ``[]:*?/\\``, not quoted, at most 31
    characters, never empty."""
    cleaned = _FORBIDDEN_IN_TITLE.sub(" ", title)
    cleaned = " ".join(cleaned.split()).strip("'")[:MAX_TITLE_LENGTH].strip()
    return cleaned or "Sheet"


def unique_title(title: str, used: set[str]) -> str:
    """``title``, or ``title (2)``… when a sheet already has it (Excel ignores case)."""
    candidate, number = title, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate = title[: MAX_TITLE_LENGTH - len(suffix)] + suffix
        number += 1
    return candidate


def display_width(value: str) -> int:
    """How many Latin characters wide ``value`` looks: wide (CJK) characters count double."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in value)


def _write_sheet(worksheet: Any, sheet: Sheet) -> None:
    formats = {
        _column_index(key, sheet.headers): number_format
        for key, number_format in sheet.number_formats.items()
    }
    headers = [str(header) for header in sheet.headers]  # lazy translations become text
    worksheet.append(headers)
    header_fill = PatternFill("solid", fgColor="E9ECEF")
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    worksheet.freeze_panes = "A2"

    widths = [display_width(header) for header in headers]
    for row in sheet.rows:
        worksheet.append([_cell_value(value) for value in row])
        cells: tuple[Cell, ...] = worksheet[worksheet.max_row]
        for index, (cell, value) in enumerate(zip(cells, row, strict=False)):
            if cell.data_type == "f":  # text that starts with "=" is shown, never evaluated
                cell.data_type = "s"
            number_format = formats.get(index) or _default_format(value)
            if number_format:
                cell.number_format = number_format
            shown = _shown(value, number_format)
            if index < len(widths):
                widths[index] = max(widths[index], display_width(shown))
            else:
                widths.append(display_width(shown))
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = min(
            width + 2, MAX_COLUMN_WIDTH
        )
    if sheet.headers:
        worksheet.auto_filter.ref = worksheet.dimensions


def _column_index(key: int | str, headers: Sequence[str]) -> int:
    if isinstance(key, int):
        return key
    return list(headers).index(key)


def _cell_value(value: Value) -> Value:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters Excel refuses
    # Excel has no time zones: an aware datetime is written as local (Asia/Shanghai) time.
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _default_format(value: Value) -> str | None:
    if isinstance(value, datetime):
        return DATETIME
    if isinstance(value, date):
        return DATE
    return None


def _shown(value: Value, number_format: str | None) -> str:
    """Roughly the text Excel shows for ``value``: enough to size the column."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "0000-00-00 00:00"
    if isinstance(value, date):
        return "0000-00-00"
    if isinstance(value, Decimal | int) and not isinstance(value, bool) and number_format:
        if "%" in number_format:
            return f"{value * 100:.2f}%"
        decimals = len(number_format.rpartition(".")[2]) if "." in number_format else 0
        return f"{value:,.{decimals}f}" if "," in number_format else f"{value:.{decimals}f}"
    return max(str(value).splitlines() or [""], key=display_width)
