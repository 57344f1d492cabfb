from datetime import UTC, datetime, timedelta

import pytest

from conftest import World
from parkpact import testing
from parkpact.sensors.models import Alert, Device, Reading, SensorRule
from parkpact.sensors.services import ingest_pack, time_above_threshold

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def fill(device: Device, minutes_values: list[tuple[int, float]]) -> None:
    start = NOW - timedelta(hours=3)
    pack = [
        {"n": "fillingLevel", "u": "/", "t": (start + timedelta(minutes=m)).timestamp(), "v": v}
        for m, v in minutes_values
    ]
    ingest_pack(device=device, pack=pack, now=NOW)


@pytest.fixture
def bin_device(world: World) -> Device:
    return testing.make_sensor_device(world.zones[0], kind="waste_container")[0]


def test_it_raises_an_alert_after_30_minutes_full(bin_device: Device, world: World) -> None:
    fill(bin_device, [(0, 0.5), (10, 0.91), (30, 0.95)])
    assert not Alert.objects.exists()
    fill(bin_device, [(40, 0.96)])
    alert = Alert.objects.get()
    assert alert.status == Alert.Status.OPEN
    assert alert.contract == world.contract_a  # the cleaning contract of the bin's zone
    assert alert.breach_started_at == NOW - timedelta(hours=3) + timedelta(minutes=10)
    assert alert.raised_at == NOW - timedelta(hours=3) + timedelta(minutes=40)
    assert alert.peak_value == 0.96


def test_it_clears_the_alert_when_the_bin_is_emptied(bin_device: Device) -> None:
    fill(bin_device, [(0, 0.95), (35, 0.97)])
    fill(bin_device, [(50, 0.05)])
    alert = Alert.objects.get()
    assert alert.status == Alert.Status.CLEARED
    assert alert.cleared_at == NOW - timedelta(hours=3) + timedelta(minutes=50)
    fill(bin_device, [(60, 0.1)])
    assert Alert.objects.count() == 1


def test_it_raises_a_new_alert_for_a_new_breach(bin_device: Device) -> None:
    fill(bin_device, [(0, 0.95), (35, 0.97), (50, 0.05), (60, 0.92), (100, 0.93)])
    fill(bin_device, [(101, 0.94)])
    assert Alert.objects.count() == 1  # one pack, one evaluation at its end: the second breach
    assert Alert.objects.get().breach_started_at == NOW - timedelta(hours=3) + timedelta(minutes=60)


def test_it_measures_time_above_threshold_in_a_period(bin_device: Device) -> None:
    fill(bin_device, [(0, 0.95), (30, 0.2), (60, 0.92)])
    rule = SensorRule.objects.get(device_kind="waste_container")
    start = NOW - timedelta(hours=3)
    spent = time_above_threshold(
        device=bin_device, rule=rule, start=start, end=start + timedelta(minutes=90)
    )
    assert spent == timedelta(minutes=60)
    assert Reading.objects.count() == 3


def test_an_alert_opens_its_order_in_the_same_step(bin_device: Device, world: World) -> None:
    from parkpact.inspections.models import RectificationOrder
    from parkpact.inspections.tests.test_alert_orders import add_bin_standard

    standard = add_bin_standard(world.contract_a, hours=3)
    fill(bin_device, [(0, 0.95), (35, 0.97)])
    alert = Alert.objects.get()
    order = RectificationOrder.objects.get()
    assert alert.order == order
    assert order.standard == standard
    assert order.deadline == alert.raised_at + timedelta(hours=3)
    fill(bin_device, [(50, 0.05)])  # emptied: the alert clears, the order waits for the fix
    alert.refresh_from_db()
    order.refresh_from_db()
    assert alert.status == Alert.Status.CLEARED
    assert order.status == RectificationOrder.Status.OPEN
