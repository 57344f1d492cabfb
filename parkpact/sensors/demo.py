"""Demo sensors on Donghu: fill-level sensors on six bins, air sensors in both toilets and a
visitor counter at the south gate, with the last three days of readings every 10 minutes.

The readings follow the park's day: bins fill with the visitors and are emptied at 07:00 and
15:00 (bin 03 is often left full in the afternoon, which raises alerts); the toilets' ammonia
peaks around noon; the gate counts most visitors in the late afternoon. Readings are stored in
four-hour packs through ``store_readings``, so alerts are raised and cleared as they would be live.

An alert under the cleaning contract opens a rectification order (CL-04 bins, CL-03 toilet
ammonia). Once its readings are back to normal the cleaner reports it put right and an inspector
closes it after an on-site check an hour later; the rest are left to the overdue sweep.
"""

import math
import random
from datetime import datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from parkpact.core.models import Role, User
from parkpact.inspections.demo import photo
from parkpact.inspections.models import RectificationOrder
from parkpact.inspections.rectification import mark_overdue_orders, mark_rectified, reinspect

from .models import Alert, Device, Quantity
from .services import NewReading, register_device, store_readings

DAYS = 3
STEP = timedelta(minutes=10)
PACK = timedelta(hours=4)
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHECKED_AFTER = timedelta(hours=1)
RECTIFIED_NOTE: dict[str, str] = {
    Device.Kind.WASTE_CONTAINER: "垃圾桶已清运，桶身已擦洗。",
    Device.Kind.TOILET_AIR: "已冲洗便池、清理地面并加强通风。",
}
CLOSED_NOTE = "现场复查：已整改到位。"

DEVICES = [
    *(
        (
            f"dh-bin-{n:02}",
            f"Fill sensor, bin {n:02}",
            Device.Kind.WASTE_CONTAINER,
            f"DH-BIN-{n:02}",
        )
        for n in range(1, 7)
    ),
    ("dh-wc-01-air", "Air sensor, north toilet", Device.Kind.TOILET_AIR, "DH-WC-01"),
    ("dh-wc-02-air", "Air sensor, west toilet", Device.Kind.TOILET_AIR, "DH-WC-02"),
    ("dh-gate-counter", "Visitor counter, south gate", Device.Kind.VISITOR_COUNTER, "DH-CAM-01"),
]


def has_data() -> bool:
    return Device.objects.exists()


def _hour(moment: datetime) -> float:
    local = moment.astimezone(SHANGHAI)
    return local.hour + local.minute / 60


def _visitors(hour: float) -> float:
    """Share of the day's peak: none at night, a morning walk, a late-afternoon crowd."""
    if hour < 6 or hour > 22:
        return 0.0
    return 0.35 * math.exp(-(((hour - 7.5) / 1.2) ** 2)) + math.exp(-(((hour - 17) / 2.2) ** 2))


def _values(device: Device, index: int, moment: datetime, rng: random.Random) -> dict[str, float]:
    hour = _hour(moment)
    if device.kind == Device.Kind.WASTE_CONTAINER:
        since_emptied = hour - 7 if 7 <= hour < 15 else min((hour - 15) % 24, 7)
        rate = 0.25 if index == 2 else 0.07 + 0.02 * index  # bin 03 fills fastest
        level = min(1.0, 0.05 + rate * since_emptied * (0.6 + _visitors(hour)))
        return {Quantity.FILLING_LEVEL: round(level, 2)}
    if device.kind == Device.Kind.TOILET_AIR:
        base = 0.15 + 1.0 * math.exp(-(((hour - 12.5) / 2.0) ** 2)) + rng.uniform(0, 0.1)
        return {Quantity.NH3: round(base, 2), Quantity.H2S: round(base / 30, 3)}
    return {Quantity.PEOPLE_COUNT: float(int(520 * _visitors(hour) * rng.uniform(0.8, 1.1)))}


def seed(context: dict[str, Any]) -> None:
    """Register the demo devices (by the contract manager) and store their readings."""
    manager = context["users"]["manager"]
    facilities = context["facilities"]
    rng = random.Random(5)
    end = timezone.now().replace(second=0, microsecond=0)
    end -= timedelta(minutes=end.minute % 10)
    start = end - timedelta(days=DAYS)
    for index, (code, name, kind, facility_code) in enumerate(DEVICES):
        if Device.objects.filter(code=code).exists() or facility_code not in facilities:
            continue
        device = register_device(
            code=code, name=name, kind=kind, facility=facilities[facility_code], by=manager
        ).device
        moment, batch = start, []
        while moment <= end:
            for quantity, value in _values(device, index, moment, rng).items():
                batch.append(NewReading(moment, quantity, value))
            moment += STEP
            if batch and (moment - batch[0].observed_at >= PACK or moment > end):
                store_readings(device=device, readings=batch, received_at=moment)
                batch = []
    follow_up_orders(context, timezone.now(), rng)


def _at(moment: datetime, action: Any, **kwargs: Any) -> None:
    """Run a service with Django's clock at ``moment`` (as the inspections demo's replay does)."""
    with mock.patch.object(timezone, "now", lambda: moment):
        action(**kwargs)


def follow_up_orders(context: dict[str, Any], end: datetime, rng: random.Random) -> None:
    """The cleaner puts right what an alert flagged once its readings are back to normal, and
    an inspector confirms it on site; orders still open past their deadline are marked overdue."""
    inspector = context["users"]["inspector"]
    alerts = Alert.objects.filter(
        order__status=RectificationOrder.Status.OPEN, cleared_at__isnull=False
    ).select_related("order", "device")
    for alert in alerts.order_by("raised_at"):
        order = alert.order
        assert order is not None and alert.cleared_at is not None
        staff = (
            User.objects.filter(
                staff_membership__provider_id=order.provider_id, role=Role.PROVIDER, is_active=True
            )
            .order_by("pk")
            .first()
        )
        if staff is None or alert.cleared_at + CHECKED_AFTER > end:
            continue
        _at(
            alert.cleared_at,
            mark_rectified,
            order=order,
            by=staff,
            note=RECTIFIED_NOTE.get(alert.device.kind, ""),
            photo=photo(f"alert {alert.pk} fix", put_right=True, rng=rng),
        )
        _at(
            alert.cleared_at + CHECKED_AFTER,
            reinspect,
            order=order,
            by=inspector,
            passed=True,
            note=CLOSED_NOTE,
        )
    mark_overdue_orders(now=end)
