"""Pages that open with no network: their service worker and their web app manifest.

The inspector's field app (/field/) and the guard's page (/patrols/guard/) each serve both from
their own address, so that the worker's scope covers the page. One worker script,
``core/service_worker.js``, serves them all: it is rendered with the current static URLs (hashed in
production) and a version that changes whenever one of those URLs or a file's content does, so a
new release replaces the old cache.
"""

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import get_language


def _hash_assets(names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in names:
        found = finders.find(name)
        digest.update(name.encode())
        if isinstance(found, str):
            with open(found, "rb") as file:
                digest.update(hashlib.sha256(file.read()).digest())
    return digest.hexdigest()[:16]


_cached_hash_assets = lru_cache(maxsize=8)(_hash_assets)


def assets_fingerprint(names: Sequence[str]) -> str:
    """A hash of the static files' contents: in production their URLs change with them, in
    development only their content may (so it is computed afresh on every request)."""
    return _hash_assets(tuple(names)) if settings.DEBUG else _cached_hash_assets(tuple(names))


def service_worker_response(
    *, name: str, page: str, shell_assets: Sequence[str], api_prefix: str | None = None
) -> HttpResponse:
    """The service worker of one offline page, to be served from the page's own address.

    ``name`` keeps its caches apart from other pages' workers; ``shell_assets`` are the static
    files (as given to ``static``) cached when it installs; GET answers under ``api_prefix``, if
    given, are kept for offline reading (network first). Writes are never cached or replayed."""
    shell = [static(asset) for asset in shell_assets]
    version = hashlib.sha256(
        (assets_fingerprint(shell_assets) + " ".join(shell)).encode()
    ).hexdigest()[:16]
    config = {
        "name": name,
        "version": version,
        "app": page,
        "shell": shell,
        "staticPrefix": urlsplit(settings.STATIC_URL or "/static/").path,
        "apiPrefix": api_prefix,
    }
    response = HttpResponse(
        render_to_string("core/service_worker.js", {"config": json.dumps(config, indent=2)}),
        content_type="text/javascript; charset=utf-8",
    )
    # Browsers check for a new worker on each visit; never let a cache hide one.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = page
    return response


def manifest_response(
    *,
    name: str,
    short_name: str,
    description: str,
    page: str,
    theme_colour: str,
    icons: Sequence[dict[str, str]],
) -> JsonResponse:
    """The web app manifest: what a phone needs to put the page on its home screen."""
    return JsonResponse(
        {
            "name": name,
            "short_name": short_name,
            "description": description,
            "lang": get_language(),
            "start_url": page,
            "scope": page,
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#ffffff",
            "theme_color": theme_colour,
            "icons": list(icons),
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
