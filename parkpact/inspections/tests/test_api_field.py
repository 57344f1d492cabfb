"""The field app's API: my visits, submitting one (idempotently), photos and the sync status."""

import io
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import AuditEvent, IdempotencyRecord, Role, User
from parkpact.core.services import issue_api_token
from parkpact.inspections.models import Evidence, Finding, Inspection, RectificationOrder
from parkpact.inspections.tests.test_submission import INSIDE, make_visit, set_limit

# These tests read the messages in English.
pytestmark = pytest.mark.usefixtures("english")

VISITS = "/api/v1/field/visits"
SYNC = "/api/v1/field/sync"


def submission_url(visit: Inspection) -> str:
    return f"/api/v1/field/visits/{visit.uuid}/submission"


def photos_url(finding_uuid: Any) -> str:
    return f"/api/v1/field/findings/{finding_uuid}/photos"


def png(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "PNG")
    return buffer.getvalue()


def body_for(visit: Inspection, **changes: Any) -> dict[str, Any]:
    now = timezone.now()
    position = {"longitude": INSIDE.longitude, "latitude": INSIDE.latitude, "accuracy_m": 8}
    body: dict[str, Any] = {
        "expected_version": visit.version,
        "started_at": (now - timedelta(minutes=30)).isoformat(),
        "start_position": position,
        "finished_at": (now - timedelta(minutes=10)).isoformat(),
        "finish_position": position,
        "findings": [
            {"uuid": str(uuid.uuid4()), "standard": "CL-01", "result": "pass"},
            {
                "uuid": str(uuid.uuid4()),
                "standard": "CL-02",
                "result": "fail",
                "note": "Bottles under the bench",
                "photos": [str(uuid.uuid4())],
            },
        ],
    }
    body.update(changes)
    return body


def post_json(client: Client, url: str, body: Any, key: str | None = "key-1") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, text, content_type="application/json", headers=headers)


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def counts() -> tuple[int, int, int, int]:
    return (
        Inspection.objects.filter(status=Inspection.Status.SUBMITTED).count(),
        Finding.objects.count(),
        RectificationOrder.objects.count(),
        Evidence.objects.count(),
    )


@pytest.fixture
def visit(world: World, inspector: User) -> Inspection:
    return make_visit(world.contract_a, world.zones[0], inspector)


# ---- GET /field/visits ------------------------------------------------------------------------


def test_visits_need_a_signed_in_inspector(
    world: World, manager: User, provider_a_user: User
) -> None:
    assert Client().get(VISITS).status_code == 401
    for user in (manager, provider_a_user):
        response = client_for(user).get(VISITS)
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"


def test_visits_are_mine_for_today_and_the_next_days(world: World, inspector: User) -> None:
    now = timezone.now()
    other = testing.make_user(Role.INSPECTOR)
    zone = world.zones[0]
    today = make_visit(world.contract_a, zone, inspector)
    later = make_visit(world.contract_a, zone, inspector, opens=now + timedelta(days=1))
    overdue = make_visit(
        world.contract_a,
        zone,
        inspector,
        opens=now - timedelta(days=3),
        status=Inspection.Status.IN_PROGRESS,
    )
    make_visit(world.contract_a, zone, other)  # someone else's
    make_visit(world.contract_a, zone, inspector, opens=now + timedelta(days=5))  # too far ahead
    make_visit(world.contract_a, zone, inspector, opens=now - timedelta(days=3))  # missed
    make_visit(world.contract_a, zone, inspector, status=Inspection.Status.CANCELLED)

    body = client_for(inspector).get(VISITS).json()
    assert [item["uuid"] for item in body["items"]] == [
        str(overdue.uuid),
        str(today.uuid),
        str(later.uuid),
    ]
    assert body["count"] == 3


def test_a_visit_carries_its_zone_and_checklist(
    world: World, inspector: User, visit: Inspection
) -> None:
    set_limit(world.contract_a, "CL-02", "2.5")
    (item,) = client_for(inspector).get(VISITS, headers={"Accept-Language": "en"}).json()["items"]
    assert item["version"] == 1 and item["status"] == "scheduled"
    assert item["contract"] == world.contract_a.number
    assert item["provider"] == world.provider_a.name
    assert item["zone"]["code"] == world.zones[0].code
    assert item["zone"]["kind_label"] == "Lawn"
    assert item["zone"]["park"] == world.park.name
    assert item["zone"]["boundary"]["type"] == "Polygon"
    assert [c["code"] for c in item["checklist"]] == ["CL-01", "CL-02"]
    assert item["checklist"][0]["limit"] is None
    assert item["checklist"][1]["limit"] == "2.500"
    assert item["checklist"][1]["unit"] == "items/100 m²"


def test_the_visit_list_costs_the_same_queries_however_long(
    world: World, inspector: User, django_assert_num_queries: Any
) -> None:
    client = client_for(inspector)
    make_visit(world.contract_a, world.zones[0], inspector)
    client.get(VISITS)  # warm the session
    with django_assert_num_queries(6) as one:
        assert client.get(VISITS).json()["count"] == 1
    for zone in world.zones:
        make_visit(world.contract_b, zone, inspector)
        make_visit(world.contract_a, world.zones[1], inspector)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(VISITS).json()["count"] == 7


