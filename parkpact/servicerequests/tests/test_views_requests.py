"""The queue of service requests, a request's page, and its photos."""

import html
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.servicerequests import services
from parkpact.servicerequests.models import ServiceRequest

pytestmark = pytest.mark.usefixtures("english")
LIST = reverse("servicerequests:request_list")


def detail(report: ServiceRequest) -> str:
    return reverse("servicerequests:request_detail", kwargs={"pk": report.pk})


def page(response: Any, status: int = 200) -> str:
    assert response.status_code == status
    return html.unescape(response.content.decode())


def link(report: ServiceRequest) -> str:
    return f'href="{detail(report)}"'


def with_contact(world: World, **kwargs: Any) -> ServiceRequest:
    return testing.make_service_request(
        world.zones[0],
        contact=services.Contact(
            name="Lin Mei", email="lin@example.cn", phone="138 0000 1111", device_id="dev-77"
        ),
        **kwargs,
    )


# ---- The queue ---------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in() -> None:
    response = client_for(None).get(LIST)
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_it_shows_every_request_to_centre_staff(world: World, auditor: User) -> None:
    cleaning = testing.make_service_request(world.zones[0])
    security = testing.make_service_request(world.zones[0], service_code="safety")
    centre = testing.make_service_request(world.zones[2])
    body = page(client_for(auditor).get(LIST))
    for report in (cleaning, security, centre):
        assert link(report) in body
    assert world.provider_a.name in body and world.provider_b.name in body


def test_a_provider_sees_only_its_companys_requests(world: World, provider_a_user: User) -> None:
    mine = testing.make_service_request(world.zones[0])
    theirs = testing.make_service_request(world.zones[0], service_code="safety")
    centre = testing.make_service_request(world.zones[2])
    body = page(client_for(provider_a_user).get(LIST))
    assert link(mine) in body
    assert link(theirs) not in body and link(centre) not in body
    assert "Any provider" not in body  # no provider filter for providers
    # Nor by searching for its number.
    body = page(client_for(provider_a_user).get(LIST, {"q": str(theirs.pk), "status": "any"}))
    assert link(theirs) not in body


def test_it_lists_open_requests_by_default_and_closed_ones_on_request(
    world: World, manager: User, inspector: User
) -> None:
    open_one = testing.make_service_request(world.zones[2])
    rejected = testing.make_service_request(world.zones[2])
    services.reject(request=rejected, by=inspector, note="Not in the park")
    body = page(client_for(manager).get(LIST))
    assert link(open_one) in body and link(rejected) not in body
    body = page(client_for(manager).get(LIST, {"status": "rejected"}))
    assert link(rejected) in body and link(open_one) not in body
    body = page(client_for(manager).get(LIST, {"status": "any"}))
    assert link(rejected) in body and link(open_one) in body


def test_it_filters_by_service_provider_channel_and_search(world: World, manager: User) -> None:
    cleaning = testing.make_service_request(world.zones[0])
    security = testing.make_service_request(world.zones[0], service_code="safety")
    client = client_for(manager)
    safety = services.find_service("safety")
    body = page(client.get(LIST, {"service": safety.pk}))
    assert link(security) in body and link(cleaning) not in body
    body = page(client.get(LIST, {"provider": world.provider_a.pk}))
    assert link(cleaning) in body and link(security) not in body
    body = page(client.get(LIST, {"channel": "hotline"}))
    assert link(cleaning) not in body
    body = page(client.get(LIST, {"q": f"#{security.pk}"}))
    assert link(security) in body and link(cleaning) not in body
    body = page(client.get(LIST, {"q": cleaning.tracking_code.lower()}))
    assert link(cleaning) in body and link(security) not in body


def test_overdue_requests_come_first_with_a_badge_after_the_sweep(
    world: World, manager: User
) -> None:
    fresh = testing.make_service_request(world.zones[2])
    late = testing.make_service_request(world.zones[2], at=timezone.now() - timedelta(hours=5))
    body = page(client_for(manager).get(LIST))
    assert body.index(link(late)) < body.index(link(fresh))
    assert "Overdue" in body
    assert "Resolution late" not in body
    services.mark_sla_breaches(now=timezone.now())
    body = page(client_for(manager).get(LIST))
    assert "Resolution late" in body and "Acknowledgement late" in body
    body = page(client_for(manager).get(LIST, {"overdue": "on"}))
    assert link(late) in body and link(fresh) not in body


