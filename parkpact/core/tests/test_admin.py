"""The admin site: every model has its pages, administrators only, and edits reach the ledger."""

import pytest
from django.contrib.admin import site
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import AuditEvent, User


def test_every_model_page_opens_for_an_administrator(world: World, admin: User) -> None:
    client = client_for(admin)
    for model in site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        first = model.objects.first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert client.get(change).status_code == 200, change


@pytest.mark.parametrize("role", ["manager", "inspector", "auditor"])
def test_other_roles_are_kept_out(role: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(role)
    response = client_for(user).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_admin_edit_is_written_to_the_ledger(world: World, admin: User) -> None:
    zone = world.zones[0]
    url = reverse("admin:parks_zone_change", args=[zone.pk])
    response = client_for(admin).post(
        url,
        {
            "park": zone.park_id,
            "code": zone.code,
            "name": "Renamed lawn",
            "kind": zone.kind,
            "boundary": '{"type": "Polygon", "coordinates": [[[118.6, 24.93], [118.601, 24.93], [118.601, 24.931], [118.6, 24.931], [118.6, 24.93]]]}',
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="zone.update")
    assert event.actor == admin and event.after["name"] == "Renamed lawn"


def test_an_admin_edit_with_a_crossed_polygon_is_refused(world: World, admin: User) -> None:
    zone = world.zones[0]
    url = reverse("admin:parks_zone_change", args=[zone.pk])
    response = client_for(admin).post(
        url,
        {
            "park": zone.park_id,
            "code": zone.code,
            "name": "Bad",
            "kind": zone.kind,
            "boundary": '{"type": "Polygon", "coordinates": [[[118.6, 24.9], [118.7, 25.0], [118.7, 24.9], [118.6, 25.0], [118.6, 24.9]]]}',
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "crosses itself" in response.content.decode()
    zone.refresh_from_db()
    assert zone.name != "Bad"
