"""Sensor pages: the dashboard (latest values, open alerts), a device's history chart, the
device registry (managers register a device, see its secret once, and revoke it) and the
alerts, which a provider sees for its own contracts only."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpact.core.forms import add_service_errors
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user

from . import services
from .forms import DeviceForm, RevokeForm
from .models import Alert, Device, Quantity, Reading

HISTORY_DAYS = 7


def latest_readings(devices: list[Device]) -> dict[int, list[Reading]]:
    """The newest reading of each quantity of each device, in two queries."""
    latest = (
        Reading.objects.filter(device__in=devices)
        .values("device", "name")
        .annotate(last=Max("observed_at"))
    )
    wanted = {(row["device"], row["name"], row["last"]) for row in latest}
    found: dict[int, list[Reading]] = {device.pk: [] for device in devices}
    if not wanted:
        return found
    rows = Reading.objects.filter(
        device__in=devices, observed_at__in={row[2] for row in wanted}
    ).order_by("name")
    for reading in rows:
        if (reading.device_id, reading.name, reading.observed_at) in wanted:
            found[reading.device_id].append(reading)
    return found


@role_required(SIGNED_IN_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    devices = list(
        Device.objects.visible_to(user).active().select_related("facility", "facility__zone")
    )
    latest = latest_readings(devices)
    rows = [(device, latest[device.pk]) for device in devices]
    alerts = (
        Alert.objects.visible_to(user)
        .open()
        .select_related("device", "rule", "contract", "order")
        .order_by("-raised_at")[:50]
    )
    return render(
        request,
        "sensors/dashboard.html",
        {"rows": rows, "alerts": alerts, "is_manager": user.has_role(*MANAGING_ROLES)},
    )


@role_required(SIGNED_IN_ROLES)
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    device = get_object_or_404(
        Device.objects.visible_to(user).select_related("facility", "facility__zone"), pk=pk
    )
    since = timezone.now() - timedelta(days=HISTORY_DAYS)
    series: dict[str, list[list[object]]] = {}
    for observed_at, name, value in (
        Reading.objects.filter(device=device, observed_at__gte=since)
        .order_by("observed_at")
        .values_list("observed_at", "name", "value")
    ):
        series.setdefault(name, []).append([observed_at.isoformat(), value])
    chart = {
        "series": [
            {"name": str(Quantity(name).label), "data": data} for name, data in series.items()
        ],
        "empty": _("No readings in the last %(days)s days.") % {"days": HISTORY_DAYS},
    }
    alerts = device.alerts.visible_to(user).select_related("device", "rule", "contract", "order")[
        :50
    ]
    return render(
        request,
        "sensors/device_detail.html",
        {
            "device": device,
            "chart": chart,
            "alerts": alerts,
            "days": HISTORY_DAYS,
            "is_manager": user.has_role(*MANAGING_ROLES),
            "revoke_form": RevokeForm(),
        },
    )


@role_required(MANAGING_ROLES)
def device_list(request: HttpRequest) -> HttpResponse:
    """The registry; registering shows the new secret on this page, once."""
    user = signed_in_user(request)
    form = DeviceForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            registered = services.register_device(by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            secret = registered.secret
            form = DeviceForm()
            messages.success(
                request, _("The device %(code)s is registered.") % {"code": registered.device.code}
            )
    devices = Device.objects.select_related("facility", "facility__zone").order_by("code")
    return render(
        request,
        "sensors/device_list.html",
        {"form": form, "devices": devices, "secret": secret},
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(MANAGING_ROLES)
def device_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(Device, pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke_device(
                device=device, by=signed_in_user(request), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The device %(code)s is revoked: its readings are refused from now on.")
                % {"code": device.code},
            )
    return redirect("sensors:device_detail", pk=device.pk)


@role_required(SIGNED_IN_ROLES)
def alert_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    alerts = (
        Alert.objects.visible_to(user)
        .select_related("device", "device__facility", "rule", "contract", "order")
        .order_by("-raised_at")[:200]
    )
    return render(request, "sensors/alert_list.html", {"alerts": alerts})
