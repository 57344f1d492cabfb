"""POST requests.{fmt}: an integrator posts a report with its key; a refused post stores nothing."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import World
from parkpact import testing
from parkpact.core.models import User
from parkpact.open311 import views
from parkpact.open311.models import ApiKey
from parkpact.open311.services import revoke_key
from parkpact.servicerequests.models import RequestPhoto, ServiceRequest

from .helpers import body, centre_of, error_descriptions, issue_key, post, url

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]


def nothing_stored() -> bool:
    return not ServiceRequest.objects.exists() and not RequestPhoto.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_records_a_report_routed_to_the_contract_of_its_zone(world: World, fmt: str) -> None:
    key = issue_key()
    response = post(
        fmt,
        key=key,
        service_code="litter",
        description="Bottles by the lake",
        email="li.lei@example.cn",
        **centre_of(world.zones[0]),
    )
    assert response.status_code == 201, response.content
    report = ServiceRequest.objects.get()
    assert report.provider == world.provider_a
    assert report.channel == ServiceRequest.Channel.OPEN311
    assert report.client == "12345 hotline"
    assert report.contact_email == "li.lei@example.cn"
    parsed = body(response, fmt)
    if fmt == "json":
        (answer,) = parsed
        assert answer["service_request_id"] == str(report.pk)
        assert answer["token"] == report.tracking_code
        assert answer["service_notice"]
        assert answer["account_id"] is None
    else:
        assert parsed.tag == "service_requests"
        (answer,) = parsed.findall("request")
        assert answer.findtext("service_request_id") == str(report.pk)
        assert answer.findtext("service_notice")
    assert ApiKey.objects.get().last_used_at is not None


def test_it_takes_the_key_from_the_query_string_and_answers_with_the_account(
    world: World,
) -> None:
    key = issue_key()
    response = Client().post(
        url("requests", "json") + f"?api_key={key}&jurisdiction_id=quanzhou-parks",
        {"service_code": "safety", "account_id": "wx-42", **centre_of(world.zones[2])},
    )
    assert response.status_code == 201
    assert body(response, "json")[0]["account_id"] == "wx-42"
    assert ServiceRequest.objects.get().provider == world.provider_b


def test_it_takes_attributes_single_and_multiple(world: World) -> None:
    key = issue_key()
    response = post(
        key=key,
        service_code="toilet",
        **{"attribute[problem][]": ["smell", "paper"]},
        **centre_of(world.zones[0]),
    )
    assert response.status_code == 201, response.content
    assert ServiceRequest.objects.get().attributes == {"problem": ["smell", "paper"]}
    response = post(
        key=key, service_code="litter", **{"attribute[amount]": "pile"}, **centre_of(world.zones[1])
    )
    assert response.status_code == 201, response.content
    assert ServiceRequest.objects.get(service__code="litter").attributes == {"amount": "pile"}


def test_it_places_a_report_by_address_id(world: World) -> None:
    zone = world.zones[1]
    response = post(
        key=issue_key(), service_code="litter", address_id=f"{world.park.code}/{zone.code}"
    )
    assert response.status_code == 201, response.content
    report = ServiceRequest.objects.get()
    assert report.zone == zone and report.provider == world.provider_a


def test_an_address_string_alone_goes_to_the_centre(world: World) -> None:
    response = post(key=issue_key(), service_code="litter", address_string="东湖公园北门")
    assert response.status_code == 201, response.content
    report = ServiceRequest.objects.get()
    assert report.zone is None and report.provider is None
    assert report.address_string == "东湖公园北门"


def test_it_accepts_a_photo_in_multipart(world: World) -> None:
    photo = SimpleUploadedFile("bin.jpg", testing.photo_bytes(), content_type="image/jpeg")
    response = Client().post(
        url("requests", "json"),
        {"api_key": issue_key(), "service_code": "litter", "media": photo}
        | centre_of(world.zones[0]),
    )
    assert response.status_code == 201, response.content
    assert ServiceRequest.objects.get().photos.count() == 1


# ---- Refusals ---------------------------------------------------------------------------------


def refused(world: World, status: int, fmt: str = "json", **data: Any) -> list[str]:
    fields = {"service_code": "litter", **centre_of(world.zones[0]), **data}
    fields = {name: value for name, value in fields.items() if value is not None}
    descriptions = error_descriptions(post(fmt, **fields), fmt, status)
    assert nothing_stored()
    return descriptions


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_refuses_a_post_without_a_key(world: World, fmt: str) -> None:
    assert refused(world, 403, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_refuses_an_unknown_key(world: World, fmt: str) -> None:
    assert refused(world, 403, fmt, api_key="o311_not-a-key")


def test_it_refuses_a_revoked_key(world: World, admin: User) -> None:
    key = issue_key()
    revoke_key(key=ApiKey.objects.get(), by=admin, reason="Integration retired")
    assert refused(world, 403, api_key=key)


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_refuses_a_post_without_a_service_code(world: World, fmt: str) -> None:
    (description,) = refused(world, 400, fmt, api_key=issue_key(), service_code="")
    assert "service_code" in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_is_not_found(world: World, fmt: str) -> None:
    (description,) = refused(world, 404, fmt, api_key=issue_key(), service_code="unicorns")
    assert "unicorns" in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_refuses_a_post_without_a_location(world: World, fmt: str) -> None:
    (description,) = refused(world, 400, fmt, api_key=issue_key(), lat=None, long=None)
    assert "address_string" in description


def test_it_names_every_problem_at_once(world: World, english: None) -> None:
    descriptions = refused(
        world, 400, api_key=issue_key(), service_code="", lat=None, long=None, description="<b>"
    )
    assert len(descriptions) == 3


@pytest.mark.parametrize(("lat", "long"), [("91", "118.6"), ("24.9", "181"), ("north", "east")])
def test_it_refuses_coordinates_outside_wgs84(world: World, lat: str, long: str) -> None:
    (description,) = refused(world, 400, api_key=issue_key(), lat=lat, long=long)
    assert "WGS84" in description


def test_it_refuses_a_place_far_from_every_park(world: World, english: None) -> None:
    (description,) = refused(world, 400, api_key=issue_key(), lat="39.9", long="116.4")
    assert "not in or near any park" in description


def test_it_refuses_an_unknown_address_id(world: World) -> None:
    (description,) = refused(
        world, 400, api_key=issue_key(), lat=None, long=None, address_id="nowhere/Z9"
    )
    assert "nowhere/Z9" in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_refuses_a_description_over_4000_characters(world: World, fmt: str) -> None:
    (description,) = refused(world, 400, fmt, api_key=issue_key(), description="x" * 4001)
    assert "4000" in description


def test_it_refuses_a_description_with_html(world: World, english: None) -> None:
    (description,) = refused(
        world, 400, api_key=issue_key(), description="<script>alert(1)</script>"
    )
    assert "description" in description


@pytest.mark.parametrize(
    "attribute",
    [
        {"attribute[amount": "pile"},  # not closed
        {"attribute[amount][x]": "pile"},  # not a list marker
        {"attribute[amount]": "lots"},  # not one of the answers
        {"attribute[colour]": "red"},  # not a question of this service
    ],
)
def test_it_refuses_a_malformed_attribute(world: World, attribute: dict[str, str]) -> None:
    assert refused(world, 400, api_key=issue_key(), **attribute)


def test_it_refuses_a_missing_required_attribute(world: World) -> None:
    assert refused(world, 400, api_key=issue_key(), service_code="toilet")


def test_it_refuses_a_bad_email_and_a_bad_media_url(world: World) -> None:
    descriptions = refused(
        world, 400, api_key=issue_key(), email="not-an-email", media_url="javascript:alert(1)"
    )
    assert len(descriptions) == 2


def test_it_refuses_a_file_that_is_not_a_photo(world: World) -> None:
    fake = SimpleUploadedFile("bin.jpg", b"not a photo", content_type="image/jpeg")
    response = Client().post(
        url("requests", "json"),
        {"api_key": issue_key(), "service_code": "litter", "media": fake}
        | centre_of(world.zones[0]),
    )
    assert error_descriptions(response, "json", 400)
    assert nothing_stored()


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_refuses_an_unknown_jurisdiction(world: World, fmt: str) -> None:
    assert refused(world, 404, fmt, api_key=issue_key(), jurisdiction_id="xiamen")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_over_its_hourly_limit_must_wait(world: World, fmt: str) -> None:
    key = issue_key(per_hour=1)
    assert post(fmt, key=key, service_code="litter", **centre_of(world.zones[0])).status_code == 201
    response = post(fmt, key=key, service_code="litter", **centre_of(world.zones[0]))
    assert error_descriptions(response, fmt, 429)
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert ServiceRequest.objects.count() == 1


def test_an_address_guessing_keys_is_cut_off(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(views, "BAD_KEYS_PER_IP_HOUR", 2)
    for _ in range(2):
        assert post(key="o311_guess", service_code="litter").status_code == 403
    response = post(key=issue_key(), service_code="litter", **centre_of(world.zones[0]))
    assert response.status_code == 201  # a valid key is not held back by the guesses
    response = post(key="o311_guess", service_code="litter")
    assert error_descriptions(response, "json", 429)


def test_a_busy_integrator_is_not_held_to_the_public_form_limit(
    world: World, settings: Any
) -> None:
    settings.PUBLIC_REPORTS_PER_IP_HOUR = 1
    key = issue_key("hotline")
    for _ in range(3):
        assert post(key=key, service_code="litter", **centre_of(world.zones[0])).status_code == 201


def test_it_answers_405_to_other_methods(world: World) -> None:
    response = Client().put(url("requests", "json"))
    assert response.status_code == 405
