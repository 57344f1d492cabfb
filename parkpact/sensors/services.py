"""Business actions of the sensors app: registering and revoking devices, storing readings
(from HTTP or MQTT alike) and raising or clearing alerts (a raised alert may open a
rectification order: inspections.rectification.issue_order_for_alert)."""

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpact.core.models import User
from parkpact.core.services import record_event, snapshot
from parkpact.inspections.rectification import issue_order_for_alert
from parkpact.parks.models import Facility

from . import measures, senml
from .models import RANGE_OF, UNIT_OF, Alert, Device, Reading, SensorRule

SECRET_PREFIX = "ppd_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class Registered:
    """A new device and its secret, which is shown this once and never stored in clear."""

    device: Device
    secret: str


def register_device(
    *, code: str, name: str, kind: str, facility: Facility, by: User | None
) -> Registered:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    device = Device(
        code=code,
        name=name,
        kind=kind,
        facility=facility,
        secret_hash=Device.hash_secret(secret),
        secret_prefix=secret[:10],
    )
    device.full_clean()
    with transaction.atomic():
        device.save()
        record_event(
            actor=by,
            action="sensors.register_device",
            obj=device,
            after=snapshot(device, ["code", "name", "kind", "facility"]),
        )
    return Registered(device=device, secret=secret)


def revoke_device(*, device: Device, by: User | None, reason: str = "") -> Device:
    """From now on the device's readings are refused (HTTP 401, MQTT logged and skipped)."""
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.revoked_at is not None:
            raise ValidationError(_("This device is already revoked."), code="already_revoked")
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        record_event(
            actor=by,
            action="sensors.revoke_device",
            obj=device,
            after={"revoked_at": device.revoked_at},
            reason=reason,
        )
    return device


def device_for_secret(*, code: str | None, secret: str) -> Device | None:
    """The active device with this secret (and this id, when given); None otherwise."""
    device = Device.objects.filter(secret_hash=Device.hash_secret(secret)).first()
    if device is None or device.revoked_at is not None:
        return None
    if code is not None and not hmac.compare_digest(device.code, code):
        return None
    return device


