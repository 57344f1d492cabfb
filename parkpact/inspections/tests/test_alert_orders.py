"""Rectification orders a sensor alert opens: issued by the rules, shown on the order pages and
in the API like any other order, and closed by an inspector's re-inspection."""

import html
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.core.models import AuditEvent, Notification, User
from parkpact.inspections.models import InspectorConflict, RectificationOrder
from parkpact.inspections.rectification import issue_order_for_alert
from parkpact.sensors.models import Alert, Device, SensorRule
from parkpact.sensors.services import ingest_pack

from .test_orders_factories import make_order, photo

pytestmark = pytest.mark.usefixtures("english")
Status = RectificationOrder.Status
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
START = NOW - timedelta(hours=3)
LIST = reverse("inspections:order_list")


def add_bin_standard(contract: Contract, *, hours: int = 2) -> PerformanceStandard:
    """CL-04 "bins emptied before they overflow" in the terms in force (locked against edits
    through the services, so a test writes it directly)."""
    return PerformanceStandard.objects.create(
        version=contract.versions.get(number=1),
        code="CL-04",
        name="Bins emptied before they overflow",
        measurement="Fill-level sensors report continuously.",
        target="Emptied before 90 % full",
        acceptable_quality_level=Decimal(95),
        method=PerformanceStandard.Method.SENSOR,
        source=PerformanceStandard.Source.SENSORS,
        weight=Decimal(15),
        points_per_occurrence=Decimal("0.5"),
        monthly_cap=Decimal(15),
        rectification_hours=hours,
    )


def fill(device: Device, minutes_values: list[tuple[int, float]]) -> None:
    pack = [
        {"n": "fillingLevel", "u": "/", "t": (START + timedelta(minutes=m)).timestamp(), "v": v}
        for m, v in minutes_values
    ]
    ingest_pack(device=device, pack=pack, now=NOW)


def overflow(device: Device) -> Alert:
    """Full for 35 minutes: the bin rule (90 % for 30 minutes) raises an alert."""
    fill(device, [(0, 0.95), (35, 0.97)])
    return Alert.objects.get(device=device)


def page(response: Any, status: int = 200) -> str:
    assert response.status_code == status
    return html.unescape(response.content.decode())


def detail(order: RectificationOrder) -> str:
    return reverse("inspections:order_detail", kwargs={"pk": order.pk})


@pytest.fixture
def standard(world: World) -> PerformanceStandard:
    return add_bin_standard(world.contract_a)


@pytest.fixture
def bin_device(world: World) -> Device:
    return testing.make_sensor_device(world.zones[0], kind="waste_container")[0]


@pytest.fixture
def alert_order(standard: PerformanceStandard, bin_device: Device) -> RectificationOrder:
    order = overflow(bin_device).order
    assert order is not None
    return order


# ---- Issuing ---------------------------------------------------------------------------------


def test_an_alert_opens_one_order_for_the_responsible_contract(
    world: World, standard: PerformanceStandard, bin_device: Device, provider_a_user: User
) -> None:
    alert = overflow(bin_device)
    order = RectificationOrder.objects.get()
    assert alert.order == order
    assert order.origin == RectificationOrder.Origin.SENSOR_ALERT
    assert order.finding is None
    assert order.standard == standard
    assert order.contract == world.contract_a
    assert order.provider == world.provider_a
    assert order.status == Status.OPEN
    assert order.issued_at == START + timedelta(minutes=35) == alert.raised_at
    assert order.deadline == alert.raised_at + timedelta(hours=2)
    assert order.zone == world.zones[0]
    assert AuditEvent.objects.filter(action="order.issue", object_id=str(order.pk)).exists()
    notice = Notification.objects.get(user=provider_a_user)
    assert bin_device.code in notice.message
    assert notice.link == detail(order)


