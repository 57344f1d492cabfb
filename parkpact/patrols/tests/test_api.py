import json
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone

from conftest import client_for
from parkpact.core.models import User
from parkpact.patrols import incidents, services
from parkpact.patrols.models import CheckpointScan, Incident, PatrolRound

from .helpers import make_ground, open_round_now

pytestmark = pytest.mark.django_db

TODAY = "/api/v1/patrols/rounds/today"
SCANS = "/api/v1/patrols/scans"
INCIDENTS = "/api/v1/patrols/incidents"


def post_json(client: Client, url: str, body: Any, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key or str(uuid4())}
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def scan_body(checkpoint: Any, **changes: Any) -> dict[str, Any]:
    body = {
        "client_uuid": str(uuid4()),
        "token": checkpoint.token,
        "scanned_at": timezone.now().isoformat(),
        "position": {
            "longitude": str(checkpoint.facility.longitude),
            "latitude": str(checkpoint.facility.latitude),
        },
    }
    body.update(changes)
    return body


def test_it_lists_todays_rounds_of_the_guards_company_only(
    world: object, provider_a_user: User, provider_b_user: User, django_assert_max_num_queries: Any
) -> None:
    ground = make_ground(world)
    services.generate_rounds(schedule=ground.schedule, day=timezone.localdate())
    client = client_for(provider_b_user)
    with django_assert_max_num_queries(8):
        rounds = client.get(TODAY).json()
    assert len(rounds) == 12
    assert [c["id"] for c in rounds[0]["checkpoints"]] == [c.pk for c in ground.checkpoints]
    assert client_for(provider_a_user).get(TODAY).json() == []
    assert client_for(None).get(TODAY).status_code == 401


def test_it_records_a_scan_once_for_a_retry(world: object, provider_b_user: User) -> None:
    ground = make_ground(world)
    patrol_round = open_round_now(ground)
    client = client_for(provider_b_user)
    body = scan_body(ground.checkpoints[0])
    first = post_json(client, SCANS, body, key="scan-1")
    assert first.status_code == 201, first.content
    assert first.json()["round"] == str(patrol_round.uuid)
    assert first.json()["round_status"] == PatrolRound.Status.IN_PROGRESS
    again = post_json(client, SCANS, body, key="scan-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert CheckpointScan.objects.count() == 1


def test_it_requires_an_idempotency_key_for_a_scan(world: object, provider_b_user: User) -> None:
    ground = make_ground(world)
    open_round_now(ground)
    response = client_for(provider_b_user).post(
        SCANS, json.dumps(scan_body(ground.checkpoints[0])), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


@pytest.mark.parametrize(("token", "code"), [("forged", "token_invalid"), (None, "not_your_route")])
def test_it_refuses_a_bad_scan_with_a_clear_code_and_stores_nothing(
    world: object, provider_a_user: User, provider_b_user: User, token: str | None, code: str
) -> None:
    ground = make_ground(world)
    open_round_now(ground)
    body = scan_body(ground.checkpoints[0])
    user = provider_b_user
    if token:
        body["token"] = token
    else:
        user = provider_a_user
    response = post_json(client_for(user), SCANS, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in (code, "not_a_guard")
    assert not CheckpointScan.objects.exists()


def test_it_reports_an_incident_and_moves_it_on(world: object, provider_b_user: User) -> None:
    client = client_for(provider_b_user)
    response = post_json(
        client,
        INCIDENTS,
        {"kind": "injury", "severity": "moderate", "zone": world.zones[0].code, "notes": "Fall"},  # type: ignore[attr-defined]
    )
    assert response.status_code == 201, response.content
    incident = response.json()
    assert incident["source"] == "guard"
    assert incident["target_minutes"] == 5
    moved = client.post(
        f"{INCIDENTS}/{incident['id']}/on-scene", "{}", content_type="application/json"
    )
    assert moved.status_code == 200
    assert moved.json()["within_target"] is True
    resolved = client.post(
        f"{INCIDENTS}/{incident['id']}/resolve",
        json.dumps({"note": "Taken to hospital"}),
        content_type="application/json",
    )
    assert resolved.json()["status"] == "resolved"


def test_it_hides_another_companys_incident(
    world: object, provider_a_user: User, manager: User
) -> None:
    incident = incidents.report_incident(
        contract=world.contract_b,  # type: ignore[attr-defined]
        kind=Incident.Kind.THEFT,
        severity=Incident.Severity.MINOR,
        by=manager,
    )
    response = client_for(provider_a_user).post(
        f"{INCIDENTS}/{incident.pk}/on-scene", "{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_it_refuses_an_unknown_incident_kind(world: object, provider_b_user: User) -> None:
    response = post_json(client_for(provider_b_user), INCIDENTS, {"kind": "x", "severity": "minor"})
    assert response.status_code == 422


def test_it_replays_a_queued_scan_sent_again_later(world: object, provider_b_user: User) -> None:
    """The phone sets sent_at on every attempt; the retry still gets the first answer."""
    ground = make_ground(world)
    open_round_now(ground)
    client = client_for(provider_b_user)
    body = scan_body(ground.checkpoints[0], sent_at=timezone.now().isoformat())
    first = post_json(client, SCANS, body, key=body["client_uuid"])
    body["sent_at"] = timezone.now().isoformat()
    again = post_json(client, SCANS, body, key=body["client_uuid"])
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert CheckpointScan.objects.count() == 1
