"""The inspector's field app at /field/: an installable web app that works offline.

Three addresses, all under /field/ so that the service worker's scope covers the app:

- ``/field/``: the app's one page (sign-in required, inspectors only). Every string it shows is
  translated here or in its template; the JavaScript gets its strings from a JSON catalogue.
- ``/field/sw.js``: the service worker, rendered (by ``core.offline``) so that it knows the current
  static URLs (hashed in production) and changes whenever one of them does.
- ``/field/manifest.webmanifest``: the web app manifest, translated.

The data travel through the JSON API under /api/v1/field/ (inspections/api.py); docs/field-app.md
describes the protocol and the offline queue.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parkpact.core.models import Role
from parkpact.core.offline import manifest_response, service_worker_response
from parkpact.core.permissions import role_required, signed_in_user

app_name = "field"

FIELD_ROLES = frozenset({Role.INSPECTOR})

# Static files the app needs offline; the service worker caches them when it installs.
SHELL_ASSETS = (
    "vendor/bootstrap-5.3.9/bootstrap.min.css",
    "vendor/leaflet-1.9.4/leaflet.css",
    "vendor/leaflet-1.9.4/leaflet.js",
    "inspections/field/app.css",
    "inspections/field/app.js",
    "inspections/field/icon-192.png",
    "inspections/field/icon-512.png",
)
THEME_COLOUR = "#198754"  # Bootstrap's "success" green, as in the workspace's navigation bar


def strings() -> dict[str, str]:
    """What the JavaScript shows, in the request's language. ``%(name)s`` marks a value."""
    return {
        "waiting": _("%(count)s waiting to send"),
        "nothing_waiting": _("Nothing waiting to send"),
        "online": _("Online"),
        "offline": _("Offline"),
        "sending": _("Sending…"),
        "sign_in_again": _(
            "You are signed out: sign in again to send what is waiting. It stays on this device."
        ),
        "sign_in": _("Sign in"),
        "visits_as_of": _("Visits as of %(time)s"),
        "visits_offline": _("Offline: these are the visits saved at %(time)s."),
        "visits_failed": _("The visits could not be loaded. Check the network and try again."),
        "no_visits": _("No visits for you today or in the next two days."),
        "status_scheduled": _("Scheduled"),
        "status_in_progress": _("In progress"),
        "local_draft": _("Started"),
        "local_waiting": _("Waiting to send"),
        "local_sent": _("Sent"),
        "local_refused": _("Not accepted"),
        "inspect": _("Inspect"),
        "window": _("Window: %(start)s to %(end)s"),
        "started_at": _("Started at %(time)s."),
        "locating": _("Finding your position…"),
        "position_ok": _("Position recorded (± %(metres)s m)."),
        "position_none": _(
            "No GPS position: the inspection can still be sent, but it will be flagged for review."
        ),
        "pass": _("Pass"),
        "fail": _("Fail"),
        "not_inspected": _("Not inspected"),
        "target": _("Target: %(target)s"),
        "limit_max": _("Limit: at most %(limit)s %(unit)s"),
        "limit_min": _("Limit: at least %(limit)s %(unit)s"),
        "measured_value": _("Measured value"),
        "beyond_limit": _("Beyond the limit: this item fails."),
        "note": _("Note"),
        "take_photo": _("Take a photo"),
        "photo_count": _("Photos: %(count)s"),
        "remove_photo": _("Remove photo"),
        "choose_result": _("Choose a result for every item."),
        "photo_needed": _("A failed item needs at least one photo."),
        "bad_value": _("Give the measured value as a number."),
        "fix_items": _("Some items need attention: see the messages in red."),
        "queued": _(
            "Saved on this device. It is sent as soon as there is a network; you can go on."
        ),
        "refused": _("Not accepted: %(message)s"),
        "photo_of_refused": _("Its inspection was not accepted."),
        "discard": _("Discard"),
        "discard_confirm": _(
            "Remove this inspection from this device? The server has not accepted it."
        ),
        "inspection_item": _("Inspection of %(zone)s"),
        "photo_item": _("Photo for %(standard)s, %(zone)s"),
        "sent_at": _("Sent at %(time)s"),
        "review_flag": _("A manager will review this visit: %(reason)s"),
        "storage_failed": _(
            "This device could not save the inspection (storage full or blocked): nothing was lost "
            "yet, keep this page open and try again."
        ),
    }


def _urls() -> dict[str, str]:
    return {
        "app": reverse("field:app"),
        "serviceWorker": reverse("field:service_worker"),
        "visits": reverse("api:list_visits"),
        "sync": reverse("api:sync_status"),
        # The app puts the visit's or the finding's UUID in place of the zeros.
        "submission": reverse(
            "api:submit_visit", kwargs={"inspection_uuid": "00000000-0000-0000-0000-000000000000"}
        ),
        "photos": reverse(
            "api:upload_photo", kwargs={"finding_uuid": "00000000-0000-0000-0000-000000000000"}
        ),
        "login": f"{reverse('core:login')}?next={reverse('field:app')}",
        "workspace": reverse("core:home"),
    }


@require_GET
@role_required(FIELD_ROLES)
@never_cache
def app(request: HttpRequest) -> HttpResponse:
    """The app's page. The service worker keeps a copy for when there is no network."""
    user = signed_in_user(request)
    config: dict[str, Any] = {
        "user": user.get_username(),
        "language": get_language(),
        "timeZone": settings.TIME_ZONE,
        "csrfToken": get_token(request),
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        "urls": _urls(),
        "strings": strings(),
    }
    return render(
        request,
        "inspections/field/app.html",
        {"config": config, "theme_colour": THEME_COLOUR, "person": user},
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, served from /field/ so that its scope is the whole app."""
    return service_worker_response(
        name="field",
        page=reverse("field:app"),
        shell_assets=SHELL_ASSETS,
        api_prefix=reverse("api:list_visits").rsplit("/", 1)[0] + "/",
    )


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: what a phone needs to install the app on its home screen."""
    return manifest_response(
        name=_("ParkPact field inspections"),
        short_name=_("Inspections"),
        description=_("Today's inspection visits, the checklist, photos and GPS, offline."),
        page=reverse("field:app"),
        theme_colour=THEME_COLOUR,
        icons=[
            {
                "src": static("inspections/field/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": static("inspections/field/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
            },
            {
                "src": static("inspections/field/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    )


urlpatterns = [
    path("", app, name="app"),
    path("sw.js", service_worker, name="service_worker"),
    path("manifest.webmanifest", manifest, name="manifest"),
]
