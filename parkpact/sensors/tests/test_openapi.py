"""The OpenAPI document describes POST /api/v1/sensors/readings: both body shapes, with an
example each that the endpoint really accepts, and the two ways a device authenticates."""

import json
import time
from typing import Any

import jsonschema
import pytest
from django.test import Client

from conftest import World
from parkpact import testing
from parkpact.sensors.models import Device

PATH = "/api/v1/sensors/readings"


@pytest.fixture
def document(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_it_documents_both_body_shapes(document: dict[str, Any]) -> None:
    body = document["paths"][PATH]["post"]["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/senml+json", "application/json"}
    for media in body["content"].values():
        shapes = media["schema"]["oneOf"]
        assert [shape["type"] for shape in shapes] == ["array", "object"]
        assert set(media["examples"]) == {"senml", "batch"}
        for example in media["examples"].values():
            jsonschema.validate(example["value"], media["schema"])


def test_it_documents_how_a_device_authenticates(document: dict[str, Any]) -> None:
    operation = document["paths"][PATH]["post"]
    assert operation["security"] == [{"DeviceSecret": []}, {"DeviceBearer": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["DeviceSecret"]["type"] == "apiKey"
    assert (schemes["DeviceSecret"]["in"], schemes["DeviceSecret"]["name"]) == (
        "header",
        "X-Device-Secret",
    )
    assert (schemes["DeviceBearer"]["type"], schemes["DeviceBearer"]["scheme"]) == (
        "http",
        "bearer",
    )
    (device_id,) = operation["parameters"]
    assert (device_id["name"], device_id["in"], device_id["required"]) == (
        "X-Device-Id",
        "header",
        False,
    )
    assert set(operation["responses"]) >= {"200", "400", "401", "413", "415"}


def test_the_documented_examples_are_accepted(document: dict[str, Any], world: World) -> None:
    device, secret = testing.make_sensor_device(world.zones[0], kind="waste_container")
    assert isinstance(device, Device)
    content = document["paths"][PATH]["post"]["requestBody"]["content"]
    now = int(time.time())
    senml = content["application/senml+json"]["examples"]["senml"]["value"]
    senml = [{**senml[0], "bt": now - 3600}, *senml[1:]]
    batch = content["application/json"]["examples"]["batch"]["value"]
    for media_type, body in (("application/senml+json", senml), ("application/json", batch)):
        response = Client().post(
            PATH,
            json.dumps(body),
            content_type=media_type,
            HTTP_X_DEVICE_ID=device.code,
            HTTP_X_DEVICE_SECRET=secret,
        )
        assert response.status_code == 200, response.json()
        assert response.json()["stored"] == len(
            body if isinstance(body, list) else body["readings"]
        )
