"""The demo's sensors (sensors.demo), as `seed_demo` loads it (once for the module)."""

import pytest

from parkpact.sensors import demo
from parkpact.sensors.models import Alert, Device, Reading


@pytest.fixture
def loaded(demo_output: str, db: None) -> str:
    return demo_output


def test_it_puts_sensors_on_donghu_with_days_of_readings(loaded: str) -> None:
    assert Device.objects.count() == len(demo.DEVICES)
    assert Reading.objects.filter(device__code="dh-bin-03").count() >= demo.DAYS * 144
    assert set(Reading.objects.values_list("name", flat=True)) == {
        "fillingLevel",
        "nh3",
        "h2s",
        "peopleCount",
    }


def test_it_raises_and_clears_alerts_over_the_days(loaded: str) -> None:
    assert Alert.objects.filter(device__code="dh-bin-03", status=Alert.Status.CLEARED).exists()
    assert Alert.objects.filter(contract__isnull=False).exists()
