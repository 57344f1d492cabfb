"""GET requests.{fmt}: the public list of reports, its filters, paging and extensions."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.core.models import User
from parkpact.core.notifications import centre_message
from parkpact.servicerequests import services
from parkpact.servicerequests.models import ServiceRequest
from parkpact.servicerequests.services import NOTE_ROUTED

from .helpers import body, centre_of, error_descriptions, issue_key, post, url

pytestmark = pytest.mark.django_db
FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
CONTACT = {
    "email": "wang.fang@example.cn",
    "phone": "+86 139 0595 1234",
    "first_name": "Fang",
    "last_name": "Wang",
    "device_id": "device-7f3a",
    "account_id": "wx-account-99",
}


def get(fmt: str = "json", **params: Any) -> Any:
    return Client().get(url("requests", fmt), params, headers={"accept-language": "en"})


def listed(fmt: str = "json", **params: Any) -> list[dict[str, Any]]:
    response = get(fmt, **params)
    assert response.status_code == 200, response.content
    return body(response, fmt)


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [int(item["service_request_id"]) for item in items]


def report(world: World, zone: int = 0, days_ago: float = 0, **kwargs: Any) -> ServiceRequest:
    at = timezone.now() - timedelta(days=days_ago)
    return testing.make_service_request(world.zones[zone], at=at, **kwargs)


def test_it_lists_reports_with_exactly_open311_s_fields(world: World) -> None:
    first = report(world, days_ago=1)
    (item,) = listed()
    assert set(item) == FIELDS
    assert item["service_request_id"] == str(first.pk)
    assert item["status"] == "open"
    assert item["service_name"] == "Litter"
    assert item["service_code"] == "litter"
    assert item["agency_responsible"] == world.provider_a.name
    assert item["service_notice"] == "To be resolved within 4 hours."
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert item[name].endswith("+08:00")
    assert item["address_id"] == f"{world.park.code}/{world.zones[0].code}"
    assert item["address"] == f"{world.park.name} · {world.zones[0].name}"
    assert item["lat"] == float(first.latitude or 0) and item["long"] == float(first.longitude or 0)
    assert item["status_notes"] == centre_message(NOTE_ROUTED, provider=world.provider_a.name)


def test_it_lists_reports_in_xml(world: World) -> None:
    first = report(world, days_ago=1)
    root = body(get("xml"), "xml")
    assert root.tag == "service_requests"
    (item,) = root.findall("request")
    assert {child.tag for child in item} == FIELDS
    assert item.findtext("service_request_id") == str(first.pk)
    assert item.findtext("status") == "open"
    assert (item.findtext("requested_datetime") or "").endswith("+08:00")


def test_it_never_shows_who_reported(world: World) -> None:
    response = post(
        key=issue_key(),
        service_code="litter",
        description="Bags",
        **CONTACT,
        **centre_of(world.zones[0]),
    )
    assert response.status_code == 201
    pk = body(response, "json")[0]["service_request_id"]
    for path in (url("requests", "json"), url("request", "xml", request_id=pk)):
        for extensions in ("false", "true"):
            text = Client().get(path, {"extensions": extensions}).content.decode()
            assert "Bags" in text
            for value in (*CONTACT.values(), "139 0595", "Fang Wang"):
                assert value not in text


def test_a_closed_report_is_closed_and_the_centre_answers_what_no_contract_covers(
    world: World, manager: User
) -> None:
    rejected = report(world, zone=2)
    services.reject(request=rejected, by=manager, note="Not in the park")
    (item,) = listed()
    assert item["status"] == "closed"
    assert item["status_notes"] == "Not in the park"
    assert item["agency_responsible"] == "泉州市公园管理中心"


def test_it_links_the_report_photo_or_the_link_sent(world: World) -> None:
    photo = SimpleUploadedFile("bin.jpg", testing.photo_bytes(), content_type="image/jpeg")
    with_photo = Client().post(
        url("requests", "json"),
        {"api_key": issue_key(), "service_code": "litter", "media": photo}
        | centre_of(world.zones[0]),
    )
    assert with_photo.status_code == 201
    linked = post(
        key=issue_key("other"),
        service_code="litter",
        media_url="https://img.example.cn/a.jpg",
        **centre_of(world.zones[0]),
    )
    assert linked.status_code == 201
    by_id = {item["service_request_id"]: item for item in listed()}
    photo_item = by_id[body(with_photo, "json")[0]["service_request_id"]]
    link_item = by_id[body(linked, "json")[0]["service_request_id"]]
    assert link_item["media_url"] == "https://img.example.cn/a.jpg"
    uuid = ServiceRequest.objects.get(pk=photo_item["service_request_id"]).photos.get().uuid
    try:
        expected = "http://testserver" + reverse("public:photo_display", kwargs={"uuid": uuid})
    except NoReverseMatch:  # the public pages are not there yet
        expected = None
    assert photo_item["media_url"] == expected


def test_newest_first_within_the_last_90_days_by_default(world: World) -> None:
    old = report(world, days_ago=100)
    older, newer = report(world, days_ago=10), report(world, days_ago=2)
    assert ids(listed()) == [newer.pk, older.pk]
    assert old.pk not in ids(listed())


def test_it_filters_by_dates(world: World) -> None:
    old = report(world, days_ago=100)
    recent = report(world, days_ago=2)
    now = timezone.localtime()
    window = {
        "start_date": (now - timedelta(days=120)).isoformat(),
        "end_date": (now - timedelta(days=60)).isoformat(),
    }
    assert ids(listed(**window)) == [old.pk]
    assert ids(listed(start_date=(now - timedelta(days=5)).date().isoformat())) == [recent.pk]
    # A "+" not encoded in the query string arrives as a space: still understood.
    query = urlencode({"start_date": (now - timedelta(days=5)).isoformat(timespec="seconds")})
    response = Client().get(url("requests", "json") + "?" + query.replace("%2B", "+"))
    assert ids(body(response, "json")) == [recent.pk]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_it_refuses_a_span_over_90_days(world: World, fmt: str) -> None:
    response = get(fmt, start_date="2026-01-01T00:00:00+08:00", end_date="2026-04-05T00:00:00Z")
    assert "90 days" in error_descriptions(response, fmt, 400)[0]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_it_refuses_dates_it_cannot_read(world: World, fmt: str) -> None:
    response = get(fmt, start_date="yesterday", end_date="2026-13-01")
    assert len(error_descriptions(response, fmt, 400)) == 2


@pytest.mark.parametrize(
    "params", [{"status": "pending"}, {"page": "0"}, {"page_size": "many"}, {"extensions": "yes"}]
)
def test_it_refuses_other_bad_parameters(world: World, params: dict[str, str]) -> None:
    assert error_descriptions(get(**params), "json", 400)


def test_it_filters_by_status_and_service(world: World, provider_a_user: User) -> None:
    litter = report(world)
    safety = report(world, service_code="safety")
    toilet = report(world, service_code="bin_overflow", days_ago=0.1)
    services.acknowledge(request=litter, by=provider_a_user)
    services.resolve(
        request=litter,
        by=provider_a_user,
        note="Picked up",
        photo=SimpleUploadedFile("fix.jpg", testing.photo_bytes(), content_type="image/jpeg"),
    )
    assert ids(listed(status="closed")) == [litter.pk]
    assert set(ids(listed(status="open"))) == {safety.pk, toilet.pk}
    assert len(listed(status="open,closed")) == 3
    assert set(ids(listed(service_code="safety,bin_overflow"))) == {safety.pk, toilet.pk}
    assert listed(service_code="unicorns") == []


def test_service_request_id_overrides_every_other_filter(world: World) -> None:
    old = report(world, days_ago=200)
    recent = report(world)
    found = listed(service_request_id=f"{old.pk},{recent.pk},abc", status="closed")
    assert set(ids(found)) == {old.pk, recent.pk}


def test_it_pages_newest_first(world: World) -> None:
    made = [report(world, days_ago=day) for day in (5, 4, 3, 2, 1)]
    newest_first = [r.pk for r in reversed(made)]
    assert ids(listed(page_size="2")) == newest_first[:2]
    assert ids(listed(page_size="2", page="2")) == newest_first[2:4]
    assert ids(listed(page_size="2", page="3")) == newest_first[4:]
    assert listed(page_size="2", page="4") == []
    assert len(listed(page_size="5000")) == 5  # at most 1000 a page


def test_updated_after_finds_what_changed_since(world: World, provider_a_user: User) -> None:
    untouched = report(world, days_ago=3)
    changed = report(world, days_ago=120)  # outside the default window, but changed today
    services.acknowledge(request=changed, by=provider_a_user)
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert ids(listed(updated_after=since)) == [changed.pk]
    assert ids(listed(updated_before=since)) == [untouched.pk]
    # With dates, the window on requested_datetime still applies.
    assert (
        ids(
            listed(updated_after=since, start_date=(timezone.now() - timedelta(days=5)).isoformat())
        )
        == []
    )


def test_extensions_add_the_public_history_and_the_sla(
    world: World, provider_a_user: User, manager: User
) -> None:
    made = report(world, days_ago=1)
    services.acknowledge(request=made, by=provider_a_user, note="On our way")
    services.moderate(
        request=made, by=manager, description="Litter by the bench", reason="Phone number removed"
    )
    (item,) = listed(extensions="true")
    assert set(item) == FIELDS | {"extended_attributes", "notes"}
    extended = item["extended_attributes"]
    assert extended["detailed_status"] == "acknowledged"
    assert extended["zone_code"] == world.zones[0].code
    assert extended["park_name"] == world.park.name
    assert extended["channel"] == "qr"
    # An hour to acknowledge and four to resolve, reported a day ago: both missed.
    assert extended["acknowledge_breached"] is True
    assert extended["resolve_breached"] is True
    assert extended["resolve_by"].endswith("+08:00")
    assert extended["reporter_rating"] is None
    descriptions = [note["description"] for note in item["notes"]]
    routed = centre_message(NOTE_ROUTED, provider=world.provider_a.name)
    assert descriptions == ["Submitted", routed, "On our way"]
    assert [note["status"] for note in item["notes"]] == ["open", "open", "open"]
    assert "Phone number removed" not in get(extensions="true").content.decode()


def test_a_fresh_report_has_missed_no_deadline(world: World) -> None:
    report(world)
    extended = listed(extensions="1")[0]["extended_attributes"]
    assert extended["acknowledge_breached"] is False
    assert extended["resolve_breached"] is False


def test_extensions_in_xml(world: World, provider_a_user: User) -> None:
    made = report(world, days_ago=1)
    services.acknowledge(request=made, by=provider_a_user, note="On our way")
    item = body(get("xml", extensions="true"), "xml").find("request")
    assert item is not None
    assert item.findtext("extended_attributes/detailed_status") == "acknowledged"
    notes = item.findall("notes/note")
    assert [note.findtext("description") for note in notes][-1] == "On our way"
    assert all((note.findtext("datetime") or "").endswith("+08:00") for note in notes)


def test_the_list_costs_three_queries_however_long(
    world: World, provider_a_user: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        made = testing.make_service_request(world.zones[n % 2])
        if n % 3:
            services.acknowledge(request=made, by=provider_a_user, note="On our way")
        else:
            photo = SimpleUploadedFile("x.jpg", testing.photo_bytes(), content_type="image/jpeg")
            services.resolve(request=made, by=provider_a_user, note="Done", photo=photo)
    with django_assert_max_num_queries(2):
        assert len(listed()) == 12
    with django_assert_max_num_queries(3):
        assert len(listed(extensions="true")) == 12