def test_the_counts_and_the_map_cover_what_the_user_may_see(
    world: World, provider_a_user: User, inspector: User
) -> None:
    testing.make_service_request(world.zones[0], at=timezone.now() - timedelta(hours=5))
    testing.make_service_request(world.zones[1])
    testing.make_service_request(world.zones[0], service_code="safety")  # company B's
    response = client_for(provider_a_user).get(LIST)
    counts = response.context["counts"]
    assert counts == {"open": 2, "overdue": 1, "awaiting_validation": 0}
    map_data = response.context["map_data"]
    assert len(map_data["facilities"]) == 2
    assert len(map_data["zones"]["features"]) == 3  # the park's zones, outlined
    assert 'data-zone-map="request-map-data"' in page(response)


def test_the_queue_takes_a_bounded_number_of_queries(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    for index in range(12):
        testing.make_service_request(world.zones[index % 3])
    client = client_for(manager)
    client.get(LIST)  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


# ---- A request's page --------------------------------------------------------------------------


def test_its_page_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    report = testing.make_service_request(world.zones[0])
    assert client_for(None).get(detail(report)).status_code == 302


def test_another_companys_request_is_not_found(world: World, provider_b_user: User) -> None:
    report = testing.make_service_request(world.zones[0])
    assert client_for(provider_b_user).get(detail(report)).status_code == 404


def test_centre_staff_see_the_contact_and_the_text_as_sent(world: World, inspector: User) -> None:
    report = with_contact(world, description="Call me on 13800001111, litter here")
    services.moderate(
        request=report, by=inspector, description="Litter here", reason="A phone number"
    )
    body = page(client_for(inspector).get(detail(report)))
    assert "Lin Mei" in body and "lin@example.cn" in body and "138 0000 1111" in body
    assert "Call me on 13800001111" in body  # the text as sent
    assert report.tracking_code in body
    assert "A phone number" in body  # the private moderation note


def test_a_provider_never_sees_the_contact_nor_private_notes(
    world: World, provider_a_user: User, inspector: User
) -> None:
    report = with_contact(world, description="Call me on 13800001111, litter here")
    services.moderate(
        request=report, by=inspector, description="Litter here", reason="A phone number"
    )
    report.refresh_from_db()
    body = page(client_for(provider_a_user).get(detail(report)))
    assert "Litter here" in body
    for secret in (
        "Lin Mei",
        "lin@example.cn",
        "138 0000 1111",
        "dev-77",
        "13800001111",
        "A phone number",
        report.tracking_code,
    ):
        assert secret not in body
    assert "Acknowledge" in body  # the provider's action


def test_the_page_shows_answers_sla_and_the_timeline(world: World, manager: User) -> None:
    report = testing.make_service_request(world.zones[0], at=timezone.now() - timedelta(hours=5))
    report.attributes = {"amount": "pile"}
    report.save()
    services.mark_sla_breaches(now=timezone.now())
    body = page(client_for(manager).get(detail(report)))
    assert "How much is there?" in body and "A pile" in body
    assert "Acknowledgement late" in body and "Resolution late" in body
    assert "Not resolved in time." in body
    assert world.provider_a.name in body
    assert 'data-zone-map="request-map-data"' in body


def test_a_provider_resolves_and_sees_the_photo_but_not_the_original(
    world: World, provider_a_user: User, manager: User
) -> None:
    report = testing.make_service_request(world.zones[0])
    services.resolve(
        request=report,
        by=provider_a_user,
        note="Swept",
        photo=SimpleUploadedFile(
            "fix.jpg", testing.photo_bytes(exif=testing.gps_exif()), content_type="image/jpeg"
        ),
    )
    photo = report.photos.get()
    display = reverse("servicerequests:photo", kwargs={"uuid": photo.uuid})
    original = reverse("servicerequests:photo_original", kwargs={"uuid": photo.uuid})
    provider = client_for(provider_a_user)
    body = page(provider.get(detail(report)))
    assert display in body and original not in body
    response = provider.get(display)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"ParkPhone" not in b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert provider.get(original).status_code == 403
    staff = client_for(manager)
    assert original in page(staff.get(detail(report)))
    response = staff.get(original)
    assert response.status_code == 200
    assert b"ParkPhone" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_another_company_cannot_fetch_the_photo(
    world: World, provider_a_user: User, provider_b_user: User
) -> None:
    report = testing.make_service_request(world.zones[0])
    services.resolve(
        request=report,
        by=provider_a_user,
        note="",
        photo=SimpleUploadedFile("fix.jpg", testing.photo_bytes(), content_type="image/jpeg"),
    )
    photo = report.photos.get()
    url = reverse("servicerequests:photo", kwargs={"uuid": photo.uuid})
    assert client_for(provider_b_user).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
