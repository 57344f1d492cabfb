"""The managers' patrol set-up page of a security contract: routes, schedules, response target."""

from datetime import time
from typing import Any

import pytest
from django.urls import reverse

from conftest import client_for
from parkpact import testing
from parkpact.core.models import AuditEvent, User
from parkpact.patrols import incidents, services
from parkpact.patrols.models import PatrolRoute, PatrolSchedule, ResponseTarget

from .helpers import make_ground

pytestmark = pytest.mark.django_db


def page_url(world: Any) -> str:
    return reverse("patrols:contract_patrols", args=[world.contract_b.pk])


def test_it_sends_anonymous_visitors_to_sign_in(world: Any) -> None:
    response = client_for(None).get(page_url(world))
    assert response.status_code == 302
    assert "login" in response["Location"]
    post = client_for(None).post(
        reverse("patrols:response_target_set", args=[world.contract_b.pk]), {"minutes": 9}
    )
    assert post.status_code == 302
    assert not ResponseTarget.objects.exists()


def test_it_refuses_other_roles(
    world: Any, inspector: User, auditor: User, provider_b_user: User
) -> None:
    for user in (inspector, auditor, provider_b_user):
        client = client_for(user)
        assert client.get(page_url(world)).status_code == 403
        response = client.post(
            reverse("patrols:response_target_set", args=[world.contract_b.pk]), {"minutes": 9}
        )
        assert response.status_code == 403
    assert not ResponseTarget.objects.exists()


def test_it_hides_another_companys_contract_from_a_provider(
    world: Any, provider_a_user: User
) -> None:
    client = client_for(provider_a_user)
    assert client.get(page_url(world)).status_code == 404
    response = client.post(
        reverse("patrols:response_target_set", args=[world.contract_b.pk]), {"minutes": 9}
    )
    assert response.status_code == 404


def test_it_has_no_patrol_page_for_a_cleaning_contract(world: Any, manager: User) -> None:
    url = reverse("patrols:contract_patrols", args=[world.contract_a.pk])
    assert client_for(manager).get(url).status_code == 404


def test_it_links_the_page_from_a_security_contract_only(
    world: Any, manager: User, english: None
) -> None:
    client = client_for(manager)
    security = client.get(reverse("contracts:contract_detail", args=[world.contract_b.pk]))
    assert page_url(world) in security.content.decode()
    cleaning = client.get(reverse("contracts:contract_detail", args=[world.contract_a.pk]))
    assert "/patrols/contracts/" not in cleaning.content.decode()


