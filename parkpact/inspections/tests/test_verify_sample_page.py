"""The public verification page: anyone re-draws a revealed sample; nobody sees a seed early."""

import hashlib
import html
from typing import Any

import pytest
from django.urls import reverse

from conftest import client_for
from parkpact.core.models import User
from parkpact.inspections.models import Inspection, SurveillancePlan

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

LIST_URL = reverse("inspections:sample_verify")


def redraw_url(plan: SurveillancePlan) -> str:
    return reverse("inspections:sample_verify_detail", kwargs={"pk": plan.pk})


def parameters_url(plan: SurveillancePlan) -> str:
    return reverse("inspections:sample_parameters", kwargs={"pk": plan.pk})


def text(response: Any) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def plans(supervised: Supervised, manager: User) -> dict[str, SurveillancePlan]:
    return {
        "revealed": revealed_plan(supervised, month=last_month(), by=manager, sample_size=10),
        "committed": committed_plan(supervised, month=month_after(this_month()), by=manager),
        "draft": draft_plan(
            supervised,
            month=month_after(this_month()),
            by=manager,
            standard=supervised.full_standard,
        ),
    }


def test_it_lists_revealed_seeds_and_committed_hashes_to_anyone(
    plans: dict[str, SurveillancePlan],
) -> None:
    content = text(client_for(None).get(LIST_URL))
    revealed, committed = plans["revealed"], plans["committed"]
    assert revealed.seed in content
    assert revealed.seed_hash in content
    assert revealed.parameters_hash in content
    assert redraw_url(revealed) in content
    assert committed.seed_hash in content
    assert committed.seed not in content
    assert committed.parameters_hash not in content
    assert redraw_url(committed) not in content
    assert "CL-02" not in content  # the draft is not public


def test_it_filters_by_contract_and_month(
    supervised: Supervised, plans: dict[str, SurveillancePlan]
) -> None:
    revealed = plans["revealed"]
    content = text(client_for(None).get(LIST_URL, {"contract": "NOPE"}))
    assert revealed.seed not in content
    content = text(
        client_for(None).get(
            LIST_URL,
            {"contract": supervised.contract.number, "month": f"{last_month():%Y-%m}"},
        )
    )
    assert revealed.seed in content
    assert plans["committed"].seed_hash not in content


def test_its_query_count_does_not_grow_with_the_plans(
    supervised: Supervised, manager: User, django_assert_max_num_queries: Any
) -> None:
    revealed_plan(supervised, month=last_month(), by=manager)
    revealed_plan(supervised, month=last_month(), by=manager, standard=supervised.full_standard)
    committed_plan(supervised, month=month_after(this_month()), by=manager)
    with django_assert_max_num_queries(6):
        assert client_for(None).get(LIST_URL).status_code == 200


def test_it_redraws_an_honest_plan_and_finds_it_matches(
    plans: dict[str, SurveillancePlan], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        content = text(client_for(None).get(redraw_url(plans["revealed"])))
    assert "Match." in content
    assert "all 10 visits re-drawn from them are the ones the centre scheduled" in content
    assert content.count("matches") >= 10


def test_it_shows_a_mismatch_after_tampering(
    supervised: Supervised, plans: dict[str, SurveillancePlan]
) -> None:
    plan = plans["revealed"]
    visit = plan.inspections.get(visit_index=2)
    other = next(i for i in supervised.inspectors if i.pk != visit.inspector_id)
    Inspection.objects.filter(pk=visit.pk).update(inspector=other)
    content = text(client_for(None).get(redraw_url(plan)))
    assert "Mismatch." in content
    assert "visit 2 differs: inspector" in content


def test_it_has_nothing_to_redraw_before_the_reveal(plans: dict[str, SurveillancePlan]) -> None:
    for key in ("committed", "draft"):
        assert client_for(None).get(redraw_url(plans[key])).status_code == 404
        assert client_for(None).get(parameters_url(plans[key])).status_code == 404


def test_it_serves_the_exact_bytes_the_parameters_hash_covers(
    plans: dict[str, SurveillancePlan],
) -> None:
    plan = plans["revealed"]
    response = client_for(None).get(parameters_url(plan))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert hashlib.sha256(response.content).hexdigest() == plan.parameters_hash
