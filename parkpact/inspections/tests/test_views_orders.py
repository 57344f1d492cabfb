"""The order list, an order's page, and the provider's and inspector's actions on it."""

import html
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, client_for
from parkpact.core.models import User
from parkpact.inspections.evidence import store_evidence
from parkpact.inspections.models import Evidence, RectificationOrder
from parkpact.inspections.rectification import mark_overdue_orders, mark_rectified
from parkpact.inspections.rectification import reinspect as reinspect_order

from .test_orders_factories import make_order, photo, set_status, upload

pytestmark = pytest.mark.usefixtures("english")
Status = RectificationOrder.Status
LIST = reverse("inspections:order_list")


def detail(order: RectificationOrder) -> str:
    return reverse("inspections:order_detail", kwargs={"pk": order.pk})


def rectify(order: RectificationOrder) -> str:
    return reverse("inspections:order_rectify", kwargs={"pk": order.pk})


def reinspect(order: RectificationOrder) -> str:
    return reverse("inspections:order_reinspect", kwargs={"pk": order.pk})


def page(response: Any, status: int = 200) -> str:
    assert response.status_code == status
    return html.unescape(response.content.decode())


def number(order: RectificationOrder) -> str:
    return f'href="{detail(order)}"'


@pytest.fixture
def order_a(world: World, inspector: User) -> RectificationOrder:
    return make_order(world.contract_a, inspector, hours=2)


@pytest.fixture
def order_b(world: World, inspector: User) -> RectificationOrder:
    return make_order(world.contract_b, inspector, hours=24)


# ---- List ------------------------------------------------------------------------------------


def test_the_list_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = client_for(None).get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_provider_staff_see_only_their_companys_orders_with_time_left(
    order_a: RectificationOrder, order_b: RectificationOrder, provider_a_user: User
) -> None:
    content = page(client_for(provider_a_user).get(LIST))
    assert number(order_a) in content
    assert number(order_b) not in content
    assert "left" in content
    assert "Overdue" not in content


def test_a_late_order_shows_as_overdue(order_a: RectificationOrder, provider_a_user: User) -> None:
    RectificationOrder.objects.filter(pk=order_a.pk).update(
        deadline=timezone.now() - timedelta(hours=3)
    )
    content = page(client_for(provider_a_user).get(LIST))
    assert "Overdue" in content
    assert "3\xa0hours late" in content  # Django puts a no-break space in durations


def test_centre_staff_see_every_order(
    order_a: RectificationOrder, order_b: RectificationOrder, auditor: User, world: World
) -> None:
    content = page(client_for(auditor).get(LIST))
    assert number(order_a) in content
    assert number(order_b) in content
    assert world.provider_b.name in content


def test_the_list_filters_by_status_contract_and_lateness(
    world: World,
    order_a: RectificationOrder,
    order_b: RectificationOrder,
    manager: User,
) -> None:
    set_status(order_b, Status.RECTIFIED)
    client = client_for(manager)

    rectified = page(client.get(LIST, {"status": "rectified"}))
    assert number(order_b) in rectified
    assert number(order_a) not in rectified

    contract_a = page(client.get(LIST, {"contract": world.contract_a.pk}))
    assert number(order_a) in contract_a
    assert number(order_b) not in contract_a

    assert "No orders match these filters." in page(client.get(LIST, {"late": "on"}))
    mark_overdue_orders(now=order_a.deadline + timedelta(minutes=1))
    late = page(client.get(LIST, {"late": "on"}))
    assert number(order_a) in late
    assert number(order_b) not in late


def test_a_provider_cannot_filter_their_way_to_another_company(
    world: World, order_b: RectificationOrder, provider_a_user: User
) -> None:
    response = client_for(provider_a_user).get(LIST, {"contract": world.contract_b.pk})
    content = page(response)
    assert number(order_b) not in content


