"""A safety report from the public becomes an incident of the security contract, once."""

import pytest

from conftest import World
from parkpact import testing
from parkpact.patrols.incidents import open_incidents_from_public_reports
from parkpact.patrols.models import Incident

pytestmark = pytest.mark.django_db


def test_a_safety_report_opens_an_incident_timed_from_the_report(
    world: World,
) -> None:
    report = testing.make_service_request(world.zones[0], service_code="safety")
    testing.make_service_request(world.zones[0])  # litter: not an incident
    assert open_incidents_from_public_reports() == 1
    incident = Incident.objects.get()
    assert incident.service_request == report
    assert incident.contract == world.contract_b
    assert incident.source == Incident.Source.PUBLIC
    assert incident.reported_at == report.requested_at
    assert incident.zone == world.zones[0]


def test_it_opens_each_incident_once(world: World) -> None:
    testing.make_service_request(world.zones[0], service_code="safety")
    open_incidents_from_public_reports()
    assert open_incidents_from_public_reports() == 0
    assert Incident.objects.count() == 1
