"""Photos are served only after the visibility check: the display copy to whoever may see the
evidence, the original to centre staff; anyone else gets 404 as if there were no such photo."""

import io
import uuid
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from conftest import World, client_for
from parkpact.core.models import User
from parkpact.inspections.evidence import store_evidence
from parkpact.inspections.models import Evidence, Inspection
from parkpact.inspections.rectification import mark_rectified

from .test_orders_factories import (
    make_finding,
    make_inspection,
    make_order,
    photo,
    photo_bytes,
    upload,
)


def display(evidence: Evidence) -> str:
    return reverse("inspections:evidence_display", kwargs={"uuid": evidence.uuid})


def original(evidence: Evidence) -> str:
    return reverse("inspections:evidence_original", kwargs={"uuid": evidence.uuid})


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def exif_photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    return photo_bytes("JPEG", exif=exif)


@pytest.fixture
def evidence_a(world: World, inspector: User, exif_photo: bytes) -> Evidence:
    finding = make_finding(make_inspection(world.contract_a, inspector))
    return store_evidence(upload=upload(exif_photo), by=inspector, finding=finding)


@pytest.mark.parametrize(
    "persona", ["manager", "inspector", "auditor", "finance", "provider_a_user"]
)
def test_those_who_may_see_the_evidence_get_the_copy_without_exif(
    evidence_a: Evidence, persona: str, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(persona)).get(display(evidence_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    image = Image.open(io.BytesIO(body(response)))
    assert image.format == "JPEG"
    assert not image.getexif()


def test_another_company_gets_404(evidence_a: Evidence, provider_b_user: User) -> None:
    client = client_for(provider_b_user)
    assert client.get(display(evidence_a)).status_code == 404
    assert client.get(original(evidence_a)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(evidence_a: Evidence) -> None:
    for url in (display(evidence_a), original(evidence_a)):
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))


def test_centre_staff_download_the_original_as_sent(
    evidence_a: Evidence, auditor: User, exif_photo: bytes
) -> None:
    response = client_for(auditor).get(original(evidence_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert f'attachment; filename="{evidence_a.sha256}.jpg"' == response["Content-Disposition"]
    assert body(response) == exif_photo


def test_the_provider_never_gets_the_original(evidence_a: Evidence, provider_a_user: User) -> None:
    assert client_for(provider_a_user).get(original(evidence_a)).status_code == 404


def test_an_unknown_photo_is_not_found(world: World, manager: User) -> None:
    response = client_for(manager).get(
        reverse("inspections:evidence_display", kwargs={"uuid": uuid.uuid4()})
    )
    assert response.status_code == 404


def test_photos_of_an_inspection_not_yet_submitted_stay_hidden_from_the_provider(
    world: World, inspector: User, provider_a_user: User, manager: User
) -> None:
    inspection = make_inspection(world.contract_a, inspector, status=Inspection.Status.IN_PROGRESS)
    evidence = store_evidence(upload=photo(), by=inspector, finding=make_finding(inspection))
    assert client_for(provider_a_user).get(display(evidence)).status_code == 404
    assert client_for(manager).get(display(evidence)).status_code == 200


def test_the_photo_of_a_rectification_is_seen_by_its_company_only(
    world: World, inspector: User, provider_a_user: User, provider_b_user: User
) -> None:
    order = make_order(world.contract_a, inspector)
    mark_rectified(order=order, by=provider_a_user, note="", photo=photo())
    evidence = Evidence.objects.get(order_event__order=order)
    assert client_for(provider_a_user).get(display(evidence)).status_code == 200
    assert client_for(provider_b_user).get(display(evidence)).status_code == 404
    assert client_for(inspector).get(original(evidence)).status_code == 200
