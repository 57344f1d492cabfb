import json
import time
from typing import Any

import pytest
from django.test import Client

from conftest import World, client_for
from parkpact import testing
from parkpact.sensors.models import Device, Reading
from parkpact.sensors.services import revoke_device

URL = "/api/v1/sensors/readings"
SENML = "application/senml+json"


@pytest.fixture
def bin_device(world: World) -> tuple[Device, str]:
    return testing.make_sensor_device(world.zones[0], kind="waste_container")


def post(
    body: Any, *, secret: str | None = None, device: Device | None = None, **headers: str
) -> Any:
    if device is not None:
        headers["HTTP_X_DEVICE_ID"] = device.code
        headers["HTTP_X_DEVICE_SECRET"] = secret or ""
    elif secret is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    content_type = headers.pop("content_type", SENML)
    return Client().post(URL, json.dumps(body), content_type=content_type, **headers)


def pack(*values: float, start: float | None = None) -> list[dict[str, Any]]:
    start = start or float(int(time.time()) - 3600)
    return [
        {"bn": "urn:dev:bin:", "bt": start, "bu": "/", "n": "fillingLevel", "v": values[0]},
        *({"n": "fillingLevel", "t": 60 * i, "v": v} for i, v in enumerate(values[1:], 1)),
    ]


def test_it_stores_a_senml_pack_with_a_bearer_secret(bin_device: tuple[Device, str]) -> None:
    device, secret = bin_device
    response = post(pack(0.1, 0.2, 0.3), secret=secret)
    assert response.status_code == 200, response.json()
    assert response.json() == {"received": 3, "stored": 3}
    assert list(
        Reading.objects.filter(device=device)
        .order_by("observed_at")
        .values_list("value", flat=True)
    ) == [0.1, 0.2, 0.3]


def test_it_stores_a_json_batch_with_the_id_and_secret_headers(
    bin_device: tuple[Device, str],
) -> None:
    device, secret = bin_device
    body = {
        "readings": [
            {"name": "fillingLevel", "value": 0.4, "observedAt": "2026-05-01T08:00:00+08:00"},
            {"name": "fillingLevel", "value": 0.5, "observedAt": "2026-05-01T08:05:00+08:00"},
        ]
    }
    response = post(body, device=device, secret=secret, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Reading.objects.filter(device=device).count() == 2


def test_it_does_not_store_a_repeat_twice(bin_device: tuple[Device, str]) -> None:
    device, secret = bin_device
    body = pack(0.1, 0.2, start=1_777_000_000)
    assert post(body, secret=secret).json() == {"received": 2, "stored": 2}
    again = post(pack(0.1, 0.2, 0.3, start=1_777_000_000), secret=secret)
    assert again.status_code == 200
    assert again.json() == {"received": 3, "stored": 1}
    assert Reading.objects.filter(device=device).count() == 3


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([{"n": "fillingLevel", "u": "kg", "v": 0.5}], "bad_unit"),
        ([{"n": "nh3", "u": "ppm", "v": 3}], "unknown_quantity"),
        ([{"n": "fillingLevel", "u": "/", "v": "half"}], "not_a_number"),
        ([{"n": "fillingLevel", "u": "/", "v": 1.7}], "out_of_range"),
        ([{"n": "fillingLevel", "u": "/", "v": 0.5, "t": 4_000_000_000}], "future_time"),
        ([{"u": "/", "v": 0.5}], "missing_name"),
        (
            {"readings": [{"name": "fillingLevel", "value": 0.5, "observedAt": "yesterday"}]},
            "bad_time",
        ),
        ({"readings": []}, "not_a_pack"),
    ],
)
def test_it_refuses_bad_input_and_stores_nothing(
    bin_device: tuple[Device, str], body: Any, code: str
) -> None:
    _, secret = bin_device
    good_first = (
        [{"n": "fillingLevel", "u": "/", "v": 0.1, "t": -60}, *body]
        if isinstance(body, list)
        else body
    )
    response = post(good_first, secret=secret)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Reading.objects.exists()


def test_it_refuses_a_body_that_is_not_json(bin_device: tuple[Device, str]) -> None:
    _, secret = bin_device
    response = Client().post(URL, "[{", content_type=SENML, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_json"


def test_it_refuses_another_media_type(bin_device: tuple[Device, str]) -> None:
    _, secret = bin_device
    response = Client().post(
        URL, "x", content_type="text/plain", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 415


def test_it_refuses_an_unknown_device_or_a_wrong_secret(bin_device: tuple[Device, str]) -> None:
    device, _secret = bin_device
    for response in (
        post(pack(0.1), secret="ppd_not-a-secret"),
        post(pack(0.1), device=device, secret="wrong"),
        post(pack(0.1)),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "device_not_authenticated"
    assert not Reading.objects.exists()


def test_it_refuses_a_revoked_device(bin_device: tuple[Device, str]) -> None:
    device, secret = bin_device
    revoke_device(device=device, by=None, reason="stolen")
    response = post(pack(0.1), secret=secret)
    assert response.status_code == 401
    assert not Reading.objects.exists()


def test_it_refuses_a_user_session_or_token(bin_device: tuple[Device, str], manager: Any) -> None:
    client = client_for(manager)
    response = client.post(URL, json.dumps(pack(0.1)), content_type=SENML)
    assert response.status_code == 401


def test_the_secret_header_decides_over_a_bearer_and_the_id_is_checked_either_way(
    bin_device: tuple[Device, str],
) -> None:
    device, secret = bin_device
    wrong_header = post(
        pack(0.1), secret=secret, HTTP_X_DEVICE_SECRET="ppd_wrong", HTTP_X_DEVICE_ID=device.code
    )
    assert wrong_header.status_code == 401
    empty_header = post(pack(0.1), secret=secret, HTTP_X_DEVICE_SECRET="")
    assert empty_header.status_code == 401
    other_id = post(pack(0.1), secret=secret, HTTP_X_DEVICE_ID="someone-else")
    assert other_id.status_code == 401
    assert other_id.json()["error"]["code"] == "device_not_authenticated"
    assert not Reading.objects.exists()
    assert post(pack(0.1), secret=secret, HTTP_X_DEVICE_ID=device.code).status_code == 200
