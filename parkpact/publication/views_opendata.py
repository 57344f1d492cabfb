"""Open data pages, for anyone: the data dictionary and each dataset as CSV or XLSX.

CSV streams straight from the database, a chunk of rows at a time, so a large table costs
neither memory nor extra queries; XLSX is built in memory by the reports helper (a workbook
cannot be streamed), so for very large tables the CSV, or `manage.py export_opendata`, is the
way. Nothing here reads a user or a session: every visitor gets the same bytes.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from parkpact.reports.http import xlsx_response

from . import opendata

# Public data: browsers and proxies may keep a download a few minutes.
MAX_AGE_SECONDS = 300


def _dataset(slug: str) -> opendata.Dataset:
    dataset = opendata.BY_SLUG.get(slug)
    if dataset is None:
        raise Http404("No such dataset.")
    return dataset


def _public(response: HttpResponse | StreamingHttpResponse) -> None:
    """Open data holds nothing private: replace the reports' ``private, no-store``."""
    if "Cache-Control" in response:
        del response["Cache-Control"]
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)


@require_GET
def dictionary(request: HttpRequest) -> HttpResponse:
    """The data dictionary: each dataset, its columns, their meaning, and the downloads."""
    return render(
        request,
        "publication/opendata_dictionary.html",
        {
            "datasets": opendata.data_dictionary(),
            "centre_name": settings.PARKPACT_CENTRE_NAME,
            "licence_name": opendata.LICENCE_NAME,
            "licence_url": opendata.LICENCE_URL,
            "types": list(opendata.TYPE_FORMATS.items()),
        },
    )


@require_GET
def download_csv(request: HttpRequest, dataset: str) -> StreamingHttpResponse:
    """The dataset as CSV (UTF-8, comma-separated, header row first), streamed."""
    found = _dataset(dataset)
    response = StreamingHttpResponse(
        opendata.csv_chunks(found), content_type="text/csv; charset=utf-8"
    )
    disposition = content_disposition_header(True, f"parkpact-{found.slug}.csv")
    assert disposition
    response["Content-Disposition"] = disposition
    _public(response)
    return response


@require_GET
def download_xlsx(request: HttpRequest, dataset: str) -> HttpResponse:
    """The dataset as a one-sheet workbook with the CSV's headers."""
    found = _dataset(dataset)
    response = xlsx_response(opendata.xlsx_bytes(found), f"parkpact-{found.slug}.xlsx")
    _public(response)
    return response
