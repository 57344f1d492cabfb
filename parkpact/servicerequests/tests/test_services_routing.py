from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.core.models import AuditEvent, User
from parkpact.servicerequests import services
from parkpact.servicerequests.models import RequestEvent, ServiceRequest

pytestmark = pytest.mark.django_db


def test_it_routes_a_report_inside_a_covered_zone_to_its_cleaning_contract(world: World) -> None:
    report = testing.make_service_request(world.zones[0])
    assert report.zone == world.zones[0]
    assert report.contract == world.contract_a
    assert report.provider == world.provider_a
    assert report.status == ServiceRequest.Status.SUBMITTED
    assert report.expected_at - report.requested_at == timedelta(hours=4)
    assert AuditEvent.objects.filter(action="request.submit", object_id=str(report.pk)).exists()


def test_it_routes_a_security_matter_to_the_security_contract(world: World) -> None:
    report = testing.make_service_request(world.zones[0], service_code="safety")
    assert report.provider == world.provider_b


def test_what_no_contract_covers_goes_to_the_centre(world: World) -> None:
    report = testing.make_service_request(world.zones[2])  # cleaning covers zones 0 and 1 only
    assert report.zone == world.zones[2]
    assert report.contract is None and report.provider is None
    assert report.agency_responsible


def test_a_point_just_outside_a_zone_snaps_to_it(world: World) -> None:
    zone = world.zones[0]
    # About 20 m south of the zone's southern edge.
    report = testing.make_service_request(
        position=((zone.west + zone.east) / 2, zone.south - 0.0002)
    )
    assert report.zone == zone
    assert report.provider == world.provider_a


def test_a_point_near_the_park_but_in_no_zone_goes_to_the_park_and_the_centre(
    world: World,
) -> None:
    zone = world.zones[0]
    report = testing.make_service_request(position=(zone.west, zone.south - 0.001))  # ~110 m
    assert report.zone is None
    assert report.park == world.park
    assert report.provider is None


def test_it_refuses_a_point_far_from_every_park(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        testing.make_service_request(position=(116.4, 39.9))  # Beijing
    assert error.value.error_dict["lat"][0].code == "far_from_parks"
    assert not ServiceRequest.objects.exists()


def test_it_refuses_html_and_stores_nothing(world: World) -> None:
    with pytest.raises(ValidationError):
        testing.make_service_request(world.zones[0], description="<script>x</script>")
    assert not ServiceRequest.objects.exists()


def test_the_provider_acknowledges_and_resolves_with_a_photo_and_staff_validate(
    world: World, provider_a_user: User, inspector: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = testing.make_service_request(world.zones[0])
    services.acknowledge(request=report, by=provider_a_user)
    with pytest.raises(ValidationError):
        services.resolve(request=report, by=provider_a_user, note="", photo=None)
    photo = SimpleUploadedFile("fix.jpg", testing.photo_bytes(), content_type="image/jpeg")
    report = services.resolve(request=report, by=provider_a_user, note="Swept", photo=photo)
    assert report.status == ServiceRequest.Status.RESOLVED
    assert report.photos.get().stage == "resolution"
    report = services.validate_resolution(request=report, by=inspector, contractor_at_fault=True)
    assert report.status == ServiceRequest.Status.CLOSED
    assert ServiceRequest.objects.validated_complaints().filter(pk=report.pk).exists()
    report = services.reporter_feedback(request=report, fixed=False, rating=2)
    assert report.status == ServiceRequest.Status.IN_PROGRESS
    assert report.reporter_rating == 2


def test_the_sweep_marks_each_breach_once(world: World) -> None:
    report = testing.make_service_request(world.zones[0], at=timezone.now() - timedelta(hours=5))
    assert services.mark_sla_breaches(now=timezone.now()) == 2
    assert services.mark_sla_breaches(now=timezone.now()) == 0
    report.refresh_from_db()
    assert report.acknowledge_breached_at and report.resolve_breached_at
    assert report.events.filter(kind=RequestEvent.Kind.BREACH).count() == 2


def test_it_suggests_a_nearby_open_report_of_the_same_service(world: World) -> None:
    zone = world.zones[0]
    first = testing.make_service_request(zone)
    second = testing.make_service_request(
        position=((zone.west + zone.east) / 2 + 0.0001, (zone.south + zone.north) / 2)
    )
    testing.make_service_request(zone, service_code="safety")  # another service: not a match
    assert services.duplicate_candidates(second) == [first]
