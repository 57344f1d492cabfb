"""Plan pages: a contract's plans for a month, one plan, and the managers' actions."""

import html
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import User
from parkpact.inspections.models import SurveillancePlan

from .test_plans_support import (
    Supervised,
    committed_plan,
    draft_plan,
    last_month,
    month_after,
    revealed_plan,
    supervised,
    this_month,
)

__all__ = ["supervised"]
pytestmark = pytest.mark.usefixtures("english")


def list_url(s: Supervised, month: str | None = None) -> str:
    url = reverse("inspections:plan_list", kwargs={"contract_pk": s.contract.pk})
    return f"{url}?month={month}" if month else url


def detail_url(plan: SurveillancePlan) -> str:
    return reverse("inspections:plan_detail", kwargs={"pk": plan.pk})


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def label(month: Any) -> str:
    return f"{month:%Y-%m}"


# ---- The list of a contract's plans -----------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(supervised: Supervised) -> None:
    response = client_for(None).get(list_url(supervised))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_it_answers_404_for_another_companys_contract(
    supervised: Supervised, provider_b_user: User
) -> None:
    assert client_for(provider_b_user).get(list_url(supervised)).status_code == 404


def test_it_answers_404_for_a_malformed_month(supervised: Supervised, manager: User) -> None:
    assert client_for(manager).get(list_url(supervised, "2026-13")).status_code == 404


def test_it_lists_a_months_plans_for_managers_with_the_form(
    supervised: Supervised, manager: User, django_assert_max_num_queries: Any
) -> None:
    month = month_after(this_month())
    committed_plan(supervised, month=month, by=manager)
    draft_plan(supervised, month=month, by=manager, standard=supervised.full_standard)
    client = client_for(manager)
    client.get(list_url(supervised, label(month)))  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get(list_url(supervised, label(month)))
    content = text(response)
    assert response.status_code == 200
    assert f"Surveillance plans for {label(month)}" in content
    assert "CL-01" in content and "CL-02" in content
    assert "Draft a plan for" in content
    assert "Commit" in content
    assert "07:00–09:00, 14:00–16:00" in content


def test_its_query_count_does_not_grow_with_the_plans(
    supervised: Supervised, manager: User, django_assert_max_num_queries: Any
) -> None:
    month = month_after(this_month())
    committed_plan(supervised, month=month, by=manager, sample_size=30)
    committed_plan(supervised, month=month, by=manager, standard=supervised.full_standard)
    client = client_for(manager)
    client.get(list_url(supervised, label(month)))
    with django_assert_max_num_queries(14):
        assert client.get(list_url(supervised, label(month))).status_code == 200


def test_it_defaults_to_next_month_for_centre_staff(
    supervised: Supervised, inspector: User
) -> None:
    content = text(client_for(inspector).get(list_url(supervised)))
    assert f"Surveillance plans for {label(month_after(this_month()))}" in content
    assert "Draft a plan for" not in content


def test_it_shows_provider_staff_only_revealed_plans(
    supervised: Supervised, manager: User, provider_a_user: User
) -> None:
    revealed = revealed_plan(supervised, month=last_month(), by=manager)
    committed_plan(supervised, month=last_month(), by=manager, standard=supervised.full_standard)
    content = text(client_for(provider_a_user).get(list_url(supervised)))
    assert f"Surveillance plans for {label(last_month())}" in content
    assert detail_url(revealed) in content
    assert "CL-02" not in content
    assert "Draft a plan" not in content


def test_the_contract_page_links_to_its_plans(supervised: Supervised, inspector: User) -> None:
    url = reverse("contracts:contract_detail", kwargs={"pk": supervised.contract.pk})
    assert list_url(supervised) in text(client_for(inspector).get(url))


# ---- Drafting from the page -------------------------------------------------------------------


def create(client: Any, s: Supervised, **fields: Any) -> Any:
    data = {
        "month": label(month_after(this_month())),
        "standard": s.random_standard.pk,
        "sample_size": 12,
        "visits_per_zone": 1,
        "windows": "7:00-9:00, 14:00–16:00",
        **fields,
    }
    return client.post(
        reverse("inspections:plan_create", kwargs={"contract_pk": s.contract.pk}), data
    )


def test_it_drafts_a_plan_from_the_form(supervised: Supervised, manager: User) -> None:
    response = create(client_for(manager), supervised)
    assert response.status_code == 302
    plan = SurveillancePlan.objects.get()
    assert plan.sample_size == 12
    assert plan.windows == [["07:00", "09:00"], ["14:00", "16:00"]]
    assert plan.status == SurveillancePlan.Status.DRAFT


def test_it_shows_why_a_plan_is_refused(supervised: Supervised, manager: User) -> None:
    response = create(client_for(manager), supervised, windows="09:00-07:00")
    assert response.status_code == 400
    assert "opening before it closes" in text(response)
    assert not SurveillancePlan.objects.exists()


