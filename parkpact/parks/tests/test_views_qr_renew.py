import html
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import AuditEvent, User
from parkpact.parks.models import Zone

pytestmark = pytest.mark.usefixtures("english")

REASON = "The sign by the lake was defaced."


def url(zone: Zone) -> str:
    return reverse("parks:zone_renew_qr", kwargs={"park_pk": zone.park_id, "pk": zone.pk})


def edit_url(zone: Zone) -> str:
    return reverse("parks:zone_update", kwargs={"park_pk": zone.park_id, "pk": zone.pk})


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_it_sends_anonymous_visitors_to_sign_in(world: World) -> None:
    zone = world.zones[0]
    response = client_for(None).post(url(zone), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
    assert Zone.objects.get(pk=zone.pk).qr_token == zone.qr_token


@pytest.mark.parametrize("persona", ["inspector", "auditor", "provider_a_user"])
def test_it_refuses_people_who_do_not_manage_the_registry(
    world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    zone = world.zones[0]
    response = client_for(request.getfixturevalue(persona)).post(url(zone), {"reason": REASON})
    assert response.status_code == 403
    assert Zone.objects.get(pk=zone.pk).qr_token == zone.qr_token
    assert not AuditEvent.objects.filter(action="zone.renew_qr_token").exists()


def test_it_renews_the_token_and_records_why(world: World, manager: User) -> None:
    zone = world.zones[0]
    old_token = zone.qr_token
    client = client_for(manager)
    form_page = page(client.get(edit_url(zone)))
    assert "Renew QR code" in form_page
    assert old_token in form_page

    response = client.post(url(zone), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == edit_url(zone)
    zone.refresh_from_db()
    assert zone.qr_token != old_token
    event = AuditEvent.objects.get(action="zone.renew_qr_token")
    assert event.actor == manager
    assert event.reason == REASON
    assert event.object_id == str(zone.pk)

    after = page(client.get(response["Location"]))
    assert "the old printed code no longer works" in after
    assert zone.qr_token in after
    assert old_token not in after


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_wants_a_reason_and_keeps_the_token(world: World, admin: User, reason: str) -> None:
    zone = world.zones[1]
    old_token = zone.qr_token
    response = client_for(admin).post(url(zone), {"reason": reason})
    assert response.status_code == 400
    content = page(response)
    message = "Say why the code is renewed: the reason is kept in the audit ledger."
    assert message in content
    assert content.index(message) > content.index('name="reason"')
    # The zone's own form is still there, filled in with the zone as it is.
    assert f'value="{zone.code}"' in content
    zone.refresh_from_db()
    assert zone.qr_token == old_token
    assert not AuditEvent.objects.filter(action="zone.renew_qr_token").exists()


def test_it_answers_405_to_a_get(world: World, manager: User) -> None:
    assert client_for(manager).get(url(world.zones[0])).status_code == 405


def test_it_answers_404_for_a_zone_under_another_park(world: World, manager: User) -> None:
    other = Zone(pk=world.zones[0].pk, park_id=world.park.pk + 1000)
    response = client_for(manager).post(url(other), {"reason": REASON})
    assert response.status_code == 404
