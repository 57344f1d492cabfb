"""The security pages: the dashboard (centre staff see every company, a provider its own),
a round's page, incidents and their actions, printable checkpoint codes, and the guard's page.

Another company's round or incident answers 404, as if it did not exist. Every change goes
through ``services``; its refusals are shown on the page in the user's language.
"""

from datetime import datetime, time, timedelta
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from parkpact.contracts.models import Contract
from parkpact.core.models import CENTRE_ROLES, Role, User
from parkpact.core.offline import manifest_response, service_worker_response
from parkpact.core.permissions import (
    MANAGING_ROLES,
    SIGNED_IN_ROLES,
    role_required,
    signed_in_user,
)
from parkpact.core.photos import read_capped
from parkpact.parks.models import Zone

from . import incidents, services
from .compliance import response_minutes
from .forms import IncidentForm, MoveForm, PhotoForm, ScanForm
from .models import Checkpoint, Incident, PatrolRound

GUARD_ROLES = frozenset({Role.PROVIDER})
# The guard page's static files (those of base.html and its own script), cached by its service
# worker so that the page opens with no network.
GUARD_SHELL_ASSETS = (
    "parkpact/favicon.svg",
    "vendor/bootstrap-5.3.9/bootstrap.min.css",
    "parkpact/parkpact.css",
    "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js",
    "vendor/htmx-2.0.11/htmx.min.js",
    "patrols/guard.js",
)
GUARD_THEME_COLOUR = "#198754"  # Bootstrap's "success" green, as in the navigation bar
# Open incidents and today's open rounds are drawn in these colours on the map.
INCIDENT_COLOUR = "#dc3545"
ZONE_OUTLINE = "#198754"


def _today_bounds() -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    return start, start + timedelta(days=1)


def _security_contracts(user: User) -> Any:
    return Contract.objects.visible_to(user).filter(service_kind=Contract.ServiceKind.SECURITY)


def _map_data(incidents: list[Incident]) -> dict[str, Any]:
    """What parkpact/zone-map.js draws: the zones of the incidents' parks, and each open
    incident as a point (filled when a guard is on scene)."""
    zone_ids = {incident.zone_id for incident in incidents if incident.zone_id}
    park_ids = set(Zone.objects.filter(pk__in=zone_ids).values_list("park_id", flat=True))
    zones = Zone.objects.filter(park_id__in=park_ids).select_related("park").order_by("code")
    points = []
    for incident in incidents:
        longitude, latitude = incident.longitude, incident.latitude
        if longitude is None and incident.zone is not None:
            longitude = (incident.zone.west + incident.zone.east) / 2  # type: ignore[assignment]
            latitude = (incident.zone.south + incident.zone.north) / 2  # type: ignore[assignment]
        if longitude is None or latitude is None:
            continue
        points.append(
            {
                "title": f"#{incident.pk} {incident.get_kind_display()}",
                "kind": incident.get_severity_display(),
                "zone": str(incident.zone or ""),
                "longitude": float(longitude),
                "latitude": float(latitude),
                "in_service": incident.status == Incident.Status.ON_SCENE,
            }
        )
    return {
        "zones": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": zone.boundary,
                    "properties": {
                        "id": zone.pk,
                        "title": f"{zone.park.name} · {zone}",
                        "kind": zone.get_kind_display(),
                        "area": "",
                        "colour": ZONE_OUTLINE,
                    },
                }
                for zone in zones
            ],
        },
        "facilities": points,
    }