def test_it_refuses_a_month_that_has_begun_without_an_error_page(
    supervised: Supervised, manager: User
) -> None:
    response = create(client_for(manager), supervised, month=label(this_month()))
    assert response.status_code == 400
    assert "has already begun" in text(response)
    assert not SurveillancePlan.objects.exists()


def test_it_refuses_drafting_to_other_roles(
    supervised: Supervised, inspector: User, provider_a_user: User
) -> None:
    assert create(client_for(inspector), supervised).status_code == 403
    assert create(client_for(provider_a_user), supervised).status_code == 403
    assert create(client_for(None), supervised).status_code == 302
    assert not SurveillancePlan.objects.exists()


# ---- One plan ---------------------------------------------------------------------------------


def test_it_shows_centre_staff_the_visits_but_never_the_seed_before_reveal(
    supervised: Supervised, manager: User, auditor: User
) -> None:
    plan = committed_plan(supervised, month=month_after(this_month()), by=manager)
    for user in (manager, auditor):
        content = text(client_for(user).get(detail_url(plan)))
        assert plan.seed_hash in content
        assert plan.seed not in content
        assert "Kept secret until the month has ended" in content
        visit = plan.inspections.select_related("zone").first()
        assert visit is not None and visit.zone.name in content


def test_it_hides_an_unrevealed_plan_from_provider_staff(
    supervised: Supervised, manager: User, provider_a_user: User
) -> None:
    committed = committed_plan(supervised, month=month_after(this_month()), by=manager)
    draft = draft_plan(
        supervised, month=month_after(this_month()), by=manager, standard=supervised.full_standard
    )
    client = client_for(provider_a_user)
    assert client.get(detail_url(committed)).status_code == 404
    assert client.get(detail_url(draft)).status_code == 404


def test_it_shows_provider_staff_their_revealed_plan_with_its_seed(
    supervised: Supervised, manager: User, provider_a_user: User, provider_b_user: User
) -> None:
    plan = revealed_plan(supervised, month=last_month(), by=manager)
    content = text(client_for(provider_a_user).get(detail_url(plan)))
    assert plan.seed in content
    assert "Re-draw the sample and compare" in content
    assert client_for(provider_b_user).get(detail_url(plan)).status_code == 404


def test_its_query_count_does_not_grow_with_the_visits(
    supervised: Supervised, manager: User, django_assert_max_num_queries: Any
) -> None:
    plan = committed_plan(supervised, month=month_after(this_month()), by=manager, sample_size=40)
    client = client_for(manager)
    client.get(detail_url(plan))
    with django_assert_max_num_queries(8):
        assert client.get(detail_url(plan)).status_code == 200


# ---- Actions ----------------------------------------------------------------------------------


def post(client: Any, name: str, plan: SurveillancePlan) -> Any:
    return client.post(reverse(f"inspections:{name}", kwargs={"pk": plan.pk}), follow=True)


def test_it_commits_from_the_page(supervised: Supervised, manager: User) -> None:
    plan = draft_plan(supervised, month=month_after(this_month()), by=manager)
    response = post(client_for(manager), "plan_commit", plan)
    assert "Plan committed" in text(response)
    plan.refresh_from_db()
    assert plan.status == SurveillancePlan.Status.COMMITTED
    assert plan.seed not in text(response)


def test_it_shows_a_refused_action_as_a_message(supervised: Supervised, manager: User) -> None:
    plan = committed_plan(supervised, month=month_after(this_month()), by=manager)
    client = client_for(manager)
    response = post(client, "plan_commit", plan)
    assert response.status_code == 200
    assert "a committed plan cannot change" in text(response)
    response = post(client, "plan_reveal", plan)
    assert "only after the month has ended" in text(response)
    response = post(client, "plan_discard", plan)
    assert "Only a draft plan can be discarded" in text(response)
    plan.refresh_from_db()
    assert plan.status == SurveillancePlan.Status.COMMITTED


def test_it_reveals_a_past_month_from_the_page(supervised: Supervised, manager: User) -> None:
    plan = committed_plan(supervised, month=last_month(), by=manager)
    response = post(client_for(manager), "plan_reveal", plan)
    content = text(response)
    assert "Seed revealed" in content
    assert plan.seed in content


def test_it_discards_a_draft_from_the_page(supervised: Supervised, manager: User) -> None:
    plan = draft_plan(supervised, month=month_after(this_month()), by=manager)
    response = post(client_for(manager), "plan_discard", plan)
    assert "Draft plan discarded" in text(response)
    assert not SurveillancePlan.objects.exists()


def test_it_refuses_actions_to_other_roles(
    supervised: Supervised, manager: User, inspector: User, provider_a_user: User, world: World
) -> None:
    plan = draft_plan(supervised, month=month_after(this_month()), by=manager)
    for name in ("plan_commit", "plan_reveal", "plan_discard"):
        url = reverse(f"inspections:{name}", kwargs={"pk": plan.pk})
        assert client_for(inspector).post(url).status_code == 403
        assert client_for(provider_a_user).post(url).status_code == 403
        assert client_for(manager).get(url).status_code == 405
    plan.refresh_from_db()
    assert plan.status == SurveillancePlan.Status.DRAFT
