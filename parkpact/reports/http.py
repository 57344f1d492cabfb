"""HTTP responses carrying a rendered report, named in the user's language.

The file name travels as RFC 6266 ``filename*`` (UTF-8) when it is not plain ASCII, so a
browser saves ``东湖公园2025年1月考核.pdf`` rather than a mangled name.
"""

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_response(data: bytes, filename: str, *, as_attachment: bool = False) -> HttpResponse:
    """The PDF, shown in the browser unless ``as_attachment``."""
    return _file_response(data, filename, PDF, as_attachment=as_attachment)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """The workbook, always downloaded (browsers cannot show it)."""
    return _file_response(data, filename, XLSX, as_attachment=True)


def _file_response(
    data: bytes, filename: str, content_type: str, *, as_attachment: bool
) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    disposition = content_disposition_header(as_attachment, filename)
    assert disposition  # never None once a file name is given
    response["Content-Disposition"] = disposition
    response["Content-Length"] = str(len(data))
    # Reports hold contract and payment figures: no shared cache may keep them.
    patch_cache_control(response, private=True, no_store=True)
    return response
