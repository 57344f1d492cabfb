"""Everything the Donghu demo publishes as OCDS: valid, and naming no person.

The demo is loaded once for the module (conftest's demo_output) and rolled back after it."""

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from parkpact.core.models import User
from parkpact.providers.models import Provider
from parkpact.publication.models import Release
from parkpact.publication.services import publish_releases
from parkpact.servicerequests.models import ServiceRequest

from . import support
from .support import errors_of


@pytest.fixture
def published(demo_output: str, db: None) -> str:
    publish_releases()
    client = Client()
    texts = [b"".join(client.get("/ocds/releases.json").streaming_content).decode()]  # type: ignore[attr-defined]
    for ocid in sorted(set(Release.objects.values_list("ocid", flat=True))):
        response = client.get(f"/ocds/records/{quote(ocid)}.json")
        assert response.status_code == 200
        texts.append(response.content.decode())
    return "\n".join(texts)


def test_the_demo_publishes_both_contracts_months_and_payments(published: str) -> None:
    package = json.loads(published.split("\n", 1)[0])
    assert errors_of(support.package_validator("release-package-schema.json"), package) == []
    kinds = {source.split(":")[0] for source in Release.objects.values_list("source", flat=True)}
    assert {"contract", "assessment", "certificate"} <= kinds
    assert Release.objects.values("ocid").distinct().count() >= 2
    validator = support.release_validator()
    for release in package["releases"]:
        assert errors_of(validator, release) == [], release["id"]


def test_the_compiled_records_validate(published: str) -> None:
    validator = support.package_validator("record-package-schema.json")
    for text in published.split("\n")[1:]:
        assert errors_of(validator, json.loads(text)) == []


def personal_values() -> set[str]:
    values: set[str] = set()
    for user in User.objects.all():
        values |= {user.get_full_name(), user.first_name, user.last_name, user.username, user.email}
    for provider in Provider.objects.all():
        values |= {provider.contact_name, provider.contact_phone, provider.email}
    for request in ServiceRequest.objects.all():
        values |= {request.contact_name, request.contact_email, request.contact_phone}
    return {value for value in values if value}


def test_no_person_is_named_anywhere(published: str) -> None:
    values = personal_values()
    assert len(values) > 10  # the demo has staff, contacts and reporters
    strings: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, str):
            strings.append(value)

    for text in published.split("\n"):
        collect(json.loads(text))
    found = sorted(value for value in values if any(value in text for text in strings))
    assert found == []
