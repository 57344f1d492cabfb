"""/api/v1/service-requests/: the queue, one request, and the provider's and centre's steps."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.servicerequests import services
from parkpact.servicerequests.models import ServiceRequest

pytestmark = pytest.mark.usefixtures("english")
BASE = "/api/v1/service-requests"
Status = ServiceRequest.Status


def jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("fix.jpg", testing.photo_bytes(), content_type="image/jpeg")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_it_requires_a_signed_in_caller() -> None:
    response = client_for(None).get(f"{BASE}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_provider_lists_only_its_companys_requests(world: World, provider_a_user: User) -> None:
    mine = testing.make_service_request(world.zones[0])
    testing.make_service_request(world.zones[0], service_code="safety")
    testing.make_service_request(world.zones[2])
    assert ids(client_for(provider_a_user).get(BASE)) == [mine.pk]


def test_the_list_puts_overdue_first_and_filters(world: World, manager: User) -> None:
    fresh = testing.make_service_request(world.zones[2])
    late = testing.make_service_request(world.zones[2], at=timezone.now() - timedelta(hours=5))
    done = testing.make_service_request(world.zones[2])
    services.reject(request=done, by=manager, note="Not ours")
    client = client_for(manager)
    assert ids(client.get(BASE)) == [late.pk, fresh.pk]
    assert ids(client.get(BASE, {"overdue": "true"})) == [late.pk]
    assert ids(client.get(BASE, {"status": "rejected"})) == [done.pk]
    assert set(ids(client.get(BASE, {"status": "any"}))) == {fresh.pk, late.pk, done.pk}
    item = client.get(BASE).json()["items"][0]
    assert item["overdue"] is True and item["service_code"] == "litter"
    assert "contact_email" not in item and "tracking_code" not in item
    response = client.get(BASE, {"status": "lost"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_the_list_takes_a_bounded_number_of_queries(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    for index in range(10):
        testing.make_service_request(world.zones[index % 3])
    client = client_for(manager)
    client.get(BASE)
    with django_assert_max_num_queries(6):
        assert len(ids(client.get(BASE))) == 10


def test_another_companys_request_is_not_found(world: World, provider_b_user: User) -> None:
    report = testing.make_service_request(world.zones[0])
    client = client_for(provider_b_user)
    response = client.get(f"{BASE}/{report.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.post(f"{BASE}/{report.pk}/acknowledge").status_code == 404


def test_one_request_has_its_history_public_steps_only_for_providers(
    world: World, provider_a_user: User, inspector: User
) -> None:
    report = testing.make_service_request(world.zones[0])
    services.moderate(request=report, by=inspector, description="Litter", reason="Private why")
    body = client_for(provider_a_user).get(f"{BASE}/{report.pk}").json()
    assert body["description"] == "Litter"
    assert all(event["public"] for event in body["events"])
    assert "Private why" not in str(body)
    assert body["allowed_actions"] == ["acknowledge", "resolve", "start"]
    body = client_for(inspector).get(f"{BASE}/{report.pk}").json()
    assert any(event["note"] == "Private why" for event in body["events"])


def test_the_provider_acknowledges_and_resolves_with_a_photo(
    world: World, provider_a_user: User
) -> None:
    report = testing.make_service_request(world.zones[0])
    client = client_for(provider_a_user)
    response = client.post(f"{BASE}/{report.pk}/acknowledge", {"note": "Seen"})
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    response = client.post(f"{BASE}/{report.pk}/resolve", {"note": "Swept"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "photo_required"
    response = client.post(f"{BASE}/{report.pk}/resolve", {"note": "Swept", "photo": jpeg()})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    response = client.post(f"{BASE}/{report.pk}/acknowledge")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "transition_not_allowed"


def test_only_the_centre_validates_or_sends_back(
    world: World, provider_a_user: User, inspector: User
) -> None:
    report = testing.make_service_request(world.zones[0])
    services.resolve(request=report, by=provider_a_user, note="", photo=jpeg())
    response = client_for(provider_a_user).post(f"{BASE}/{report.pk}/validate")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    client = client_for(inspector)
    response = client.post(f"{BASE}/{report.pk}/send-back")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "note_required"
    response = client.post(f"{BASE}/{report.pk}/send-back", {"note": "Still dirty"})
    assert response.json()["status"] == "in_progress"
    services.resolve(request=report, by=provider_a_user, note="", photo=jpeg())
    response = client.post(f"{BASE}/{report.pk}/validate")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


def test_the_openapi_document_still_builds(manager: User) -> None:
    response = client_for(manager).get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert f"{BASE}/{{request_id}}/resolve" in paths
    assert f"{BASE}/{{request_id}}/send-back" in paths
