"""The public's pages: the report form behind a zone's QR code, the tracking page, the photos
shown there, and the posters that carry the QR codes (these for centre staff only).

No login anywhere but the posters. What a reporter may read is what Open311 publishes: the
status, the public notes and the display copies of the photos; never a contact detail, a staff
note or an original photo (which may hold a camera's GPS position).
"""

import logging
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from PIL import Image

from parkpact.core.forms import add_service_errors
from parkpact.core.models import CENTRE_ROLES
from parkpact.core.permissions import role_required
from parkpact.core.photos import MAX_PHOTO_BYTES
from parkpact.core.ratelimit import Limit, client_address, hit
from parkpact.parks.models import Zone
from parkpact.parks.services import locate_point

from . import posters, services
from .forms_public import FeedbackForm, ReportForm, TrackLookupForm
from .models import RequestEvent, RequestPhoto, Service, ServiceRequest

logger = logging.getLogger(__name__)
Status = ServiceRequest.Status
HOUR = 3600
GPS_IFD = 0x8825

# What each status means to the person who reported it.
STATUS_MEANING: dict[str, Any] = {
    Status.SUBMITTED: gettext_lazy("Received: waiting for the team responsible to pick it up."),
    Status.ACKNOWLEDGED: gettext_lazy("The team responsible has seen it and will deal with it."),
    Status.IN_PROGRESS: gettext_lazy("Someone is working on it."),
    Status.RESOLVED: gettext_lazy("The team says it is fixed. Tell us whether it is."),
    Status.CLOSED: gettext_lazy("Fixed, and checked by the park management centre."),
    Status.REJECTED: gettext_lazy("Not taken up: see the note below for why."),
    Status.DUPLICATE: gettext_lazy("Someone reported this already: follow that report."),
}


