"""The tracking page and the reporter's word on the fix, as the anonymous reporter sees them."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.core.models import User
from parkpact.servicerequests import services
from parkpact.servicerequests.models import RequestPhoto, ServiceRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Status = ServiceRequest.Status


def track_url(report: ServiceRequest) -> str:
    return reverse("public:track", kwargs={"code": report.tracking_code})


REPORTER = {"REMOTE_ADDR": "203.0.113.9"}


def feedback(report: ServiceRequest, client: Client | None = None, **data: Any) -> Any:
    url = reverse("public:track_feedback", kwargs={"code": report.tracking_code})
    return (client or Client(**REPORTER)).post(url, data)


def reported(world: World) -> ServiceRequest:
    return testing.make_service_request(
        world.zones[0],
        description="Bottles under the bench",
        contact=services.Contact(name="Li Wei", phone="13800000000", email="li@example.cn"),
    )


def resolved(world: World, provider: User) -> ServiceRequest:
    report = reported(world)
    photo = SimpleUploadedFile("fix.jpg", testing.photo_bytes(), content_type="image/jpeg")
    return services.resolve(request=report, by=provider, note="Swept and bagged", photo=photo)


def test_it_shows_the_status_place_deadline_and_public_notes_only(
    world: World, provider_a_user: User, inspector: User
) -> None:
    report = reported(world)
    services.acknowledge(request=report, by=provider_a_user, note="On our way")
    services.moderate(
        request=report, by=inspector, description="Bottles under the bench", reason="Had a phone"
    )
    response = Client().get(track_url(report))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Litter" in page and "Acknowledged" in page
    assert "The team responsible has seen it" in page
    assert f"{world.zones[0].code} {world.zones[0].name}" in page
    assert "To be resolved by" in page
    assert timezone.localtime(report.expected_at).strftime("%Y-%m-%d %H:%M") in page
    assert "Report received" in page and "On our way" in page
    assert f"Sent to {world.provider_a.name}." in page
    assert "Had a phone" not in page  # the moderation note is for staff
    for secret in ("Li Wei", "13800000000", "li@example.cn"):
        assert secret not in page
    assert "Keep this code" not in page  # only on the first view


def test_the_first_view_says_keep_this_code(world: World) -> None:
    report = reported(world)
    page = Client().get(track_url(report) + "?new=1").content.decode()
    assert "Keep this code" in page and report.tracking_code in page


def test_the_lookup_form_finds_a_report_by_its_code_however_it_is_typed(world: World) -> None:
    report = reported(world)
    code = report.tracking_code
    response = Client().get(
        reverse("public:track_lookup"), {"code": f" {code[:5]}-{code[5:].lower()} "}
    )
    assert response.status_code == 302 and response["Location"] == track_url(report)
    response = Client().get(reverse("public:track_lookup"), {"code": "ZZZZZZZZZZ"})
    assert "No report has this tracking code" in response.content.decode()
    assert Client().get(reverse("public:track_lookup")).status_code == 200


def test_an_unknown_code_is_not_found(db: None) -> None:
    response = Client().get(reverse("public:track", kwargs={"code": "ZZZZZZZZZZ"}))
    assert response.status_code == 404
    assert "No report has this tracking code" in response.content.decode()


def test_a_resolved_report_shows_the_fix_photo_and_asks_whether_it_is_fixed(
    world: World, provider_a_user: User
) -> None:
    report = resolved(world, provider_a_user)
    page = Client().get(track_url(report)).content.decode()
    photo = RequestPhoto.objects.get(request=report)
    assert reverse("public:photo_display", kwargs={"uuid": photo.uuid}) in page
    assert "Photos of the fix" in page and "Swept and bagged" in page
    assert "Is it fixed?" in page and 'value="no"' in page


def test_an_open_report_does_not_ask_for_feedback(world: World) -> None:
    report = reported(world)
    assert "Is it fixed?" not in Client().get(track_url(report)).content.decode()
    response = feedback(report, fixed="yes")
    assert response.status_code == 200
    assert "once it has" in response.content.decode()
    report.refresh_from_db()
    assert report.reporter_says_fixed is None


def test_the_reporter_says_fixed_and_rates_it(world: World, provider_a_user: User) -> None:
    report = resolved(world, provider_a_user)
    reporter = Client(**REPORTER)
    response = feedback(report, reporter, fixed="yes", rating="5", comment="Spotless, thanks")
    assert response.status_code == 302 and response["Location"] == track_url(report)
    report.refresh_from_db()
    assert report.reporter_says_fixed is True
    assert report.reporter_rating == 5
    assert report.reporter_comment == "Spotless, thanks"
    page = reporter.get(track_url(report)).content.decode()
    assert "Thank you for telling us." in page
    assert "The reporter confirms it is fixed." in page


def test_the_reporter_says_not_fixed_and_the_report_opens_again(
    world: World, provider_a_user: User
) -> None:
    report = resolved(world, provider_a_user)
    reporter = Client(**REPORTER)
    feedback(report, reporter, fixed="no", comment="Still bottles everywhere")
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.reporter_says_fixed is False
    page = reporter.get(track_url(report)).content.decode()
    assert "the report is open again" in page
    assert "Reopened: you said it is not fixed" in page and "Still bottles everywhere" in page


def test_a_rating_alone_is_kept(world: World, provider_a_user: User) -> None:
    report = resolved(world, provider_a_user)
    feedback(report, fixed="", rating="3")
    report.refresh_from_db()
    assert (report.reporter_rating, report.reporter_says_fixed) == (3, None)


def test_a_bad_rating_is_shown(world: World, provider_a_user: User) -> None:
    report = resolved(world, provider_a_user)
    response = feedback(report, fixed="yes", rating="9")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    report.refresh_from_db()
    assert report.reporter_says_fixed is None


def test_not_fixed_too_long_after_the_fix_is_refused(world: World, provider_a_user: User) -> None:
    report = resolved(world, provider_a_user)
    ServiceRequest.objects.filter(pk=report.pk).update(
        resolved_at=timezone.now() - timedelta(days=15)
    )
    response = feedback(report, fixed="no")
    assert "more than 14 days ago" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.RESOLVED


def test_too_much_feedback_from_one_address_gets_429(
    world: World, provider_a_user: User, settings: Any
) -> None:
    settings.PUBLIC_REPORTS_PER_IP_HOUR = 1
    report = resolved(world, provider_a_user)
    assert feedback(report, rating="4").status_code == 302
    response = feedback(report, rating="5")
    assert response.status_code == 429 and "Retry-After" in response
    report.refresh_from_db()
    assert report.reporter_rating == 4


def test_a_duplicate_points_to_the_report_it_duplicates(world: World, inspector: User) -> None:
    first = reported(world)
    second = reported(world)
    services.merge_duplicate(request=second, into=first, by=inspector)
    page = Client().get(track_url(second)).content.decode()
    assert "Duplicate" in page
    assert f'href="{track_url(first)}"' in page
