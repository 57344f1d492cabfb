from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from parkpact import testing
from parkpact.core.models import AuditEvent, Notification, User
from parkpact.patrols import incidents
from parkpact.patrols.models import Incident, ResponseTarget

from .helpers import DAY, local

pytestmark = pytest.mark.django_db


def report(world: object, by: User | None, severity: str = "minor") -> Incident:
    return incidents.report_incident(
        contract=world.contract_b,  # type: ignore[attr-defined]
        kind=Incident.Kind.DISTURBANCE,
        severity=severity,
        zone=world.zones[0],  # type: ignore[attr-defined]
        by=by,
        reported_at=local(DAY, 10),
    )


def test_it_measures_the_response_time_against_the_default_five_minutes(
    world: object, provider_b_user: User
) -> None:
    incident = report(world, provider_b_user)
    assert incident.source == Incident.Source.GUARD
    incident = incidents.mark_on_scene(
        incident=incident, by=provider_b_user, at=local(DAY, 10, 4, 30)
    )
    assert incident.response_time == timedelta(minutes=4, seconds=30)
    assert incident.response_within_target is True
    incident = incidents.resolve_incident(
        incident=incident, by=provider_b_user, at=local(DAY, 10, 30), note="Settled."
    )
    assert incident.status == Incident.Status.RESOLVED
    assert "Settled." in incident.notes
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"incident.report", "incident.on_scene", "incident.resolved"} <= actions


def test_it_uses_the_contracts_own_target(world: object, manager: User) -> None:
    ResponseTarget.objects.create(contract=world.contract_b, minutes=3)  # type: ignore[attr-defined]
    incident = report(world, manager)
    assert incident.source == Incident.Source.STAFF
    incident = incidents.mark_on_scene(incident=incident, by=manager, at=local(DAY, 10, 4))
    assert incident.target_minutes == 3
    assert incident.response_within_target is False


def test_it_notifies_the_managers_of_a_serious_incident_at_once(
    world: object, provider_b_user: User, manager: User
) -> None:
    report(world, provider_b_user, severity=Incident.Severity.MINOR)
    assert not Notification.objects.exists()
    incident = report(world, provider_b_user, severity=Incident.Severity.SERIOUS)
    notice = Notification.objects.get(user=manager)
    assert str(incident.pk) in notice.message


def test_it_refuses_an_incident_for_another_companys_contract(
    world: object, provider_a_user: User
) -> None:
    with pytest.raises(ValidationError):
        report(world, provider_a_user)


def test_it_refuses_another_company_moving_an_incident_on(
    world: object, provider_a_user: User, manager: User
) -> None:
    incident = report(world, manager)
    with pytest.raises(ValidationError):
        incidents.mark_on_scene(incident=incident, by=provider_a_user, at=local(DAY, 10, 3))


def test_it_refuses_to_go_back_from_resolved(world: object, manager: User) -> None:
    incident = report(world, manager)
    incident = incidents.resolve_incident(incident=incident, by=manager, at=local(DAY, 10, 3))
    with pytest.raises(ValidationError) as refusal:
        incidents.mark_on_scene(incident=incident, by=manager, at=local(DAY, 10, 5))
    assert refusal.value.code == "transition_not_allowed"


def test_it_refuses_an_on_scene_time_before_the_report(world: object, manager: User) -> None:
    incident = report(world, manager)
    with pytest.raises(ValidationError):
        incidents.mark_on_scene(incident=incident, by=manager, at=local(DAY, 9))


def test_it_keeps_a_photo_of_the_incident_once(world: object, provider_b_user: User) -> None:
    incident = report(world, provider_b_user)
    data = testing.photo_bytes()
    incidents.add_incident_photo(incident=incident, data=data, by=provider_b_user)
    incidents.add_incident_photo(incident=incident, data=data, by=provider_b_user)
    assert incident.photos.count() == 1


def test_it_refuses_a_file_that_is_not_a_photo(world: object, provider_b_user: User) -> None:
    incident = report(world, provider_b_user)
    with pytest.raises(ValidationError):
        incidents.add_incident_photo(incident=incident, data=b"not an image", by=provider_b_user)


def test_it_opens_an_incident_from_a_public_safety_report(world: object, manager: User) -> None:
    request = testing.make_service_request(world.zones[0], service_code="safety")  # type: ignore[attr-defined]
    incident = incidents.report_incident(
        contract=world.contract_b,  # type: ignore[attr-defined]
        kind=Incident.Kind.HAZARD,
        severity=Incident.Severity.MODERATE,
        by=manager,
        service_request=request,
    )
    assert incident.source == Incident.Source.PUBLIC


def test_it_shows_a_provider_only_its_own_incidents(
    world: object, provider_a_user: User, provider_b_user: User
) -> None:
    report(world, provider_b_user)
    assert Incident.objects.visible_to(provider_b_user).count() == 1
    assert Incident.objects.visible_to(provider_a_user).count() == 0