def test_more_readings_in_the_same_breach_open_no_second_order(
    standard: PerformanceStandard, bin_device: Device
) -> None:
    alert = overflow(bin_device)
    fill(bin_device, [(45, 0.99)])
    fill(bin_device, [(55, 1.0)])
    assert RectificationOrder.objects.count() == 1
    alert.refresh_from_db()
    assert alert.peak_value == 1.0
    assert issue_order_for_alert(alert=alert) == alert.order
    assert RectificationOrder.objects.count() == 1


def test_a_new_breach_after_the_bin_was_emptied_opens_a_new_order(
    standard: PerformanceStandard, bin_device: Device
) -> None:
    overflow(bin_device)
    fill(bin_device, [(50, 0.05)])
    fill(bin_device, [(60, 0.95), (100, 0.96)])
    assert Alert.objects.count() == 2
    assert RectificationOrder.objects.count() == 2


def test_a_rule_that_opens_no_order_opens_none(
    standard: PerformanceStandard, bin_device: Device
) -> None:
    SensorRule.objects.filter(device_kind="waste_container").update(opens_order=False)
    alert = overflow(bin_device)
    assert alert.order is None
    assert not RectificationOrder.objects.exists()
    assert not AuditEvent.objects.filter(action="order.issue").exists()


def test_an_alert_with_no_responsible_contract_opens_none(
    world: World, standard: PerformanceStandard
) -> None:
    # zones[2] is in no cleaning contract (only in company B's security contract).
    device = testing.make_sensor_device(world.zones[2], kind="waste_container")[0]
    alert = overflow(device)
    assert alert.contract is None
    assert alert.order is None
    assert not RectificationOrder.objects.exists()


def test_terms_without_the_rules_standard_open_none(bin_device: Device) -> None:
    alert = overflow(bin_device)  # the test contract has CL-01 and CL-02 only
    assert alert.contract is not None
    assert alert.order is None
    assert not RectificationOrder.objects.exists()


def test_the_default_rules_name_their_standards(db: None) -> None:
    codes = dict(SensorRule.objects.values_list("quantity", "standard_code"))
    assert codes["fillingLevel"] == "CL-04"
    assert codes["nh3"] == "CL-03"


# ---- Pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "inspector", "provider_a_user"])
def test_the_order_page_shows_the_alert_with_a_link_to_the_device(
    alert_order: RectificationOrder,
    bin_device: Device,
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    content = page(client_for(request.getfixturevalue(persona)).get(detail(alert_order)))
    assert "What the sensor recorded" in content
    device_url = reverse("sensors:device_detail", args=[bin_device.pk])
    assert (
        f'Sensor alert: <a href="{device_url}">{bin_device.code}</a>, '
        "Fill level (0–1) at or above 0.9 for 30 minutes, peak 0.97"
    ) in content
    assert "CL-04 Bins emptied before they overflow" in content
    assert "What the inspection found" not in content


def test_another_company_cannot_see_the_alert_order(
    alert_order: RectificationOrder, provider_b_user: User
) -> None:
    assert client_for(provider_b_user).get(detail(alert_order)).status_code == 404
    assert f'href="{detail(alert_order)}"' not in page(client_for(provider_b_user).get(LIST))


def test_anonymous_visitors_are_sent_to_sign_in(alert_order: RectificationOrder) -> None:
    response = client_for(None).get(detail(alert_order))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["manager", "provider_a_user"])
def test_the_order_list_shows_alert_and_inspection_orders_together(
    world: World,
    alert_order: RectificationOrder,
    bin_device: Device,
    inspector: User,
    persona: str,
    request: pytest.FixtureRequest,
    django_assert_max_num_queries: Any,
) -> None:
    inspection_order = make_order(world.contract_a, inspector)
    client = client_for(request.getfixturevalue(persona))
    with django_assert_max_num_queries(12):
        content = page(client.get(LIST))
    assert f'href="{detail(alert_order)}"' in content
    assert f'href="{detail(inspection_order)}"' in content
    device_url = reverse("sensors:device_detail", args=[bin_device.pk])
    assert f'Sensor alert: <a href="{device_url}">{bin_device.code}</a>' in content
    assert "CL-04 Bins emptied before they overflow" in content