def test_the_list_uses_the_same_queries_however_many_orders(
    world: World, inspector: User, manager: User, django_assert_max_num_queries: Any
) -> None:
    make_order(world.contract_a, inspector)
    client = client_for(manager)
    with CaptureQueriesContext(connection) as baseline:
        page(client.get(LIST))
    extra = [make_order(world.contract_b, inspector) for _ in range(5)]
    with django_assert_max_num_queries(len(baseline)):
        content = page(client.get(LIST))
    assert all(number(order) in content for order in extra)


# ---- Detail ----------------------------------------------------------------------------------


def test_another_companys_order_is_not_found(
    order_b: RectificationOrder, provider_a_user: User
) -> None:
    assert client_for(provider_a_user).get(detail(order_b)).status_code == 404


def test_the_provider_sees_the_finding_its_photos_and_how_to_rectify(
    order_a: RectificationOrder, provider_a_user: User, inspector: User
) -> None:
    evidence = store_evidence(upload=photo(), by=inspector, finding=order_a.finding)
    content = page(client_for(provider_a_user).get(detail(order_a)))
    assert order_a.finding.standard.name in content
    assert "Litter along the lakeshore path." in content
    assert reverse("inspections:evidence_display", args=[evidence.uuid]) in content
    assert reverse("inspections:evidence_original", args=[evidence.uuid]) not in content
    assert "Issued to the provider" in content
    assert "Mark rectified" in content
    assert "Record the re-inspection" not in content


def test_the_history_shows_each_step_with_its_photos(
    order_a: RectificationOrder, provider_a_user: User, inspector: User
) -> None:
    mark_overdue_orders(now=order_a.deadline + timedelta(minutes=1))
    mark_rectified(order=order_a, by=provider_a_user, note="Swept it all.", photo=photo())
    step_photo = Evidence.objects.get(order_event__order=order_a)
    content = page(client_for(inspector).get(detail(order_a)))
    assert "Marked rectified by the provider" in content
    assert "Swept it all." in content
    assert "Deadline passed: marked overdue" in content
    assert reverse("inspections:evidence_display", args=[step_photo.uuid]) in content
    assert reverse("inspections:evidence_original", args=[step_photo.uuid]) in content
    assert "Record the re-inspection" in content
    assert 'action="' + rectify(order_a) not in content


def test_auditors_read_but_get_no_actions(order_a: RectificationOrder, auditor: User) -> None:
    set_status(order_a, Status.RECTIFIED)
    content = page(client_for(auditor).get(detail(order_a)))
    assert "Mark rectified" not in content
    assert "Record the re-inspection" not in content


