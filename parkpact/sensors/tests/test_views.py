import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.parks.models import Facility
from parkpact.sensors.models import Device, Reading
from parkpact.sensors.services import ingest_pack, register_device


@pytest.fixture
def devices(world: World) -> tuple[Device, Device]:
    """A bin in company A's zone (cleaning) and one in zone 2, outside A's contract."""
    inside, _ = testing.make_sensor_device(world.zones[0])
    outside, _ = testing.make_sensor_device(world.zones[2])
    return inside, outside


def full_for_an_hour(device: Device) -> None:
    start = timezone.now() - timedelta(hours=2)
    pack = [
        {"n": "fillingLevel", "u": "/", "t": (start + timedelta(minutes=m)).timestamp(), "v": 0.95}
        for m in (0, 30, 60)
    ]
    ingest_pack(device=device, pack=pack)


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    for url in ("/sensors/", "/sensors/alerts/", "/sensors/devices/"):
        assert client_for(None).get(url).status_code == 302


def test_it_shows_the_dashboard_with_latest_values(
    manager: User,
    world: World,
    devices: tuple[Device, Device],
    django_assert_max_num_queries: Any,
    english: None,
) -> None:
    inside, _ = devices
    full_for_an_hour(inside)
    client = client_for(manager)
    with CaptureQueriesContext(connection) as baseline:
        response = client.get("/sensors/")
    assert response.status_code == 200
    content = response.content.decode()
    assert inside.code in content
    assert "0.95" in content
    assert "Open alerts" in content
    for _ in range(3):
        full_for_an_hour(testing.make_sensor_device(world.zones[1])[0])
    with django_assert_max_num_queries(len(baseline)):
        assert client.get("/sensors/").status_code == 200


def test_it_shows_a_provider_only_its_devices_and_alerts(
    provider_a_user: User, devices: tuple[Device, Device]
) -> None:
    inside, outside = devices
    full_for_an_hour(inside)
    full_for_an_hour(outside)
    client = client_for(provider_a_user)
    page = client.get("/sensors/").content.decode()
    assert inside.code in page and outside.code not in page
    alerts = client.get("/sensors/alerts/").content.decode()
    assert inside.code in alerts and outside.code not in alerts
    assert client.get(f"/sensors/devices/{outside.pk}/").status_code == 404
    assert client.get(f"/sensors/devices/{inside.pk}/").status_code == 200


def test_it_shows_another_company_nothing(
    provider_b_user: User, devices: tuple[Device, Device]
) -> None:
    inside, _ = devices
    full_for_an_hour(inside)
    client = client_for(provider_b_user)
    # Company B holds the security contract: bins are a cleaning matter, so its alert is A's.
    assert inside.code not in client.get("/sensors/alerts/").content.decode()


def test_it_draws_the_history_chart(manager: User, devices: tuple[Device, Device]) -> None:
    inside, _ = devices
    full_for_an_hour(inside)
    response = client_for(manager).get(f"/sensors/devices/{inside.pk}/")
    assert response.status_code == 200
    assert b"echarts.min.js" in response.content
    assert b'id="sensor-history-data"' in response.content


def test_it_lets_only_managers_open_the_registry(
    inspector: User, provider_a_user: User, world: World
) -> None:
    assert client_for(inspector).get("/sensors/devices/").status_code == 403
    assert client_for(provider_a_user).get("/sensors/devices/").status_code == 403


def test_it_registers_a_device_and_shows_its_secret_once(manager: User, world: World) -> None:
    facility = testing.make_sensor_device(world.zones[0])[0].facility
    client = client_for(manager)
    response = client.post(
        "/sensors/devices/",
        {
            "code": "bin-dh-777",
            "name": "Gate bin",
            "kind": "waste_container",
            "facility": facility.pk,
        },
    )
    assert response.status_code == 200
    device = Device.objects.get(code="bin-dh-777")
    secret = response.context["secret"]
    assert secret.startswith("ppd_") and Device.hash_secret(secret) == device.secret_hash
    assert secret.encode() in response.content
    assert secret.encode() not in client.get("/sensors/devices/").content


def test_it_refuses_a_duplicate_device_id(manager: User, devices: tuple[Device, Device]) -> None:
    inside, _ = devices
    response = client_for(manager).post(
        "/sensors/devices/",
        {
            "code": inside.code,
            "name": "x",
            "kind": "waste_container",
            "facility": inside.facility_id,
        },
    )
    assert response.status_code == 400
    assert Device.objects.filter(code=inside.code).count() == 1


def test_it_revokes_a_device(
    manager: User, provider_a_user: User, devices: tuple[Device, Device]
) -> None:
    inside, _ = devices
    assert (
        client_for(provider_a_user).post(f"/sensors/devices/{inside.pk}/revoke/").status_code == 403
    )
    response = client_for(manager).post(
        f"/sensors/devices/{inside.pk}/revoke/", {"reason": "broken"}
    )
    assert response.status_code == 302
    inside.refresh_from_db()
    assert inside.is_revoked
    assert Reading.objects.count() == 0


def test_register_device_service_is_audited(world: World) -> None:
    from parkpact.core.models import AuditEvent

    facility = testing.make_sensor_device(world.zones[0])[0].facility
    assert facility.kind == Facility.Kind.BIN
    register_device(code="x-1", name="X", kind="waste_container", facility=facility, by=None)
    assert AuditEvent.objects.filter(
        action="sensors.register_device", object_id=str(Device.objects.get(code="x-1").pk)
    ).exists()


def test_alert_pages_show_the_order_an_alert_opened_and_its_status(
    world: World, devices: tuple[Device, Device], provider_a_user: User, english: None
) -> None:
    from parkpact.inspections.tests.test_alert_orders import add_bin_standard

    add_bin_standard(world.contract_a)
    inside, _ = devices
    full_for_an_hour(inside)
    order = inside.alerts.get().order
    assert order is not None
    link = f'href="/supervision/orders/{order.pk}/"'
    client = client_for(provider_a_user)
    for url in ("/sensors/", "/sensors/alerts/", f"/sensors/devices/{inside.pk}/"):
        content = client.get(url).content.decode()
        assert link in content, url
        assert "Open" in content


def test_alert_pages_show_no_order_when_the_alert_opened_none(
    manager: User, devices: tuple[Device, Device], english: None
) -> None:
    inside, _ = devices
    full_for_an_hour(inside)  # the test contract has no CL-04: no order
    assert inside.alerts.get().order is None
    content = client_for(manager).get("/sensors/alerts/").content.decode()
    assert not re.search(r'href="/supervision/orders/\d+/"', content)
