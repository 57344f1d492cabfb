"""The report form behind a zone's QR code, as an anonymous visitor uses it."""

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from conftest import World
from parkpact import testing
from parkpact.parks.models import Zone
from parkpact.servicerequests.models import (
    BlockedContact,
    RequestPhoto,
    Service,
    ServiceAttribute,
    ServiceRequest,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def report_url(zone: Zone, service: str | None = None) -> str:
    url = reverse("public:report", kwargs={"token": zone.qr_token})
    return f"{url}?service={service}" if service else url


def jpeg(exif: Image.Exif | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "IMG_0001.jpg", testing.photo_bytes("JPEG", exif=exif), content_type="image/jpeg"
    )


def post(zone: Zone, service: str, **data: Any) -> Any:
    return Client(REMOTE_ADDR="203.0.113.7").post(report_url(zone, service), data)


def test_it_places_the_visitor_in_the_zone_and_lists_the_services(world: World) -> None:
    zone = world.zones[0]
    response = Client().get(report_url(zone))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{world.park.name} · {zone.code} {zone.name}" in page
    assert "Litter" in page and "Overflowing bin" in page
    assert 'href="?service=litter"' in page
    assert "Audit ledger" not in page and "Sign out" not in page  # no staff navigation


def test_it_shows_the_services_in_chinese_by_default(world: World, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    page = Client().get(report_url(world.zones[0])).content.decode()
    assert "垃圾杂物" in page


def test_it_hides_a_service_that_is_not_active(world: World) -> None:
    Service.objects.filter(code="litter").update(active=False)
    page = Client().get(report_url(world.zones[0])).content.decode()
    assert "?service=litter" not in page
    assert "Litter" not in Client().get(report_url(world.zones[0], "litter")).content.decode()


def test_it_says_an_unknown_or_renewed_code_is_no_longer_valid(world: World) -> None:
    response = Client().get(reverse("public:report", kwargs={"token": "not-a-token"}))
    assert response.status_code == 404
    assert "This code is no longer valid" in response.content.decode()
    response = Client().post(reverse("public:report", kwargs={"token": "nope"}) + "?service=litter")
    assert response.status_code == 404
    assert not ServiceRequest.objects.exists()


def test_it_shows_the_services_questions_and_the_contact_promise(world: World) -> None:
    page = Client().get(report_url(world.zones[0], "toilet")).content.decode()
    assert "What is wrong?" in page and "Bad smell" in page
    assert 'type="checkbox"' in page
    assert 'accept="image/*"' in page and 'capture="environment"' in page
    assert "Only the park management centre" in page
    assert 'name="website"' in page and 'aria-hidden="true"' in page


def test_it_files_the_report_routed_to_the_provider_and_shows_the_tracking_page(
    world: World,
) -> None:
    response = post(
        world.zones[0],
        "litter",
        description="Bottles under the bench",
        **{"attribute[amount]": "pile"},
        name="Li Wei",
        phone="138 0000 0000",
        email="li@example.cn",
    )
    report = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/track/{report.tracking_code}?new=1"
    assert report.channel == ServiceRequest.Channel.QR
    assert report.zone == world.zones[0]
    assert report.provider == world.provider_a
    assert report.attributes == {"amount": "pile"}
    assert report.contact_phone == "138 0000 0000"
    # Without a photo the report sits in the middle of the poster's zone.
    zone = world.zones[0]
    assert report.longitude == Decimal(str((zone.west + zone.east) / 2)).quantize(Decimal("1e-6"))
    page = Client().get(response["Location"]).content.decode()
    assert "Keep this code" in page and report.tracking_code in page


def test_a_security_problem_goes_to_the_security_contractor(world: World) -> None:
    post(world.zones[2], "safety", description="Broken glass on the path")
    assert ServiceRequest.objects.get().provider == world.provider_b


def test_a_multiple_choice_question_keeps_every_answer(world: World) -> None:
    post(world.zones[0], "toilet", **{"attribute[problem]": ["smell", "paper"]})
    assert ServiceRequest.objects.get().attributes == {"problem": ["smell", "paper"]}


@pytest.mark.parametrize(
    ("service", "data", "message"),
    [
        ("litter", {"description": "x" * 4001}, "4000 characters"),
        ("litter", {"description": "<b>bold</b> litter"}, "plain text"),
        ("litter", {"email": "not-an-email"}, "valid email address"),
        ("litter", {"phone": "call me maybe"}, "phone number"),
        ("litter", {"attribute[amount]": "mountain"}, "Select a valid choice"),
        ("toilet", {"description": "Smelly"}, "This field is required"),
        ("lost_person", {"attribute[description]": "<script>alert(1)</script>"}, "plain text"),
    ],
)
def test_a_bad_answer_is_shown_on_the_form_and_nothing_is_stored(
    world: World, service: str, data: dict[str, str], message: str
) -> None:
    response = post(world.zones[0], service, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="invalid-feedback' in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_number_or_a_date_is_checked_by_the_services(world: World) -> None:
    service = Service.objects.create(
        code="bench_count",
        name_zh="长椅",
        name_en="Benches",
        kind=Service.Kind.CENTRE,
        acknowledge_hours=1,
        resolve_hours=2,
    )
    for code, datatype in (("count", "number"), ("seen", "datetime")):
        ServiceAttribute.objects.create(
            service=service,
            code=code,
            datatype=datatype,
            description_zh=code,
            description_en=f"Question {code}",
        )
    page = Client().get(report_url(world.zones[0], "bench_count")).content.decode()
    assert 'type="number"' in page and 'type="datetime-local"' in page
    response = post(world.zones[0], "bench_count", **{"attribute[count]": "many"})
    assert "“Question count” needs a number." in response.content.decode()
    response = post(world.zones[0], "bench_count", **{"attribute[seen]": "yesterday"})
    assert "needs a date and time" in response.content.decode()
    assert not ServiceRequest.objects.exists()
    post(
        world.zones[0],
        "bench_count",
        **{"attribute[count]": "3", "attribute[seen]": "2026-05-01T08:30"},
    )
    assert ServiceRequest.objects.get().attributes == {"count": "3", "seen": "2026-05-01T08:30"}


def test_a_file_that_is_not_a_photo_is_refused_under_the_photo(world: World) -> None:
    fake = SimpleUploadedFile("IMG.jpg", b"not a jpeg at all", content_type="image/jpeg")
    response = post(world.zones[0], "litter", photo=fake)
    page = response.content.decode()
    assert "This file is not a photo" in page
    assert page.index("This file is not a photo") > page.index('name="photo"')
    assert not ServiceRequest.objects.exists() and not RequestPhoto.objects.exists()


def test_a_blocked_contact_is_told_and_nothing_is_stored(world: World, manager: Any) -> None:
    BlockedContact.objects.create(
        kind=BlockedContact.Kind.PHONE, value="13800000000", reason="Abuse", blocked_by=manager
    )
    response = post(world.zones[0], "litter", phone="138-0000-0000")
    assert "Reports from this contact are not accepted" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_bot_that_fills_the_hidden_field_is_thanked_and_nothing_is_stored(
    world: World,
) -> None:
    response = post(
        world.zones[0], "litter", description="Buy cheap watches", website="spam.example"
    )
    assert response.status_code == 200
    assert "Thank you: your report was sent." in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_too_many_reports_from_one_address_get_429_and_say_when_to_retry(
    world: World, settings: Any
) -> None:
    settings.PUBLIC_REPORTS_PER_IP_HOUR = 2
    for _ in range(2):
        assert post(world.zones[0], "litter").status_code == 302
    response = post(world.zones[0], "litter")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Please try again in" in response.content.decode()
    assert ServiceRequest.objects.count() == 2
    # Another address is not held back.
    other = Client(REMOTE_ADDR="198.51.100.1").post(report_url(world.zones[0], "litter"), {})
    assert other.status_code == 302


def test_the_photos_gps_inside_the_park_places_the_report(world: World) -> None:
    # The poster is in zone 0; the photo was taken in zone 1 of the same park.
    post(world.zones[0], "litter", photo=jpeg(testing.gps_exif(118.6015, 24.9305)))
    report = ServiceRequest.objects.get()
    assert (report.longitude, report.latitude) == (Decimal("118.601500"), Decimal("24.930500"))
    assert report.zone == world.zones[1]
    assert report.provider == world.provider_a


def test_the_photos_gps_outside_the_park_is_ignored(world: World) -> None:
    post(world.zones[0], "litter", photo=jpeg(testing.gps_exif(118.70, 25.10)))
    report = ServiceRequest.objects.get()
    assert report.zone == world.zones[0]
    assert report.longitude == Decimal("118.600500")


def test_the_public_copy_of_a_photo_has_no_exif_but_the_original_keeps_it(
    world: World,
) -> None:
    post(world.zones[0], "litter", photo=jpeg(testing.gps_exif(118.6005, 24.9305)))
    photo = RequestPhoto.objects.get()
    response = Client().get(reverse("public:photo_display", kwargs={"uuid": photo.uuid}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "max-age=31536000" in response["Cache-Control"]
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert served.format == "JPEG"
    assert not served.getexif()
    with photo.original.open("rb") as original:
        kept = Image.open(io.BytesIO(original.read())).getexif()
    assert kept.get_ifd(0x8825)  # the GPS position, for centre staff only
    assert kept[0x0110] == "ParkPhone 1"


def test_an_unknown_photo_is_not_found(db: None) -> None:
    url = reverse("public:photo_display", kwargs={"uuid": "00000000-0000-0000-0000-000000000000"})
    assert Client().get(url).status_code == 404
