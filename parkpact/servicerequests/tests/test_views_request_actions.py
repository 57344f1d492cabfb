"""The actions on a request's page, the blocklist, and the hotline's form."""

import html
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import AuditEvent, User
from parkpact.servicerequests import services
from parkpact.servicerequests.models import BlockedContact, ServiceRequest

pytestmark = pytest.mark.usefixtures("english")
Status = ServiceRequest.Status


def url(action: str, report: ServiceRequest) -> str:
    return reverse(f"servicerequests:{action}", kwargs={"pk": report.pk})


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def status_of(report: ServiceRequest) -> str:
    report.refresh_from_db()
    return report.status


def jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("fix.jpg", testing.photo_bytes(), content_type="image/jpeg")


@pytest.fixture
def report(world: World) -> ServiceRequest:
    return testing.make_service_request(
        world.zones[0],
        contact=services.Contact(email="Troll@Example.cn", phone="138-0000-2222"),
    )


# ---- Who may act ------------------------------------------------------------------------------


def test_actions_send_anonymous_visitors_to_sign_in(report: ServiceRequest) -> None:
    response = client_for(None).post(url("acknowledge", report))
    assert response.status_code == 302
    assert status_of(report) == Status.SUBMITTED


def test_another_company_gets_404(report: ServiceRequest, provider_b_user: User) -> None:
    response = client_for(provider_b_user).post(url("acknowledge", report))
    assert response.status_code == 404
    assert status_of(report) == Status.SUBMITTED


def test_a_role_the_service_refuses_gets_403(
    report: ServiceRequest, auditor: User, provider_a_user: User
) -> None:
    # The auditor changes nothing; a provider cannot reject (triage is the centre's).
    assert client_for(auditor).post(url("acknowledge", report)).status_code == 403
    response = client_for(provider_a_user).post(url("reject", report), {"reject-note": "no"})
    assert response.status_code == 403
    assert status_of(report) == Status.SUBMITTED


# ---- The provider's steps ---------------------------------------------------------------------


def test_the_provider_acknowledges_starts_and_resolves_with_a_photo(
    report: ServiceRequest, provider_a_user: User
) -> None:
    client = client_for(provider_a_user)
    response = client.post(url("acknowledge", report), {"acknowledge-note": "On our way"})
    assert response.status_code == 302 and response["Location"].endswith(f"/{report.pk}/")
    assert status_of(report) == Status.ACKNOWLEDGED
    assert "is acknowledged" in text(client.get(response["Location"]))
    client.post(url("start", report))
    assert status_of(report) == Status.IN_PROGRESS
    response = client.post(
        url("resolve", report), {"resolve-note": "Swept", "resolve-photo": jpeg()}
    )
    assert response.status_code == 302
    assert status_of(report) == Status.RESOLVED
    assert report.photos.filter(stage="resolution").exists()


def test_a_provider_must_send_a_photo_to_resolve(
    report: ServiceRequest, provider_a_user: User
) -> None:
    response = client_for(provider_a_user).post(url("resolve", report), {"resolve-note": "Done"})
    assert response.status_code == 400
    assert "Add a photo that shows the problem put right." in text(response)
    assert status_of(report) == Status.SUBMITTED


def test_a_step_that_is_no_longer_possible_is_explained(
    report: ServiceRequest, provider_a_user: User, inspector: User
) -> None:
    services.reject(request=report, by=inspector, note="A prank")
    response = client_for(provider_a_user).post(url("acknowledge", report))
    assert response.status_code == 400
    assert "cannot become" in text(response)


# ---- The centre's triage ----------------------------------------------------------------------


def test_the_centre_validates_a_resolution(
    report: ServiceRequest, provider_a_user: User, inspector: User
) -> None:
    services.resolve(request=report, by=provider_a_user, note="", photo=jpeg())
    response = client_for(inspector).post(url("validate", report))
    assert response.status_code == 302
    assert status_of(report) == Status.CLOSED
    assert report.validated_by == inspector


def test_the_centre_sends_a_resolution_back_with_a_reason(
    report: ServiceRequest, provider_a_user: User, manager: User
) -> None:
    services.resolve(request=report, by=provider_a_user, note="", photo=jpeg())
    client = client_for(manager)
    response = client.post(url("send_back", report), {"send_back-note": ""})
    assert response.status_code == 400
    assert "Say why" in text(response)
    assert status_of(report) == Status.RESOLVED
    response = client.post(url("send_back", report), {"send_back-note": "Still dirty"})
    assert response.status_code == 302
    assert status_of(report) == Status.IN_PROGRESS


def test_the_centre_rejects_with_a_reason(report: ServiceRequest, inspector: User) -> None:
    response = client_for(inspector).post(url("reject", report), {"reject-note": "A prank"})
    assert response.status_code == 302
    assert status_of(report) == Status.REJECTED
    assert report.events.filter(note="A prank", public=True).exists()


def test_the_centre_merges_into_a_nearby_candidate_or_a_typed_number(
    world: World, report: ServiceRequest, manager: User
) -> None:
    zone = world.zones[0]
    twin = testing.make_service_request(
        position=((zone.west + zone.east) / 2 + 0.0001, (zone.south + zone.north) / 2)
    )
    client = client_for(manager)
    body = text(client.get(reverse("servicerequests:request_detail", kwargs={"pk": twin.pk})))
    assert f"#{report.pk} ·" in body  # offered as a likely duplicate
    response = client.post(url("merge", twin), {"merge-candidate": str(report.pk)})
    assert response.status_code == 302
    assert status_of(twin) == Status.DUPLICATE and twin.duplicate_of == report
    other = testing.make_service_request(world.zones[2])
    response = client.post(url("merge", other), {"merge-number": "999999"})
    assert response.status_code == 400
    assert "There is no request number 999999." in text(response)
    response = client.post(url("merge", other), {"merge-number": str(report.pk)})
    assert response.status_code == 302
    assert status_of(other) == Status.DUPLICATE