def _rate_limited(request: HttpRequest, prefix: str) -> HttpResponse | None:
    """A 429 page when this address has sent too much in the hour, else None."""
    decision = hit(
        f"{prefix}:{client_address(request)}", Limit(settings.PUBLIC_REPORTS_PER_IP_HOUR, HOUR)
    )
    if decision.allowed:
        return None
    minutes = max(1, -(-decision.retry_after // 60))
    response = render(
        request, "servicerequests/public/too_many.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(decision.retry_after)
    return response


# ---- The report form -------------------------------------------------------------------------


def _zone_for(token: str) -> Zone | None:
    return Zone.objects.select_related("park").filter(qr_token=token).first()


def _invalid_code(request: HttpRequest) -> HttpResponse:
    return render(request, "servicerequests/public/invalid_code.html", status=404)


def photo_position(upload: UploadedFile) -> tuple[Decimal, Decimal] | None:
    """(latitude, longitude) from the photo's EXIF GPS tags, if it has them; None otherwise,
    and for anything Pillow cannot read (the services refuse non-photos with a message)."""
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        return None
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None
        latitude = _degrees(gps[2], gps.get(1, "N"), "S")
        longitude = _degrees(gps[4], gps.get(3, "E"), "W")
    except Exception:  # an untrusted file may fail to parse in many ways; it has no position
        logger.debug("No readable GPS position in a photo", exc_info=True)
        return None
    finally:
        upload.seek(0)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude.quantize(Decimal("0.000001")), longitude.quantize(Decimal("0.000001"))


def _degrees(dms: Any, ref: Any, negative: str) -> Decimal:
    degrees, minutes, seconds = (Decimal(str(float(part))) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    reference = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -value if reference.strip().upper() == negative else value


def _zone_centre(zone: Zone) -> tuple[Decimal, Decimal]:
    latitude = Decimal(str((zone.south + zone.north) / 2)).quantize(Decimal("0.000001"))
    longitude = Decimal(str((zone.west + zone.east) / 2)).quantize(Decimal("0.000001"))
    return latitude, longitude


def _place(zone: Zone, photo: UploadedFile | None) -> services.Place:
    """Where the photo was taken if that is in the QR code's park (more precise than a poster
    that serves a whole zone); otherwise the middle of the QR code's zone."""
    position = photo_position(photo) if photo is not None else None
    if position is not None:
        location = locate_point(longitude=float(position[1]), latitude=float(position[0]))
        if location is not None and location.park.pk == zone.park_id:
            place = services.place_report(position=position)
            if place.zone is None:  # in the park but between zones: the poster's zone
                return services.Place(place.latitude, place.longitude, zone, zone.park_id)
            return place
    latitude, longitude = _zone_centre(zone)
    place = services.place_report(position=(latitude, longitude))
    # The poster names the zone: a bounding box's middle may fall just outside it.
    return services.Place(latitude, longitude, zone, zone.park_id) if place.zone != zone else place


def _submit(form: ReportForm, zone: Zone) -> ServiceRequest:
    data = form.cleaned_data
    photo = data.get("photo")
    try:
        return services.submit_request(
            service=form.service,
            place=_place(zone, photo),
            description=data["description"],
            attributes=form.answers(),
            contact=services.Contact(name=data["name"], email=data["email"], phone=data["phone"]),
            photo=photo,
            channel=ServiceRequest.Channel.QR,
        )
    except ValidationError as error:
        # The services name the photo "media", as Open311 does; here it is the photo field.
        if hasattr(error, "error_dict") and "media" in error.error_dict:
            error.error_dict["photo"] = error.error_dict.pop("media")
        raise


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, token: str) -> HttpResponse:
    """Step 1 picks a service, step 2 (``?service=<code>``) describes the problem."""
    zone = _zone_for(token)
    if zone is None:
        return _invalid_code(request)
    catalogue = list(Service.objects.filter(active=True))
    service = next((s for s in catalogue if s.code == request.GET.get("service")), None)
    if service is None:
        return render(
            request,
            "servicerequests/public/report_services.html",
            {"zone": zone, "services": catalogue},
        )
    if request.method == "POST":
        if (limited := _rate_limited(request, "report-ip")) is not None:
            return limited
        form = ReportForm(request.POST, request.FILES, service=service)
        if form.is_bot():
            # The same thanks as anyone, so that the bot learns nothing; nothing is stored.
            return render(request, "servicerequests/public/thanks.html", {"zone": zone})
        if form.is_valid():
            try:
                created = _submit(form, zone)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                url = reverse("public:track", kwargs={"code": created.tracking_code})
                return redirect(f"{url}?new=1")
    else:
        form = ReportForm(service=service)
    return render(
        request,
        "servicerequests/public/report_form.html",
        {"zone": zone, "service": service, "form": form},
    )


# ---- Following a report ----------------------------------------------------------------------


@require_GET
def track_lookup(request: HttpRequest) -> HttpResponse:
    form = TrackLookupForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        if ServiceRequest.objects.filter(tracking_code=code).exists():
            return redirect("public:track", code=code)
        form.add_error("code", _("No report has this tracking code. Check it and try again."))
    return render(request, "servicerequests/public/track_lookup.html", {"form": form})


def _tracked(code: str) -> ServiceRequest | None:
    return (
        ServiceRequest.objects.select_related("service", "park", "zone__park", "duplicate_of")
        .filter(tracking_code=code.strip().upper())
        .first()
    )


def _step(event: RequestEvent) -> str:
    """What happened at this step, in words."""
    if event.kind == RequestEvent.Kind.STATUS and event.to_status:
        if not event.from_status:
            return _("Report received")
        if event.by_reporter and event.to_status == Status.IN_PROGRESS:
            return _("Reopened: you said it is not fixed")
        return event.to_status_label
    if event.kind == RequestEvent.Kind.FEEDBACK:
        return _("Your feedback")
    if event.kind == RequestEvent.Kind.ROUTING:
        return _("Passed to the team responsible")
    return str(event.get_kind_display())


def _track_page(
    request: HttpRequest, report: ServiceRequest, feedback: FeedbackForm | None = None
) -> HttpResponse:
    events = report.events.filter(public=True).order_by("at", "pk")
    photos = list(report.photos.order_by("uploaded_at", "pk"))
    answered = report.status in (Status.RESOLVED, Status.CLOSED)
    return render(
        request,
        "servicerequests/public/track.html",
        {
            "report": report,
            "meaning": STATUS_MEANING.get(report.status, ""),
            "is_new": request.GET.get("new") == "1",
            "timeline": [(event, _step(event)) for event in events],
            "report_photos": [p for p in photos if p.stage == RequestPhoto.Stage.REPORT],
            "resolution_photos": [p for p in photos if p.stage == RequestPhoto.Stage.RESOLUTION],
            # A refused answer is shown whatever the status (it may have changed meanwhile).
            "feedback": feedback or (FeedbackForm() if answered else None),
        },
    )


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    report = _tracked(code)
    if report is None:
        return render(request, "servicerequests/public/track_unknown.html", status=404)
    return _track_page(request, report)


@require_POST
def track_feedback(request: HttpRequest, code: str) -> HttpResponse:
    report = _tracked(code)
    if report is None:
        return render(request, "servicerequests/public/track_unknown.html", status=404)
    if (limited := _rate_limited(request, "feedback-ip")) is not None:
        return limited
    form = FeedbackForm(request.POST)
    if form.is_valid():
        fixed = form.said_fixed()
        try:
            services.reporter_feedback(
                request=report,
                fixed=fixed,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if fixed is False:
                messages.success(request, _("Thank you: the report is open again."))
            else:
                messages.success(request, _("Thank you for telling us."))
            return redirect("public:track", code=report.tracking_code)
    return _track_page(request, report, form)


@require_GET
def photo_display(request: HttpRequest, uuid: UUID) -> HttpResponseBase:
    """The EXIF-free display copy of a report's or a resolution's photo, for anyone: what the
    tracking page and Open311's media_url show. The original is for centre staff only."""
    record = get_object_or_404(RequestPhoto, uuid=uuid)
    response = FileResponse(
        record.display.storage.open(str(record.display.name), "rb"),
        content_type="image/jpeg",
        filename=f"{record.uuid}.jpg",
    )
    # A display copy never changes under its random name: anyone may keep it.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ---- Posters -------------------------------------------------------------------------------


def _poster_facts(request: HttpRequest, pk: int) -> tuple[Zone, posters.PosterFacts]:
    zone = get_object_or_404(Zone.objects.select_related("park"), pk=pk)
    url = request.build_absolute_uri(reverse("public:report", kwargs={"token": zone.qr_token}))
    facts = posters.PosterFacts(
        centre_name=settings.PARKPACT_CENTRE_NAME,
        park_name=zone.park.name,
        zone_code=zone.code,
        zone_name=zone.name,
        url=url,
    )
    return zone, facts


def _poster_response(zone: Zone, body: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    name = f"poster-{zone.park.code}-{zone.code}.{extension}"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    # The QR token changes when it is renewed: never serve an old poster from a cache.
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
@role_required(CENTRE_ROLES)
def poster_svg(request: HttpRequest, pk: int) -> HttpResponse:
    zone, facts = _poster_facts(request, pk)
    return _poster_response(zone, posters.poster_svg(facts), "image/svg+xml", "svg")


@require_GET
@role_required(CENTRE_ROLES)
def poster_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    zone, facts = _poster_facts(request, pk)
    return _poster_response(zone, posters.poster_pdf(facts), "application/pdf", "pdf")