def test_the_detail_page_uses_the_same_queries_however_long_the_history(
    order_a: RectificationOrder,
    provider_a_user: User,
    inspector: User,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(inspector)
    mark_rectified(order=order_a, by=provider_a_user, note="", photo=photo())
    with CaptureQueriesContext(connection) as baseline:
        page(client.get(detail(order_a)))
    store_evidence(upload=photo(), by=inspector, finding=order_a.finding)
    store_evidence(upload=photo(), by=inspector, finding=order_a.finding)
    reinspect_order(order=order_a, by=inspector, passed=False, note="No.", photo=photo())
    mark_rectified(order=order_a, by=provider_a_user, note="", photo=photo())
    with django_assert_max_num_queries(len(baseline)):
        content = page(client.get(detail(order_a)))
    assert content.count("/supervision/evidence/") >= 5


# ---- Mark rectified --------------------------------------------------------------------------


def test_the_provider_marks_its_order_rectified_with_a_photo(
    order_a: RectificationOrder, provider_a_user: User
) -> None:
    client = client_for(provider_a_user)
    response = client.post(rectify(order_a), {"note": "Swept.", "photo": photo()})
    assert response.status_code == 302
    order_a.refresh_from_db()
    assert order_a.status == Status.RECTIFIED
    content = page(client.get(response["Location"]))
    assert f"Order {order_a.pk} is marked rectified." in content
    assert "Swept." in content


def test_rectifying_without_a_photo_says_so_and_changes_nothing(
    order_a: RectificationOrder, provider_a_user: User
) -> None:
    content = page(client_for(provider_a_user).post(rectify(order_a), {"note": "Done"}), 400)
    assert "Add a photo that shows the problem put right." in content
    order_a.refresh_from_db()
    assert order_a.status == Status.OPEN


def test_a_file_that_is_not_a_photo_is_refused_on_the_form(
    order_a: RectificationOrder, provider_a_user: User
) -> None:
    response = client_for(provider_a_user).post(
        rectify(order_a), {"photo": upload(b"%PDF-1.4 not a photo", name="fix.jpg")}
    )
    assert "This file is not a photo: send a JPEG, PNG or WebP image." in page(response, 400)
    order_a.refresh_from_db()
    assert order_a.status == Status.OPEN
    assert not Evidence.objects.exists()


def test_another_companys_staff_cannot_rectify(
    order_a: RectificationOrder, provider_b_user: User
) -> None:
    response = client_for(provider_b_user).post(rectify(order_a), {"photo": photo()})
    assert response.status_code == 404
    order_a.refresh_from_db()
    assert order_a.status == Status.OPEN


@pytest.mark.parametrize("persona", ["inspector", "manager"])
def test_centre_staff_cannot_mark_an_order_rectified(
    order_a: RectificationOrder, persona: str, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(persona)).post(
        rectify(order_a), {"photo": photo()}
    )
    assert response.status_code == 403
    order_a.refresh_from_db()
    assert order_a.status == Status.OPEN


def test_rectifying_asks_anonymous_visitors_to_sign_in(order_a: RectificationOrder) -> None:
    response = client_for(None).post(rectify(order_a), {"photo": photo()})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_rectifying_twice_is_refused_with_a_reason(
    order_a: RectificationOrder, provider_a_user: User
) -> None:
    client = client_for(provider_a_user)
    client.post(rectify(order_a), {"photo": photo()})
    content = page(client.post(rectify(order_a), {"photo": photo()}), 400)
    assert "cannot become" in content
    assert order_a.events.count() == 2


# ---- Re-inspect ------------------------------------------------------------------------------


def test_the_inspector_closes_a_rectified_order(
    order_a: RectificationOrder, inspector: User
) -> None:
    set_status(order_a, Status.RECTIFIED)
    response = client_for(inspector).post(
        reinspect(order_a), {"result": "pass", "note": "", "photo": photo("WEBP")}
    )
    assert response.status_code == 302
    order_a.refresh_from_db()
    assert order_a.status == Status.CLOSED
    assert Evidence.objects.filter(order_event__order=order_a).count() == 1


def test_reopening_without_saying_why_is_refused(
    order_a: RectificationOrder, inspector: User
) -> None:
    set_status(order_a, Status.RECTIFIED)
    content = page(client_for(inspector).post(reinspect(order_a), {"result": "fail"}), 400)
    assert "Say what is still wrong" in content
    order_a.refresh_from_db()
    assert order_a.status == Status.RECTIFIED

    response = client_for(inspector).post(
        reinspect(order_a), {"result": "fail", "note": "Bins still full."}
    )
    assert response.status_code == 302
    order_a.refresh_from_db()
    assert order_a.status == Status.REOPENED


@pytest.mark.parametrize("persona", ["provider_a_user", "manager", "auditor"])
def test_only_inspectors_reinspect(
    order_a: RectificationOrder, persona: str, request: pytest.FixtureRequest
) -> None:
    set_status(order_a, Status.RECTIFIED)
    response = client_for(request.getfixturevalue(persona)).post(
        reinspect(order_a), {"result": "pass"}
    )
    assert response.status_code == 403
    order_a.refresh_from_db()
    assert order_a.status == Status.RECTIFIED


def test_reinspecting_an_open_order_is_refused(
    order_a: RectificationOrder, inspector: User
) -> None:
    content = page(client_for(inspector).post(reinspect(order_a), {"result": "pass"}), 400)
    assert "cannot become" in content
    order_a.refresh_from_db()
    assert order_a.status == Status.OPEN