def test_the_centre_reroutes_to_a_contract_that_covers_the_zone(
    world: World, manager: User
) -> None:
    report = testing.make_service_request(world.zones[2])  # no cleaning contract there
    client = client_for(manager)
    response = client.post(
        url("reroute", report),
        {
            "reroute-zone": world.zones[2].pk,
            "reroute-contract": world.contract_a.pk,
            "reroute-reason": "Pin moved",
        },
    )
    assert response.status_code == 400
    assert "does not cover that zone" in text(response)
    response = client.post(
        url("reroute", report),
        {
            "reroute-zone": world.zones[1].pk,
            "reroute-contract": world.contract_a.pk,
            "reroute-reason": "",
        },
    )
    assert response.status_code == 400
    assert "Say why" in text(response)
    response = client.post(
        url("reroute", report),
        {
            "reroute-zone": world.zones[1].pk,
            "reroute-contract": world.contract_a.pk,
            "reroute-reason": "The caller meant the lawn",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.zone == world.zones[1] and report.provider == world.provider_a


def test_the_centre_moderates_the_text(report: ServiceRequest, inspector: User) -> None:
    response = client_for(inspector).post(
        url("moderate", report),
        {"moderate-description": "Litter", "moderate-reason": "Removed a name"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.description == "Litter"
    assert report.original_description == "Litter by the bench"
    response = client_for(inspector).post(
        url("moderate", report), {"moderate-description": "<b>x</b>", "moderate-reason": "x"}
    )
    assert response.status_code == 400
    assert "without HTML" in text(response)


def test_the_centre_blocks_a_contact_on_the_request_and_unblocks_it(
    report: ServiceRequest, manager: User
) -> None:
    client = client_for(manager)
    body = text(client.get(reverse("servicerequests:request_detail", kwargs={"pk": report.pk})))
    assert "Block this contact" in body
    response = client.post(url("block", report), {"block-kind": "email", "block-reason": "Abuse"})
    assert response.status_code == 302
    blocked = BlockedContact.objects.get()
    assert (blocked.kind, blocked.value) == ("email", "troll@example.cn")
    # The page blocks only what is on the request: an unknown kind is refused.
    response = client.post(url("block", report), {"block-kind": "device", "block-reason": "x"})
    assert response.status_code == 400
    listing = reverse("servicerequests:blocklist")
    assert "troll@example.cn" in text(client.get(listing))
    response = client.post(
        reverse("servicerequests:unblock", kwargs={"pk": blocked.pk}), {"reason": "Apologised"}
    )
    assert response.status_code == 302
    assert not BlockedContact.objects.exists()
    assert AuditEvent.objects.filter(action="contact.unblock", reason="Apologised").exists()


def test_the_blocklist_is_for_triage_roles(
    world: World, finance: User, provider_a_user: User
) -> None:
    listing = reverse("servicerequests:blocklist")
    assert client_for(None).get(listing).status_code == 302
    assert client_for(finance).get(listing).status_code == 403
    assert client_for(provider_a_user).get(listing).status_code == 403


def test_providers_are_offered_only_their_steps(
    report: ServiceRequest, provider_a_user: User
) -> None:
    body = text(
        client_for(provider_a_user).get(
            reverse("servicerequests:request_detail", kwargs={"pk": report.pk})
        )
    )
    assert 'id="action-acknowledge"' in body and 'id="action-resolve"' in body
    for action in ("reject", "merge", "reroute", "moderate", "block", "validate"):
        assert f'id="action-{action}"' not in body


# ---- The hotline ------------------------------------------------------------------------------

NEW = reverse("servicerequests:request_create")


def test_the_hotline_form_is_for_triage_roles(world: World, auditor: User) -> None:
    assert client_for(None).get(NEW).status_code == 302
    assert client_for(auditor).get(NEW).status_code == 403


def test_the_hotline_records_a_report_in_a_zone(world: World, inspector: User) -> None:
    service = services.find_service("litter")
    client = client_for(inspector)
    assert client.get(NEW).status_code == 200
    response = client.post(
        NEW,
        {
            "service": service.pk,
            "zone": world.zones[0].pk,
            "description": "Bottles by the lake",
            "answer__litter__amount": "pile",
            "contact_name": "Mr Chen",
            "contact_phone": "0595 2222 3333",
        },
    )
    assert response.status_code == 302
    report = ServiceRequest.objects.get()
    assert report.channel == ServiceRequest.Channel.HOTLINE
    assert report.zone == world.zones[0] and report.provider == world.provider_a
    assert report.attributes == {"amount": "pile"}
    assert report.contact_name == "Mr Chen"


def test_the_hotline_form_explains_what_is_missing(world: World, inspector: User) -> None:
    toilet = services.find_service("toilet")  # asks a required question
    response = client_for(inspector).post(
        NEW, {"service": toilet.pk, "description": "Dirty", "contact_email": "not-an-email"}
    )
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()
    response = client_for(inspector).post(
        NEW, {"service": toilet.pk, "zone": world.zones[0].pk, "description": "Dirty"}
    )
    assert response.status_code == 400
    assert "Answer" in text(response)
    assert not ServiceRequest.objects.exists()
