from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from parkpact.core.models import User
from parkpact.patrols import incidents, services
from parkpact.patrols.models import CheckpointScan, Incident, PatrolRound

from .helpers import make_ground, open_round_now

pytestmark = pytest.mark.django_db


def incident_for(world: Any, by: User) -> Incident:
    return incidents.report_incident(
        contract=world.contract_b,
        kind=Incident.Kind.DISTURBANCE,
        severity=Incident.Severity.MODERATE,
        zone=world.zones[0],
        by=by,
    )


def test_it_sends_anonymous_visitors_to_sign_in(world: Any) -> None:
    for name in ("patrols:dashboard", "patrols:incident_list", "patrols:guard"):
        response = client_for(None).get(reverse(name))
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_it_shows_the_centre_every_company_on_the_dashboard(
    world: Any, manager: User, english: None, django_assert_max_num_queries: Any
) -> None:
    ground = make_ground(world)
    services.generate_rounds(schedule=ground.schedule, day=timezone.localdate())
    incident_for(world, manager)
    client = client_for(manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("patrols:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert world.contract_b.number in page
    assert "incident-map" in page
    assert len(response.context["rounds"]) == 12


def test_it_shows_a_provider_only_its_own_rounds_and_incidents(
    world: Any, manager: User, provider_a_user: User
) -> None:
    ground = make_ground(world)
    services.generate_rounds(schedule=ground.schedule, day=timezone.localdate())
    incident = incident_for(world, manager)
    response = client_for(provider_a_user).get(reverse("patrols:dashboard"))
    assert response.context["rounds"] == []
    assert response.context["incidents"] == []
    patrol_round = PatrolRound.objects.first()
    assert patrol_round is not None
    client = client_for(provider_a_user)
    assert client.get(reverse("patrols:round_detail", args=[patrol_round.uuid])).status_code == 404
    assert client.get(reverse("patrols:incident_detail", args=[incident.pk])).status_code == 404
    assert client.post(reverse("patrols:incident_on_scene", args=[incident.pk])).status_code == 404


def test_it_shows_a_round_with_its_scans(world: Any, provider_b_user: User, english: None) -> None:
    ground = make_ground(world)
    patrol_round = open_round_now(ground)
    client = client_for(provider_b_user)
    response = client.post(
        reverse("patrols:guard"),
        {
            "token": ground.checkpoints[0].token,
            "client_uuid": "0b7c3b7e-3f8f-4d5c-9b5e-1f2a3b4c5d6e",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("patrols:round_detail", args=[patrol_round.uuid])).content.decode()
    assert str(ground.checkpoints[0]) in page
    assert "Scanned" in page


def test_it_lets_a_guard_record_a_scan_once_from_the_qr_link(
    world: Any, provider_b_user: User
) -> None:
    ground = make_ground(world)
    open_round_now(ground)
    client = client_for(provider_b_user)
    token = ground.checkpoints[0].token
    page = client.get(reverse("patrols:scan_link", args=[token]))
    assert page.status_code == 200
    assert token in page.content.decode()
    assert not CheckpointScan.objects.exists()  # opening the link only fills the form
    form = {"token": token, "client_uuid": page.context["form"]["client_uuid"].value()}
    client.post(reverse("patrols:guard"), form)
    client.post(reverse("patrols:guard"), form)  # a double tap
    assert CheckpointScan.objects.count() == 1


def test_it_shows_the_guard_why_a_scan_is_refused(
    world: Any, provider_b_user: User, english: None
) -> None:
    make_ground(world)
    response = client_for(provider_b_user).post(
        reverse("patrols:guard"),
        {"token": "forged", "client_uuid": "0b7c3b7e-3f8f-4d5c-9b5e-1f2a3b4c5d6e"},
    )
    assert response.status_code == 200
    assert "not a ParkPact checkpoint code" in response.content.decode()


def test_it_keeps_the_guard_page_for_guards(world: Any, manager: User) -> None:
    assert client_for(manager).get(reverse("patrols:guard")).status_code == 403


def test_it_lets_a_guard_move_an_incident_on(world: Any, provider_b_user: User) -> None:
    incident = incident_for(world, provider_b_user)
    client = client_for(provider_b_user)
    assert client.get(reverse("patrols:incident_detail", args=[incident.pk])).status_code == 200
    client.post(reverse("patrols:incident_on_scene", args=[incident.pk]), {"note": "Here"})
    client.post(reverse("patrols:incident_resolve", args=[incident.pk]), {"note": "Done"})
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    assert incident.response_time is not None


def test_it_refuses_an_inspector_moving_an_incident_on(
    world: Any, manager: User, inspector: User
) -> None:
    incident = incident_for(world, manager)
    response = client_for(inspector).post(reverse("patrols:incident_on_scene", args=[incident.pk]))
    assert response.status_code == 403


def test_it_lets_staff_report_an_incident(world: Any, manager: User) -> None:
    response = client_for(manager).post(
        reverse("patrols:incident_create"),
        {
            "contract": world.contract_b.pk,
            "kind": "theft",
            "severity": "minor",
            "zone": world.zones[1].pk,
            "notes": "A bicycle",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.source == Incident.Source.STAFF


def test_it_refuses_the_incident_form_to_finance(world: Any, finance: User) -> None:
    assert client_for(finance).get(reverse("patrols:incident_create")).status_code == 403


def test_it_lists_incidents_in_scope(
    world: Any, manager: User, provider_a_user: User, provider_b_user: User
) -> None:
    incident_for(world, manager)
    assert (
        len(client_for(provider_b_user).get(reverse("patrols:incident_list")).context["page"]) == 1
    )
    assert (
        len(client_for(provider_a_user).get(reverse("patrols:incident_list")).context["page"]) == 0
    )


def test_it_prints_a_checkpoint_code_for_staff_only(
    world: Any, manager: User, provider_b_user: User
) -> None:
    ground = make_ground(world)
    checkpoint = ground.checkpoints[0]
    response = client_for(manager).get(reverse("patrols:checkpoint_qr", args=[checkpoint.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert (
        client_for(provider_b_user)
        .get(reverse("patrols:checkpoint_qr", args=[checkpoint.pk]))
        .status_code
        == 403
    )
    assert client_for(manager).get(reverse("patrols:checkpoint_list")).status_code == 200


def test_it_reprints_a_checkpoint_code(world: Any, manager: User, inspector: User) -> None:
    ground = make_ground(world)
    checkpoint = ground.checkpoints[0]
    url = reverse("patrols:checkpoint_reprint", args=[checkpoint.pk])
    assert client_for(inspector).post(url).status_code == 403
    assert client_for(manager).post(url).status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.token_version == 2


def test_it_gives_the_guard_page_its_offline_outbox(world: Any, provider_b_user: User) -> None:
    page = client_for(provider_b_user).get(reverse("patrols:guard")).content.decode()
    assert "patrols/guard.js" in page
    assert "/api/v1/patrols/scans" in page