def test_it_shows_routes_schedules_and_the_target(
    world: Any, manager: User, english: None, django_assert_max_num_queries: Any
) -> None:
    ground = make_ground(world)
    services.create_route(
        contract=world.contract_b,
        name="Gate loop",
        checkpoints=[ground.checkpoints[2], ground.checkpoints[0]],
        order_mode=PatrolRoute.OrderMode.RANDOM,
        by=None,
    )
    client = client_for(manager)
    with django_assert_max_num_queries(15):
        response = client.get(page_url(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lakeside" in page and "Gate loop" in page
    assert "In an order drawn for each round" in page
    assert "around the clock" in page
    assert "within 5 minutes" in page
    gate = next(route for route in response.context["routes"] if route.name == "Gate loop")
    assert [stop.checkpoint for stop in gate.stops.all()] == [
        ground.checkpoints[2],
        ground.checkpoints[0],
    ]


def test_a_manager_adds_a_route_with_checkpoints_in_order(world: Any, manager: User) -> None:
    checkpoints = [testing.make_checkpoint(world.zones[i]) for i in range(3)]
    codes = [c.facility.code for c in checkpoints]
    response = client_for(manager).post(
        reverse("patrols:route_create", args=[world.contract_b.pk]),
        {"name": "North", "checkpoints": f"{codes[1]}, {codes[0]} {codes[2]}", "order_mode": "any"},
    )
    assert response.status_code == 302
    route = PatrolRoute.objects.get(name="North")
    assert route.order_mode == PatrolRoute.OrderMode.ANY
    assert route.checkpoint_ids() == [checkpoints[1].pk, checkpoints[0].pk, checkpoints[2].pk]
    assert AuditEvent.objects.filter(action="patrol_route.create", actor=manager).exists()


def test_a_route_with_unknown_or_repeated_checkpoints_is_refused(
    world: Any, manager: User, english: None
) -> None:
    checkpoint = testing.make_checkpoint(world.zones[0])
    code = checkpoint.facility.code
    client = client_for(manager)
    url = reverse("patrols:route_create", args=[world.contract_b.pk])
    unknown = client.post(
        url, {"name": "X", "checkpoints": f"{code}, CP-NOPE", "order_mode": "fixed"}
    )
    assert unknown.status_code == 400
    assert "Not a checkpoint in this contract&#x27;s zones: CP-NOPE." in unknown.content.decode()
    twice = client.post(url, {"name": "X", "checkpoints": f"{code} {code}", "order_mode": "fixed"})
    assert twice.status_code == 400
    assert "given twice" in twice.content.decode()
    assert not PatrolRoute.objects.exists()


def test_a_route_name_is_used_once_per_contract(world: Any, manager: User, english: None) -> None:
    ground = make_ground(world)
    response = client_for(manager).post(
        reverse("patrols:route_create", args=[world.contract_b.pk]),
        {
            "name": "Lakeside",
            "checkpoints": ground.checkpoints[0].facility.code,
            "order_mode": "fixed",
        },
    )
    assert response.status_code == 400
    assert response.context["route_form"].errors
    assert PatrolRoute.objects.count() == 1


def test_a_manager_adds_and_stops_a_schedule(world: Any, manager: User) -> None:
    ground = make_ground(world)
    client = client_for(manager)
    response = client.post(
        reverse("patrols:schedule_create", args=[world.contract_b.pk]),
        {
            "route": ground.route.pk,
            "every_minutes": 240,
            "daily_from": "06:00",
            "daily_to": "22:00",
            "window_minutes": 90,
        },
    )
    assert response.status_code == 302
    schedule = PatrolSchedule.objects.get(every_minutes=240)
    assert (schedule.daily_from, schedule.daily_to, schedule.active) == (time(6), time(22), True)
    stop = client.post(
        reverse("patrols:schedule_deactivate", args=[world.contract_b.pk, schedule.pk])
    )
    assert stop.status_code == 302
    schedule.refresh_from_db()
    assert not schedule.active
    assert services.generate_rounds(schedule=schedule, day=world.contract_b.start_date) == 0
    client.post(reverse("patrols:schedule_activate", args=[world.contract_b.pk, schedule.pk]))
    schedule.refresh_from_db()
    assert schedule.active
    actions = list(
        AuditEvent.objects.filter(object_type="patrols.patrolschedule", object_id=str(schedule.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "patrol_schedule.create",
        "patrol_schedule.deactivate",
        "patrol_schedule.activate",
    ]


def test_a_schedule_whose_window_outlasts_the_interval_is_refused(
    world: Any, manager: User, english: None
) -> None:
    ground = make_ground(world)
    response = client_for(manager).post(
        reverse("patrols:schedule_create", args=[world.contract_b.pk]),
        {
            "route": ground.route.pk,
            "every_minutes": 60,
            "daily_from": "06:00",
            "daily_to": "22:00",
            "window_minutes": 90,
        },
    )
    assert response.status_code == 400
    assert "cannot be longer than the interval" in response.content.decode()
    assert PatrolSchedule.objects.count() == 1


def test_a_schedule_cannot_use_another_contracts_route(world: Any, manager: User) -> None:
    ground = make_ground(world)
    other = services.create_route(
        contract=testing.make_contract(
            world.provider_b, world.zones, by=manager, service_kind="security", active=False
        ),
        name="Elsewhere",
        checkpoints=ground.checkpoints[:1],
        by=None,
    )
    response = client_for(manager).post(
        reverse("patrols:schedule_create", args=[world.contract_b.pk]),
        {
            "route": other.pk,
            "every_minutes": 60,
            "daily_from": "06:00",
            "daily_to": "22:00",
            "window_minutes": 30,
        },
    )
    assert response.status_code == 400
    assert not PatrolSchedule.objects.filter(route=other).exists()


def test_a_schedule_of_another_contract_cannot_be_stopped_here(world: Any, manager: User) -> None:
    ground = make_ground(world)
    url = reverse("patrols:schedule_deactivate", args=[world.contract_a.pk, ground.schedule.pk])
    assert client_for(manager).post(url).status_code == 404
    ground.schedule.refresh_from_db()
    assert ground.schedule.active


def test_a_manager_sets_the_response_target(world: Any, manager: User) -> None:
    client = client_for(manager)
    url = reverse("patrols:response_target_set", args=[world.contract_b.pk])
    assert client.post(url, {"minutes": 8}).status_code == 302
    assert client.post(url, {"minutes": 12}).status_code == 302
    assert ResponseTarget.objects.get(contract=world.contract_b).minutes == 12
    assert incidents.response_target_minutes(world.contract_b) == 12
    events = AuditEvent.objects.filter(action="response_target.set").order_by("seq")
    assert [(e.before, e.after["minutes"]) for e in events] == [
        ({"minutes": 5}, 8),
        ({"minutes": 8}, 12),
    ]


@pytest.mark.parametrize("minutes", ["0", "121", "-3", "ten", ""])
def test_a_response_target_out_of_range_is_refused(
    world: Any, manager: User, english: None, minutes: str
) -> None:
    response = client_for(manager).post(
        reverse("patrols:response_target_set", args=[world.contract_b.pk]), {"minutes": minutes}
    )
    assert response.status_code == 400
    assert response.context["target_form"].errors["minutes"]
    assert not ResponseTarget.objects.exists()
    assert not AuditEvent.objects.filter(action="response_target.set").exists()


def test_the_response_target_form_speaks_chinese_by_default(world: Any, manager: User) -> None:
    response = client_for(manager).post(
        reverse("patrols:response_target_set", args=[world.contract_b.pk]), {"minutes": "500"}
    )
    assert response.status_code == 400
    assert response.context["LANGUAGE_CODE"] == "zh-hans"


def test_the_service_refuses_a_target_out_of_range_or_on_a_cleaning_contract(world: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as out_of_range:
        services.set_response_target(contract=world.contract_b, minutes=121, by=None)
    assert out_of_range.value.error_dict["minutes"][0].code == "response_target_range"
    with pytest.raises(ValidationError) as cleaning:
        services.set_response_target(contract=world.contract_a, minutes=10, by=None)
    assert cleaning.value.code == "not_security"
    assert not ResponseTarget.objects.exists()