@role_required(SIGNED_IN_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Today's rounds, this month's compliance per security contract, and open incidents."""
    user = signed_in_user(request)
    start, end = _today_bounds()
    rounds = list(
        PatrolRound.objects.visible_to(user)
        .filter(window_start__gte=start, window_start__lt=end)
        .select_related("route__contract")
        .order_by("window_start", "route__name")
    )
    contracts = list(_security_contracts(user).filter(status=Contract.Status.ACTIVE))
    month = timezone.localdate()
    compliance = [
        (contract, services.compliance(contract=contract, month=month)) for contract in contracts
    ]
    incidents = list(
        Incident.objects.visible_to(user)
        .open()
        .select_related("zone", "contract")
        .order_by("-reported_at")[:100]
    )
    counts: dict[str, int] = {}
    for patrol_round in rounds:
        counts[patrol_round.status] = counts.get(patrol_round.status, 0) + 1
    return render(
        request,
        "patrols/dashboard.html",
        {
            "rounds": rounds,
            "round_counts": [
                (label, counts.get(value, 0)) for value, label in PatrolRound.Status.choices
            ],
            "compliance": compliance,
            "incidents": incidents,
            "map_data": _map_data(incidents),
            "is_guard": user.has_role(Role.PROVIDER),
            "may_manage": user.has_role(*MANAGING_ROLES),
            "month": month,
        },
    )


@role_required(SIGNED_IN_ROLES)
def round_detail(request: HttpRequest, round_uuid: Any) -> HttpResponse:
    user = signed_in_user(request)
    patrol_round = get_object_or_404(
        PatrolRound.objects.visible_to(user).select_related("route__contract__provider"),
        uuid=round_uuid,
    )
    checkpoints = Checkpoint.objects.select_related("facility").in_bulk(patrol_round.checkpoint_ids)
    scans = list(patrol_round.scans.select_related("checkpoint__facility", "by"))
    missed = set(patrol_round.missed.values_list("checkpoint_id", flat=True))
    scanned = {scan.checkpoint_id for scan in scans}
    due = [
        {
            "position": i,
            "checkpoint": checkpoints.get(pk),
            "scanned": pk in scanned,
            "missed": pk in missed,
        }
        for i, pk in enumerate(patrol_round.checkpoint_ids, start=1)
    ]
    return render(
        request,
        "patrols/round_detail.html",
        {"round": patrol_round, "due": due, "scans": scans},
    )


@role_required(SIGNED_IN_ROLES)
def incident_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    incidents = Incident.objects.visible_to(user).select_related("zone", "contract")
    status = request.GET.get("status", "open")
    if status == "open":
        incidents = incidents.open()
    elif status in Incident.Status.values:
        incidents = incidents.filter(status=status)
    page = Paginator(incidents.order_by("-reported_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "patrols/incident_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [("open", _("Open")), *Incident.Status.choices, ("all", _("All"))],
        },
    )


@role_required(SIGNED_IN_ROLES)
def incident_create(request: HttpRequest) -> HttpResponse:
    """Centre staff or a guard report an incident under a security contract they may see."""
    user = signed_in_user(request)
    if user.has_role(Role.FINANCE, Role.AUDITOR):
        raise PermissionDenied
    contracts = _security_contracts(user).filter(status=Contract.Status.ACTIVE)
    form = IncidentForm(request.POST or None, contracts=contracts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = incidents.report_incident(
                contract=data["contract"],
                kind=data["kind"],
                severity=data["severity"],
                zone=data["zone"],
                notes=data["notes"],
                by=user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Incident #%(number)s is reported.") % {"number": incident.pk}
            )
            return redirect("patrols:incident_detail", pk=incident.pk)
    return render(request, "patrols/incident_form.html", {"form": form})


def _visible_incident(user: User, pk: int) -> Incident:
    return get_object_or_404(
        Incident.objects.visible_to(user).select_related("zone", "contract__provider"), pk=pk
    )


def _may_handle(user: User, incident: Incident) -> bool:
    if user.has_role(*MANAGING_ROLES):
        return True
    return user.provider_id == incident.contract.provider_id


@role_required(SIGNED_IN_ROLES)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    incident = _visible_incident(user, pk)
    handle = _may_handle(user, incident)
    response = incident.response_time
    return render(
        request,
        "patrols/incident_detail.html",
        {
            "incident": incident,
            "photos": list(incident.photos.all()),
            "response_minutes": (response_minutes(response) if response is not None else None),
            "may_on_scene": handle and incident.can_become(Incident.Status.ON_SCENE),
            "may_resolve": handle and incident.can_become(Incident.Status.RESOLVED),
            "may_add_photo": handle,
            "move_form": MoveForm(),
            "photo_form": PhotoForm(),
        },
    )


def _move(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    user = signed_in_user(request)
    incident = _visible_incident(user, pk)
    if not _may_handle(user, incident):
        raise PermissionDenied
    form = MoveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        action(incident=incident, by=user, note=note)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("patrols:incident_detail", pk=incident.pk)


@require_POST
@role_required(SIGNED_IN_ROLES)
def incident_on_scene(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, incidents.mark_on_scene)


@require_POST
@role_required(SIGNED_IN_ROLES)
def incident_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, incidents.resolve_incident)


@require_POST
@role_required(SIGNED_IN_ROLES)
def incident_photo(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    incident = _visible_incident(user, pk)
    if not _may_handle(user, incident):
        raise PermissionDenied
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            incidents.add_incident_photo(
                incident=incident, data=read_capped(form.cleaned_data["photo"]), by=user
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The photo is added."))
    return redirect("patrols:incident_detail", pk=incident.pk)


# ---- Checkpoint codes ----------------------------------------------------------------------------


@role_required(CENTRE_ROLES)
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    checkpoints = Checkpoint.objects.select_related("facility__zone__park").prefetch_related(
        "routes__contract"
    )
    return render(
        request,
        "patrols/checkpoint_list.html",
        {
            "checkpoints": checkpoints,
            "may_manage": signed_in_user(request).has_role(*MANAGING_ROLES),
        },
    )


@role_required(CENTRE_ROLES)
def checkpoint_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The checkpoint's code to print: an SVG QR code of its scan link."""
    checkpoint = get_object_or_404(Checkpoint.objects.select_related("facility"), pk=pk)
    url = request.build_absolute_uri(
        reverse("patrols:scan_link", kwargs={"token": checkpoint.token})
    )
    svg = segno.make(url, error="m").svg_inline(scale=8, border=4, title=str(checkpoint))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="{checkpoint.facility.code}.svg"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(MANAGING_ROLES)
def checkpoint_reprint(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = get_object_or_404(Checkpoint, pk=pk)
    services.reprint_checkpoint_code(
        checkpoint=checkpoint, by=signed_in_user(request), reason=request.POST.get("reason", "")
    )
    messages.success(
        request,
        _("A new code is ready to print; the old code of %(name)s no longer works.")
        % {"name": checkpoint},
    )
    return redirect("patrols:checkpoint_list")


# ---- The guard's page ------------------------------------------------------------------------------


def _guard_page(request: HttpRequest, form: ScanForm) -> HttpResponse:
    user = signed_in_user(request)
    start, end = _today_bounds()
    now = timezone.now()
    rounds = list(
        PatrolRound.objects.visible_to(user)
        .filter(window_start__gte=start, window_start__lt=end, window_end__gt=now)
        .select_related("route")
        .prefetch_related("scans")
        .order_by("window_start")[:6]
    )
    ids = {pk for patrol_round in rounds for pk in patrol_round.checkpoint_ids}
    checkpoints = Checkpoint.objects.select_related("facility").in_bulk(ids)
    cards: list[dict[str, Any]] = [
        {
            "round": patrol_round,
            "stops": [
                {
                    "checkpoint": checkpoints.get(pk),
                    "scanned": pk in {scan.checkpoint_id for scan in patrol_round.scans.all()},
                }
                for pk in patrol_round.checkpoint_ids
            ],
        }
        for patrol_round in rounds
    ]
    guard_config = {
        "user": user.pk,
        "scansUrl": reverse("api:post_scan"),
        "page": reverse("patrols:guard"),
        "serviceWorker": reverse("patrols:guard_service_worker"),
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        # What the page keeps on the phone, to show when it opens from the service worker's copy.
        "rounds": {
            "renderedAt": now.isoformat(),
            "time": timezone.localtime(now).strftime("%H:%M"),
            "cards": [
                {
                    "route": str(card["round"].route),
                    "start": timezone.localtime(card["round"].window_start).strftime("%H:%M"),
                    "end": timezone.localtime(card["round"].window_end).strftime("%H:%M"),
                    "status": card["round"].get_status_display(),
                    "stops": [
                        {"name": str(stop["checkpoint"] or "—"), "scanned": stop["scanned"]}
                        for stop in card["stops"]
                    ],
                }
                for card in cards
            ],
        },
        "messages": {
            "queued": _(
                "%(count)s scan(s) waiting to be sent: they go as soon as the phone is online."
            ),
            "recorded": _("The scan is recorded."),
            "far": _(
                "The scan is recorded, but your phone was far from the checkpoint: it is flagged."
            ),
            "refused": _("The scan was refused."),
            "sign_in": _(
                "You are signed out: sign in again to send the waiting scans. "
                "They stay on this phone."
            ),
            "offline_rounds": _("Offline — showing rounds as of %(time)s."),
            "no_rounds": _("No round is open now."),
        },
    }
    return render(
        request,
        "patrols/guard.html",
        {
            "form": form,
            "cards": cards,
            "guard_config": guard_config,
            "theme_colour": GUARD_THEME_COLOUR,
        },
    )


def _record(request: HttpRequest, form: ScanForm) -> HttpResponse:
    user = signed_in_user(request)
    data = form.cleaned_data
    position = None
    if data["longitude"] is not None and data["latitude"] is not None:
        position = services.Position(longitude=data["longitude"], latitude=data["latitude"])
    try:
        scan = services.record_scan(
            token=data["token"],
            by=user,
            client_uuid=data["client_uuid"],
            scanned_at=timezone.now(),
            position=position,
        )
    except ValidationError as error:
        form.add_error("token", error)
        return _guard_page(request, form)
    messages.success(request, _("%(checkpoint)s is scanned.") % {"checkpoint": scan.checkpoint})
    if scan.outside_radius:
        messages.warning(request, _("Your phone was far from the checkpoint: the scan is flagged."))
    return redirect("patrols:guard")


@role_required(GUARD_ROLES)
@never_cache
def guard(request: HttpRequest) -> HttpResponse:
    """A guard scans by typing or pasting the code, or by opening the QR code's link."""
    if request.method == "POST":
        form = ScanForm(request.POST)
        if form.is_valid():
            return _record(request, form)
        return _guard_page(request, form)
    return _guard_page(request, ScanForm())


@require_GET
def guard_service_worker(request: HttpRequest) -> HttpResponse:
    """The guard page's service worker, served from /patrols/guard/ so that its scope is the
    page: the page and its static files open with no network (see docs/patrols.md)."""
    return service_worker_response(
        name="guard", page=reverse("patrols:guard"), shell_assets=GUARD_SHELL_ASSETS
    )


@require_GET
def guard_manifest(request: HttpRequest) -> JsonResponse:
    """The guard page's web app manifest, so that a guard can put it on the home screen."""
    return manifest_response(
        name=_("ParkPact patrol"),
        short_name=_("Patrol"),
        description=_("Scan the checkpoints of today's patrol rounds, also with no network."),
        page=reverse("patrols:guard"),
        theme_colour=GUARD_THEME_COLOUR,
        icons=[{"src": static("parkpact/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    )


@role_required(GUARD_ROLES)
def scan_link(request: HttpRequest, token: str) -> HttpResponse:
    """Where the printed QR code leads: the guard page with the code filled in, to confirm."""
    return _guard_page(request, ScanForm(initial={"token": token}))