# ---- POST /field/visits/{uuid}/submission -------------------------------------------------------


def test_a_submission_is_recorded_and_answered(inspector: User, visit: Inspection) -> None:
    body = body_for(visit)
    response = post_json(client_for(inspector), submission_url(visit), body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["inspection"] == str(visit.uuid)
    assert answer["status"] == "submitted" and answer["version"] == 2
    assert answer["needs_review"] is False
    by_code = {f["standard"]: f for f in answer["findings"]}
    assert by_code["CL-01"]["order"] is None
    assert by_code["CL-02"]["uuid"] == body["findings"][1]["uuid"]
    assert by_code["CL-02"]["order"]["status"] == "open"
    assert by_code["CL-02"]["photos_received"] == 0
    assert counts() == (1, 2, 1, 0)


def test_a_retry_gets_the_first_answer_and_creates_nothing(
    inspector: User, visit: Inspection
) -> None:
    client = client_for(inspector)
    body = body_for(visit)
    first = post_json(client, submission_url(visit), body)
    events = AuditEvent.objects.count()
    # The same request again, its keys in another order, as a retrying client might send it.
    reordered = json.dumps(dict(reversed(list(body.items()))))
    retry = post_json(client, submission_url(visit), reordered)
    assert retry.status_code == 200
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert counts() == (1, 2, 1, 0)
    assert AuditEvent.objects.count() == events
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(inspector: User, visit: Inspection) -> None:
    client = client_for(inspector)
    post_json(client, submission_url(visit), body_for(visit))
    response = post_json(client, submission_url(visit), body_for(visit))  # new finding uuids
    assert response.status_code == 422
    assert error_code(response) == "idempotency_key_reused"
    assert counts() == (1, 2, 1, 0)


def test_a_submission_needs_an_idempotency_key(inspector: User, visit: Inspection) -> None:
    response = post_json(client_for(inspector), submission_url(visit), body_for(visit), key=None)
    assert response.status_code == 400
    assert error_code(response) == "idempotency_key_required"
    assert counts() == (0, 0, 0, 0)


def test_a_second_submission_of_the_visit_is_a_conflict(inspector: User, visit: Inspection) -> None:
    client = client_for(inspector)
    post_json(client, submission_url(visit), body_for(visit), key="first")
    response = post_json(client, submission_url(visit), body_for(visit), key="second")
    assert response.status_code == 409
    assert error_code(response) == "already_submitted"
    assert counts() == (1, 2, 1, 0)


def test_a_stale_submission_is_refused_flagged_and_replayed(
    inspector: User, visit: Inspection
) -> None:
    client = client_for(inspector)
    body = body_for(visit)
    Inspection.objects.filter(pk=visit.pk).update(version=2)
    response = post_json(client, submission_url(visit), body)
    assert response.status_code == 412
    assert error_code(response) == "stale"
    visit.refresh_from_db()
    assert visit.needs_review and visit.status == Inspection.Status.SCHEDULED
    retry = post_json(client, submission_url(visit), body)
    assert (retry.status_code, retry.content) == (412, response.content)
    assert AuditEvent.objects.filter(action="inspection.submit_refused").count() == 1
    assert counts() == (0, 0, 0, 0)


def test_another_inspectors_visit_is_not_mine_to_submit(world: World, visit: Inspection) -> None:
    other = testing.make_user(Role.INSPECTOR)
    response = post_json(client_for(other), submission_url(visit), body_for(visit))
    assert response.status_code == 403
    assert error_code(response) == "not_assigned"
    assert "assigned" in response.json()["error"]["message"]
    assert not IdempotencyRecord.objects.exists()


def test_an_unknown_visit_is_not_found(inspector: User, visit: Inspection) -> None:
    url = f"/api/v1/field/visits/{uuid.uuid4()}/submission"
    response = post_json(client_for(inspector), url, body_for(visit))
    assert response.status_code == 404


def test_a_position_of_nan_is_refused_with_the_field_named(
    inspector: User, visit: Inspection
) -> None:
    text = json.dumps(body_for(visit)).replace(
        f'"longitude": {INSIDE.longitude}', '"longitude": NaN', 1
    )
    assert "NaN" in text
    response = post_json(client_for(inspector), submission_url(visit), text)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_position"
    assert list(error["fields"]) == ["start_position.longitude"]
    assert counts() == (0, 0, 0, 0)
    # Nothing was remembered either: the corrected request may reuse the key.
    assert (
        post_json(client_for(inspector), submission_url(visit), body_for(visit)).status_code == 200
    )


def test_a_standard_not_in_the_contract_is_refused_by_name(
    inspector: User, visit: Inspection
) -> None:
    body = body_for(visit)
    body["findings"][0]["standard"] = "SEC-01"
    response = post_json(client_for(inspector), submission_url(visit), body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "standard_not_applicable"
    assert "SEC-01" in error["fields"]["findings.0.standard"][0]
    assert counts() == (0, 0, 0, 0)


def test_session_submissions_need_the_csrf_token(inspector: User, visit: Inspection) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(inspector)
    response = post_json(client, submission_url(visit), body_for(visit))
    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"


def test_an_api_token_works_too(inspector: User, visit: Inspection) -> None:
    token = issue_api_token(user=inspector, name="field tablet", by=inspector)
    response = Client().post(
        submission_url(visit),
        json.dumps(body_for(visit)),
        content_type="application/json",
        headers={"Idempotency-Key": "k", "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


# ---- POST /field/findings/{uuid}/photos -------------------------------------------------------


@pytest.fixture
def failed_finding(inspector: User, visit: Inspection) -> Finding:
    post_json(client_for(inspector), submission_url(visit), body_for(visit))
    return Finding.objects.get(result=Finding.Result.FAIL)


def post_photo(
    client: Client,
    finding_uuid: Any,
    content: bytes,
    photo_uuid: Any,
    key: str | None = None,
) -> Any:
    key = key if key is not None else str(photo_uuid)
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        photos_url(finding_uuid),
        {
            "photo": SimpleUploadedFile("IMG_0001.png", content, content_type="image/png"),
            "uuid": str(photo_uuid),
            "taken_at": "2026-11-26T08:15:00+08:00",
        },
        headers=headers,
    )


def test_a_photo_is_stored_once_however_often_it_is_sent(
    inspector: User, failed_finding: Finding
) -> None:
    client = client_for(inspector)
    photo_uuid = uuid.uuid4()
    first = post_photo(client, failed_finding.uuid, png(), photo_uuid)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["uuid"] == str(photo_uuid)
    assert answer["finding"] == str(failed_finding.uuid)
    assert answer["content_type"] == "image/png"
    retry = post_photo(client, failed_finding.uuid, png(), photo_uuid)
    assert (retry.status_code, retry.content) == (201, first.content)
    assert retry["Idempotent-Replayed"] == "true"
    assert Evidence.objects.filter(finding=failed_finding).count() == 1


def test_another_photo_under_the_same_key_is_refused(
    inspector: User, failed_finding: Finding
) -> None:
    client = client_for(inspector)
    photo_uuid = uuid.uuid4()
    post_photo(client, failed_finding.uuid, png(), photo_uuid)
    response = post_photo(client, failed_finding.uuid, png("blue"), photo_uuid)
    assert response.status_code == 422
    assert error_code(response) == "idempotency_key_reused"
    assert Evidence.objects.count() == 1


def test_a_file_that_is_not_an_image_is_refused_and_nothing_stored(
    inspector: User, failed_finding: Finding
) -> None:
    response = post_photo(
        client_for(inspector), failed_finding.uuid, b"%PDF-1.4 not a photo", uuid.uuid4()
    )
    assert response.status_code == 400
    assert error_code(response) == "not_an_image"
    assert not Evidence.objects.exists()
    assert IdempotencyRecord.objects.count() == 1  # the submission's only


def test_a_photo_needs_an_idempotency_key(inspector: User, failed_finding: Finding) -> None:
    response = post_photo(client_for(inspector), failed_finding.uuid, png(), uuid.uuid4(), key="")
    assert response.status_code == 400
    assert error_code(response) == "idempotency_key_required"


def test_only_the_visits_inspector_may_add_photos(
    world: World, failed_finding: Finding, manager: User
) -> None:
    other = testing.make_user(Role.INSPECTOR)
    response = post_photo(client_for(other), failed_finding.uuid, png(), uuid.uuid4())
    assert response.status_code == 403
    assert error_code(response) == "not_assigned"
    assert (
        post_photo(client_for(manager), failed_finding.uuid, png(), uuid.uuid4()).status_code == 403
    )
    assert not Evidence.objects.exists()


def test_a_photo_for_an_unknown_finding_is_not_found(inspector: User, visit: Inspection) -> None:
    response = post_photo(client_for(inspector), uuid.uuid4(), png(), uuid.uuid4())
    assert response.status_code == 404


# ---- GET /field/sync ----------------------------------------------------------------------------


def test_sync_tells_what_the_server_holds_and_which_photos_are_missing(
    world: World, inspector: User, failed_finding: Finding, django_assert_max_num_queries: Any
) -> None:
    make_visit(world.contract_a, world.zones[1], inspector)
    client = client_for(inspector)
    with django_assert_max_num_queries(7):
        body = client.get(SYNC).json()
    assert body["open_visits"] == 1
    (submitted,) = body["submitted"]
    assert submitted["inspection"] == str(failed_finding.inspection.uuid)
    assert (submitted["findings"], submitted["failed"]) == (2, 1)
    assert [a["finding"] for a in body["awaiting_photos"]] == [str(failed_finding.uuid)]

    post_photo(client, failed_finding.uuid, png(), uuid.uuid4())
    assert client.get(SYNC).json()["awaiting_photos"] == []


def test_sync_is_for_inspectors(world: World, provider_a_user: User) -> None:
    assert Client().get(SYNC).status_code == 401
    assert client_for(provider_a_user).get(SYNC).status_code == 403
