"""PDF reports: a Django template rendered to HTML, laid out by WeasyPrint.

Reports never fetch anything over the network: every URL in a report is resolved by
``ReportURLFetcher``, which serves static files (the bundled fonts, logos) and media from disk,
allows ``data:`` URLs (charts, QR codes) and refuses everything else.
"""

import mimetypes
import os
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, default_storage
from django.http import HttpRequest
from django.template.loader import render_to_string
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

# Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would let the
# photo checks (core.photos) accept a half-uploaded JPEG in any process that ever rendered a
# report. Reports embed only complete display copies, so the strict default is put back.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Relative URLs in a report ("/static/…") resolve against this origin. ``.invalid`` never
# resolves (RFC 2606), and the fetcher maps it to disk before anything could try.
REPORT_ORIGIN = "https://report.invalid"


class ReportResourceError(Exception):
    """A report refers to a resource that is not on this server's disk, or to the network."""


class ReportURLFetcher(URLFetcher):
    """Gives WeasyPrint static files and media from disk; refuses every other URL."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != REPORT_ORIGIN:
            raise ReportResourceError(f"Reports may not fetch {url}")
        path = unquote(parts.path)
        static_prefix = _url_path(settings.STATIC_URL)
        media_prefix = _url_path(settings.MEDIA_URL)
        if path.startswith(static_prefix):
            body = _static_file(path.removeprefix(static_prefix))
        elif media_prefix != "/" and path.startswith(media_prefix):
            body = _stored_file(default_storage, path.removeprefix(media_prefix))
        else:
            body = None
        if body is None:
            raise ReportResourceError(f"No file for {url}")
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def render_pdf(
    *, template: str, context: dict[str, Any], request: HttpRequest | None = None
) -> bytes:
    """Render ``template`` with ``context`` and lay it out as a PDF document."""
    html = render_to_string(template, context, request=request)
    document = HTML(string=html, base_url=f"{REPORT_ORIGIN}/", url_fetcher=ReportURLFetcher())
    try:
        pdf = document.write_pdf(font_config=FontConfiguration())
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error is a BaseException; views and tasks expect an Exception.
        raise ReportResourceError(str(error.__cause__ or error)) from error
    assert pdf is not None  # write_pdf returns bytes when given no target
    return pdf


def _url_path(prefix: str) -> str:
    """``"static/"`` or ``"/static/"`` → ``"/static/"``."""
    path = urlsplit(prefix).path
    return "/" + path.strip("/") + "/"


def _static_file(name: str) -> bytes | None:
    """A static file from the app and project static folders, else from collectstatic's output
    (where the hashed names that ``{% static %}`` gives in production live)."""
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:  # a name that climbs out of the static folders
        return None
    if isinstance(found, str) and os.path.isfile(found):
        with open(found, "rb") as file:
            return file.read()
    return _stored_file(staticfiles_storage, name)


def _stored_file(storage: Storage, name: str) -> bytes | None:
    try:
        if not storage.exists(name):
            return None
        with storage.open(name, "rb") as file:
            data = file.read()
    except (OSError, SuspiciousFileOperation):  # a name that climbs out of the storage
        return None
    return bytes(data)
