"""The request's life through the services: who may move it where, and what each step leaves."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.core.models import AuditEvent, Notification, User
from parkpact.servicerequests import services
from parkpact.servicerequests.models import BlockedContact, ServiceRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Status = ServiceRequest.Status


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("fix.jpg", testing.photo_bytes(), content_type="image/jpeg")


def test_the_provider_of_another_company_may_not_answer(
    world: World, provider_b_user: User
) -> None:
    report = testing.make_service_request(world.zones[0])  # cleaning: company A
    with pytest.raises(PermissionDenied):
        services.acknowledge(request=report, by=provider_b_user)


def test_the_provider_is_told_of_a_new_report(
    world: World, provider_a_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        testing.make_service_request(world.zones[0])
    assert Notification.objects.filter(user=provider_a_user).count() == 1


def test_centre_staff_answer_what_no_contract_covers_and_need_no_photo(
    world: World, inspector: User
) -> None:
    report = testing.make_service_request(world.zones[2])
    report = services.resolve(
        request=report, by=inspector, note="Passed to the works team", photo=None
    )
    assert report.status == Status.RESOLVED
    assert report.acknowledged_at == report.resolved_at


def test_a_refused_transition_says_why_and_changes_nothing(
    world: World, provider_a_user: User
) -> None:
    report = testing.make_service_request(world.zones[0])
    services.resolve(request=report, by=provider_a_user, note="", photo=photo())
    with pytest.raises(ValidationError) as error:
        services.acknowledge(request=report, by=provider_a_user)
    assert error.value.code == "transition_not_allowed"
    report.refresh_from_db()
    assert report.status == Status.RESOLVED


def test_sending_back_needs_a_reason_and_keeps_the_deadline(
    world: World, provider_a_user: User, inspector: User
) -> None:
    report = testing.make_service_request(world.zones[0])
    deadline = report.expected_at
    services.resolve(request=report, by=provider_a_user, note="", photo=photo())
    with pytest.raises(ValidationError):
        services.send_back(request=report, by=inspector, note=" ")
    report = services.send_back(request=report, by=inspector, note="Still litter under the bench")
    assert report.status == Status.IN_PROGRESS
    assert report.expected_at == deadline
    assert report.events.filter(note="Still litter under the bench", public=True).exists()


def test_providers_may_not_triage(world: World, provider_a_user: User) -> None:
    report = testing.make_service_request(world.zones[0])
    with pytest.raises(PermissionDenied):
        services.reject(request=report, by=provider_a_user, note="not ours")
    with pytest.raises(PermissionDenied):
        services.validate_resolution(request=report, by=provider_a_user)


def test_rejecting_closes_with_the_reason(world: World, manager: User) -> None:
    report = testing.make_service_request(world.zones[0])
    report = services.reject(request=report, by=manager, note="A matter for the police")
    assert report.status == Status.REJECTED and report.closed_at
    assert report.open311_status == "closed"


def test_merging_a_duplicate_points_to_the_first_report(world: World, inspector: User) -> None:
    first = testing.make_service_request(world.zones[0])
    second = testing.make_service_request(world.zones[0])
    second = services.merge_duplicate(request=second, into=first, by=inspector)
    assert second.status == Status.DUPLICATE and second.duplicate_of == first
    with pytest.raises(ValidationError):
        services.merge_duplicate(request=first, into=first, by=inspector)


def test_rerouting_checks_the_contract_covers_the_zone(world: World, manager: User) -> None:
    report = testing.make_service_request(world.zones[2])  # centre's queue
    with pytest.raises(ValidationError):
        services.reroute(
            request=report, by=manager, zone=world.zones[2], contract=world.contract_a, reason="x"
        )
    report = services.reroute(
        request=report,
        by=manager,
        zone=world.zones[0],
        contract=world.contract_a,
        reason="Pin was off",
    )
    assert report.provider == world.provider_a
    assert AuditEvent.objects.filter(action="request.reroute").exists()


def test_moderation_keeps_the_text_as_sent(world: World, inspector: User) -> None:
    report = testing.make_service_request(world.zones[0], description="Call me on 13800000000")
    report = services.moderate(
        request=report, by=inspector, description="Call me on [removed]", reason="Phone number"
    )
    assert report.description == "Call me on [removed]"
    assert report.original_description == "Call me on 13800000000"
    assert not report.events.get(kind="moderation").public


def test_a_blocked_contact_is_refused(world: World, manager: User) -> None:
    services.block_contact(
        kind=BlockedContact.Kind.PHONE, value="138-0000 0000", by=manager, reason="Abuse"
    )
    with pytest.raises(ValidationError) as error:
        testing.make_service_request(world.zones[0], contact=services.Contact(phone="13800000000"))
    assert error.value.code == "blocked"
    assert not ServiceRequest.objects.exists()


def test_the_reporter_rates_only_a_resolved_report(world: World) -> None:
    report = testing.make_service_request(world.zones[0])
    with pytest.raises(ValidationError):
        services.reporter_feedback(request=report, fixed=True, rating=5)
    with pytest.raises(ValidationError):
        services.reporter_feedback(request=report, fixed=None, rating=9)


def test_the_reporter_may_not_reopen_after_two_weeks(world: World, provider_a_user: User) -> None:
    report = testing.make_service_request(world.zones[0])
    report = services.resolve(request=report, by=provider_a_user, note="", photo=photo())
    ServiceRequest.objects.filter(pk=report.pk).update(
        resolved_at=timezone.now() - timedelta(days=15)
    )
    with pytest.raises(ValidationError) as error:
        services.reporter_feedback(request=report, fixed=False)
    assert error.value.code == "too_late"


def test_a_late_resolution_is_a_breach_even_if_the_sweep_runs_after_it(
    world: World, provider_a_user: User
) -> None:
    report = testing.make_service_request(world.zones[0], at=timezone.now() - timedelta(hours=6))
    services.acknowledge(request=report, by=provider_a_user)
    services.resolve(request=report, by=provider_a_user, note="", photo=photo())
    assert services.mark_sla_breaches(now=timezone.now()) == 2
    report.refresh_from_db()
    assert report.resolve_breached_at is not None


def test_a_photo_that_is_not_a_photo_stores_nothing(world: World, provider_a_user: User) -> None:
    report = testing.make_service_request(world.zones[0])
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        services.resolve(request=report, by=provider_a_user, note="", photo=bad)
    assert "photo" in error.value.error_dict
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED and not report.photos.exists()