def test_the_order_list_costs_the_same_queries_however_many_alert_orders(
    world: World, standard: PerformanceStandard, manager: User
) -> None:
    client = client_for(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client.get(LIST))
        return len(captured)

    overflow(testing.make_sensor_device(world.zones[0], kind="waste_container")[0])
    once = queries()
    for _ in range(3):
        overflow(testing.make_sensor_device(world.zones[1], kind="waste_container")[0])
    assert queries() == once


# ---- Re-inspection ---------------------------------------------------------------------------


def test_rectified_then_reinspected_the_alert_order_closes(
    world: World,
    alert_order: RectificationOrder,
    provider_a_user: User,
    inspector: User,
) -> None:
    conflicted = testing.make_user("inspector", "conflicted")
    InspectorConflict.objects.create(
        inspector=conflicted, provider=world.provider_a, reason="Brother-in-law"
    )
    response = client_for(provider_a_user).post(
        reverse("inspections:order_rectify", args=[alert_order.pk]),
        {"note": "Bin emptied.", "photo": photo()},
    )
    assert response.status_code == 302
    alert_order.refresh_from_db()
    assert alert_order.status == Status.RECTIFIED
    # No inspector raised it: every inspector who may re-inspect it is told.
    assert Notification.objects.filter(user=inspector, link=detail(alert_order)).exists()
    assert not Notification.objects.filter(user=conflicted).exists()

    content = page(client_for(inspector).get(detail(alert_order)))
    assert "Record the re-inspection" in content
    response = client_for(inspector).post(
        reverse("inspections:order_reinspect", args=[alert_order.pk]),
        {"result": "pass", "note": "Checked on site."},
    )
    assert response.status_code == 302
    alert_order.refresh_from_db()
    assert alert_order.status == Status.CLOSED


# ---- API -------------------------------------------------------------------------------------


def api_order(order: RectificationOrder) -> str:
    return f"/api/v1/field/orders/{order.pk}"


@pytest.mark.parametrize("persona", ["manager", "provider_a_user"])
def test_the_api_gives_the_alert_order(
    alert_order: RectificationOrder,
    bin_device: Device,
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    response = client_for(request.getfixturevalue(persona)).get(api_order(alert_order))
    assert response.status_code == 200
    body = response.json()
    assert body["origin"] == "sensor_alert"
    assert body["finding"] is None
    assert body["standard"] == "CL-04"
    assert body["status"] == "open"
    assert body["alert"]["device"] == bin_device.code
    assert body["alert"]["peak_value"] == 0.97
    assert body["alert"]["rule"] == "Fill level (0–1) at or above 0.9 for 30 minutes"


def test_the_api_hides_the_alert_order_from_another_company(
    alert_order: RectificationOrder, provider_b_user: User
) -> None:
    client = client_for(provider_b_user)
    response = client.get(api_order(alert_order))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/field/orders").json()["count"] == 0


def test_the_api_list_gives_both_kinds_of_order(
    world: World,
    alert_order: RectificationOrder,
    inspector: User,
    provider_a_user: User,
    django_assert_max_num_queries: Any,
) -> None:
    inspection_order = make_order(world.contract_a, inspector)
    client = client_for(provider_a_user)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/field/orders").json()
    assert body["count"] == 2
    by_id = {item["id"]: item for item in body["items"]}
    assert by_id[alert_order.pk]["alert"]["device"]
    assert by_id[inspection_order.pk]["finding"] == str(inspection_order.finding.uuid)  # type: ignore[union-attr]
    assert by_id[inspection_order.pk]["alert"] is None
    assert by_id[inspection_order.pk]["origin"] == "inspection"


def test_the_api_needs_a_signed_in_caller(alert_order: RectificationOrder) -> None:
    assert client_for(None).get(api_order(alert_order)).status_code == 401