class ReadingError(ValueError):
    """Readings that cannot be stored; ``code`` is stable, ``index`` the record at fault."""

    def __init__(self, code: str, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.index = index


def quantity_of(name: str) -> str:
    """The quantity a resolved SenML name stands for: its last segment after ':' or '/'."""
    return name.replace("/", ":").rsplit(":", 1)[-1]


@dataclass(frozen=True, slots=True)
class NewReading:
    """A checked reading not yet stored (lighter than a model instance: packs are large)."""

    observed_at: datetime
    name: str
    value: float


def readings_from_records(device: Device, records: Iterable[senml.Record]) -> list[NewReading]:
    """Check every record against what the device may send; the readings, or ReadingError."""
    allowed = Device.QUANTITIES[device.kind]
    readings = []
    for index, record in enumerate(records):
        quantity = quantity_of(record.name)
        if quantity not in allowed:
            raise ReadingError(
                "unknown_quantity",
                _("A %(kind)s does not measure “%(name)s”; it sends %(allowed)s.")
                % {
                    "kind": device.get_kind_display(),
                    "name": quantity,
                    "allowed": ", ".join(sorted(allowed)),
                },
                index,
            )
        if record.unit != UNIT_OF[quantity]:
            raise ReadingError(
                "bad_unit",
                _("%(name)s is sent in the unit “%(unit)s”.")
                % {"name": quantity, "unit": UNIT_OF[quantity]},
                index,
            )
        low, high = RANGE_OF[quantity]
        if record.value < low or (high is not None and record.value > high):
            raise ReadingError(
                "out_of_range",
                _("The value %(value)s is impossible for %(name)s.")
                % {"value": record.value, "name": quantity},
                index,
            )
        readings.append(
            NewReading(datetime.fromtimestamp(record.time, tz=UTC), quantity, record.value)
        )
    return readings


@dataclass(frozen=True)
class Stored:
    received: int
    stored: int


def store_readings(
    *, device: Device, readings: list[NewReading], received_at: datetime | None = None
) -> Stored:
    """Store readings already checked; a reading seen before (same device, time and quantity)
    is skipped silently, so a client or broker may resend. Then apply the device's rules."""
    received_at = received_at or timezone.now()
    unique: dict[tuple[datetime, str], NewReading] = {}
    for reading in readings:
        unique.setdefault((reading.observed_at, reading.name), reading)
    if not unique:
        return Stored(received=0, stored=0)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            stored = _insert_new_postgresql(device, list(unique.values()), received_at)
        else:
            times = [key[0] for key in unique]
            seen = set(
                Reading.objects.filter(
                    device=device, observed_at__gte=min(times), observed_at__lte=max(times)
                ).values_list("observed_at", "name")
            )
            new = [
                Reading(device=device, received_at=received_at, **asdict(reading))
                for key, reading in unique.items()
                if key not in seen
            ]
            Reading.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
            stored = len(new)
        if stored:
            apply_rules(device=device, names={reading.name for reading in unique.values()})
    return Stored(received=len(readings), stored=stored)


def _insert_new_postgresql(
    device: Device, readings: list[NewReading], received_at: datetime
) -> int:
    """One INSERT … ON CONFLICT DO NOTHING from arrays: the readings not stored before; how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sensors_reading (device_id, observed_at, name, value, received_at) "
            "SELECT %s, u.observed_at, u.name, u.value, %s "
            "FROM unnest(%s::timestamptz[], %s::varchar[], %s::float8[]) "
            "AS u(observed_at, name, value) ON CONFLICT DO NOTHING",
            [
                device.pk,
                received_at,
                [reading.observed_at for reading in readings],
                [reading.name for reading in readings],
                [reading.value for reading in readings],
            ],
        )
        return int(cursor.rowcount)


def ingest_pack(*, device: Device, pack: Any, now: datetime | None = None) -> Stored:
    """Parse a decoded SenML pack for a device and store it; SenMLError or ReadingError."""
    moment = (now or timezone.now()).timestamp()
    records = senml.parse_pack(pack, now=moment)
    return store_readings(device=device, readings=readings_from_records(device, records))


# How far back the rules look for the start of a breach.
RULE_WINDOW = timedelta(days=2)


def apply_rules(*, device: Device, names: set[str]) -> list[Alert]:
    """Raise or clear the device's alerts after new readings of the named quantities; a raised
    alert opens its rectification order in the same transaction, when its rule says so."""
    changed = []
    rules = SensorRule.objects.filter(device_kind=device.kind, quantity__in=names, is_active=True)
    for rule in rules:
        readings = Reading.objects.filter(device=device, name=rule.quantity)
        latest = readings.order_by("-observed_at").values_list("observed_at", flat=True).first()
        if latest is None:
            continue
        # Only the current run above the threshold matters: from the last normal reading on.
        last_normal = (
            readings.filter(value__lt=rule.threshold)
            .order_by("-observed_at")
            .values_list("observed_at", flat=True)
            .first()
        )
        since = max(last_normal, latest - RULE_WINDOW) if last_normal else latest - RULE_WINDOW
        samples = list(
            readings.filter(observed_at__gte=since)
            .order_by("observed_at")
            .values_list("observed_at", "value")
        )
        breach = measures.current_breach(
            samples, threshold=rule.threshold, duration=timedelta(minutes=rule.duration_minutes)
        )
        alert = Alert.objects.select_for_update().filter(device=device, rule=rule).open().first()
        if alert is None and breach.due and breach.since is not None:
            peak = max(value for time, value in samples if time >= breach.since)
            alert = Alert.objects.create(
                device=device,
                rule=rule,
                contract=device.responsible_contract(),
                breach_started_at=breach.since,
                raised_at=samples[-1][0],
                peak_value=peak,
            )
            record_event(
                actor=None,
                action="sensors.raise_alert",
                obj=alert,
                after=snapshot(
                    alert,
                    ["device", "rule", "contract", "breach_started_at", "raised_at", "peak_value"],
                ),
            )
            issue_order_for_alert(alert=alert)
            changed.append(alert)
        elif alert is not None and breach.since is None:
            alert.status = Alert.Status.CLEARED
            alert.cleared_at = samples[-1][0]
            alert.save(update_fields=["status", "cleared_at"])
            record_event(
                actor=None,
                action="sensors.clear_alert",
                obj=alert,
                after={"cleared_at": alert.cleared_at},
            )
            changed.append(alert)
        elif alert is not None:
            peak = max(alert.peak_value, samples[-1][1])
            if peak != alert.peak_value:
                Alert.objects.filter(pk=alert.pk).update(peak_value=peak)
    return changed


def time_above_threshold(
    *, device: Device, rule: SensorRule, start: datetime, end: datetime
) -> timedelta:
    """How long the device's readings stayed at or above the rule's threshold in [start, end):
    the measure the monthly assessment takes per device."""
    before = (
        Reading.objects.filter(device=device, name=rule.quantity, observed_at__lt=start)
        .order_by("-observed_at")
        .values_list("observed_at", "value")
        .first()
    )
    samples = list(
        Reading.objects.filter(
            device=device, name=rule.quantity, observed_at__gte=start, observed_at__lt=end
        )
        .order_by("observed_at")
        .values_list("observed_at", "value")
    )
    return measures.time_above(
        [before, *samples] if before else samples, threshold=rule.threshold, start=start, end=end
    )
