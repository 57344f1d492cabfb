"""Park pages: the registry of parks, their zones on a map, and their facilities."""

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpact.core.forms import add_service_errors
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user

from . import services
from .forms import FacilityForm, RenewQrTokenForm, ZoneForm
from .models import Facility, Park, Zone, ZoneKind

# One colour per zone kind, on the map and in its legend.
KIND_COLOURS = {
    ZoneKind.PLAZA: "#d08c2d",
    ZoneKind.PATH: "#8a8a8a",
    ZoneKind.LAWN: "#5cb85c",
    ZoneKind.LAKESHORE: "#3a9fbf",
    ZoneKind.PLAYGROUND: "#e0607e",
    ZoneKind.TOILET: "#8d6e63",
    ZoneKind.PARKING: "#5c6bc0",
    ZoneKind.WOODLAND: "#2e7d32",
    ZoneKind.WATER: "#1e6fd9",
}


def _area(zone: Zone) -> str:
    return _("%(area)s m²") % {"area": number_format(zone.area_m2, 1, force_grouping=True)}


def _map_data(zones: list[Zone], facilities: list[Facility]) -> dict[str, Any]:
    """What zone-map.js draws: zones as GeoJSON features, facilities as points, all labelled."""
    return {
        "zones": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": zone.boundary,
                    "properties": {
                        "id": zone.pk,
                        "title": str(zone),
                        "kind": zone.get_kind_display(),
                        "area": _area(zone),
                        "colour": KIND_COLOURS.get(ZoneKind(zone.kind), "#777777"),
                    },
                }
                for zone in zones
            ],
        },
        "facilities": [
            {
                "title": str(facility),
                "kind": facility.get_kind_display(),
                "zone": facility.zone.code,
                "longitude": float(facility.longitude),
                "latitude": float(facility.latitude),
                "in_service": facility.in_service,
            }
            for facility in facilities
        ],
    }


def _legend(zones: list[Zone]) -> list[tuple[str, str]]:
    kinds = sorted({ZoneKind(zone.kind) for zone in zones}, key=list(ZoneKind).index)
    return [(str(kind.label), KIND_COLOURS[kind]) for kind in kinds]


@role_required(SIGNED_IN_ROLES)
def park_list(request: HttpRequest) -> HttpResponse:
    parks = Park.objects.annotate(
        zone_count=Count("zones"), total_area=Sum("zones__area_m2")
    ).order_by("name")
    return render(request, "parks/park_list.html", {"parks": parks})


@role_required(SIGNED_IN_ROLES)
def park_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    park = get_object_or_404(Park, pk=pk)
    zones = list(park.zones.order_by("code"))
    facilities = list(
        Facility.objects.filter(zone__park=park)
        .select_related("zone")
        .order_by("zone__code", "code")
    )
    return render(
        request,
        "parks/park_detail.html",
        {
            "park": park,
            "zones": zones,
            "facilities": facilities,
            "map_data": _map_data(zones, facilities),
            "legend": _legend(zones),
            # A zone's QR token lets anyone file reports against it: centre staff only.
            "show_qr_tokens": user.is_centre_staff,
            "can_manage": user.has_role(*MANAGING_ROLES),
        },
    )


def _zone_form_page(
    request: HttpRequest,
    park: Park,
    form: ZoneForm,
    zone: Zone | None,
    renew_form: RenewQrTokenForm | None = None,
) -> HttpResponse:
    """The zone form; an existing zone's page also offers to renew its QR code."""
    others = park.zones.order_by("code")
    if zone is not None:
        others = others.exclude(pk=zone.pk)
        renew_form = renew_form or RenewQrTokenForm()
    return render(
        request,
        "parks/zone_form.html",
        {
            "park": park,
            "form": form,
            "zone": zone,
            "renew_form": renew_form,
            "map_data": _map_data(list(others), []),
        },
        status=400 if form.errors or (renew_form and renew_form.errors) else 200,
    )


@role_required(MANAGING_ROLES)
def zone_create(request: HttpRequest, park_pk: int) -> HttpResponse:
    park = get_object_or_404(Park, pk=park_pk)
    form = ZoneForm(request.POST if request.method == "POST" else None, instance=Zone(park=park))
    if form.is_bound and form.is_valid():
        try:
            zone = services.create_zone(park=park, by=signed_in_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Zone %(zone)s added.") % {"zone": zone})
            return redirect("parks:park_detail", pk=park.pk)
    return _zone_form_page(request, park, form, None)


@role_required(MANAGING_ROLES)
def zone_update(request: HttpRequest, park_pk: int, pk: int) -> HttpResponse:
    zone = get_object_or_404(Zone.objects.select_related("park"), pk=pk, park_id=park_pk)
    # The form changes the object it is given; the service needs the zone as it was.
    form = ZoneForm(request.POST if request.method == "POST" else None, instance=copy.copy(zone))
    if form.is_bound and form.is_valid():
        try:
            services.update_zone(zone=zone, by=signed_in_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Zone %(zone)s saved.") % {"zone": zone})
            return redirect("parks:park_detail", pk=zone.park_id)
    return _zone_form_page(request, zone.park, form, zone)


@role_required(MANAGING_ROLES)
@require_POST
def zone_renew_qr(request: HttpRequest, park_pk: int, pk: int) -> HttpResponse:
    """Replace a zone's QR token, e.g. after its sign was defaced; the old code stops working."""
    zone = get_object_or_404(Zone.objects.select_related("park"), pk=pk, park_id=park_pk)
    renew_form = RenewQrTokenForm(request.POST)
    if not renew_form.is_valid():
        return _zone_form_page(
            request, zone.park, ZoneForm(instance=copy.copy(zone)), zone, renew_form
        )
    services.renew_qr_token(
        zone=zone, by=signed_in_user(request), reason=renew_form.cleaned_data["reason"]
    )
    messages.success(
        request,
        _(
            "Zone %(zone)s has a new QR code: the old printed code no longer works, "
            "so replace the sign."
        )
        % {"zone": zone},
    )
    return redirect("parks:zone_update", park_pk=zone.park_id, pk=zone.pk)


@role_required(MANAGING_ROLES)
def facility_create(request: HttpRequest, park_pk: int) -> HttpResponse:
    park = get_object_or_404(Park, pk=park_pk)
    initial = {"zone": request.GET.get("zone")} if request.GET.get("zone") else None
    form = FacilityForm(
        request.POST if request.method == "POST" else None, initial=initial, park=park
    )
    if form.is_bound and form.is_valid():
        fields = dict(form.cleaned_data)
        zone = fields.pop("zone")
        try:
            facility = services.create_facility(zone=zone, by=signed_in_user(request), **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Facility %(facility)s added.") % {"facility": facility})
            return redirect("parks:park_detail", pk=park.pk)
    zones = list(park.zones.order_by("code"))
    return render(
        request,
        "parks/facility_form.html",
        {"park": park, "form": form, "map_data": _map_data(zones, [])},
        status=400 if form.errors else 200,
    )
