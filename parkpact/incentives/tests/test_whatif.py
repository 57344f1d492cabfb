"""The what-if sandbox: the check under other plan sizes, points and caps; the real contract
untouched; scenarios saved and turned into a draft amendment or next month's plans."""

from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import client_for
from parkpact.contracts.models import Amendment, PerformanceStandard
from parkpact.core.models import AuditEvent, User
from parkpact.incentives import services, services_whatif
from parkpact.incentives.models import Scenario
from parkpact.inspections.models import SurveillancePlan

pytestmark = pytest.mark.django_db

MONTH = date(2026, 4, 1)
APRIL_20 = datetime(2026, 4, 20, 2, tzinfo=UTC)


def cl01(world: Any) -> PerformanceStandard:
    return world.contract_a.versions.get(number=1).standards.get(code="CL-01")


def url(world: Any, query: str = "") -> str:
    path = reverse("incentives:contract_whatif", args=[world.contract_a.pk])
    return f"{path}?month=2026-04&{query}"


def terms_of(world: Any) -> list[tuple[str, D, D]]:
    return list(
        PerformanceStandard.objects.filter(version__contract=world.contract_a)
        .order_by("version__number", "code")
        .values_list("code", "points_per_occurrence", "monthly_cap")
    )


def test_more_visits_raise_detection_and_monitoring_cost_but_change_nothing(
    world: Any, manager: User
) -> None:
    SurveillancePlan.objects.create(
        contract=world.contract_a, standard=cl01(world), month=MONTH, sample_size=4
    )
    before_terms, events = terms_of(world), AuditEvent.objects.count()
    baseline = services.build_table(contract=world.contract_a, month=MONTH)
    tried = services.build_table(
        contract=world.contract_a,
        month=MONTH,
        changes=services.Changes(sample_sizes={"CL-01": 40}, points={"CL-01": D(3)}),
    )
    old = [row for row in baseline.rows if row.standard.code == "CL-01"]
    new = [row for row in tried.rows if row.standard.code == "CL-01"]
    assert old[0].visits == D("2.0") and new[0].visits == D("20.0")
    assert all(b.detection < a.detection for b, a in zip(old, new, strict=True))
    assert baseline.visits == 4 and tried.visits == 40
    # Nothing written: the terms, the plan and the ledger are as they were.
    assert terms_of(world) == before_terms
    assert SurveillancePlan.objects.get().sample_size == 4
    assert AuditEvent.objects.count() == events
    assert services.build_table(contract=world.contract_a, month=MONTH).rows[0].detection == (
        old[0].detection
    )


def test_the_page_compares_and_refuses_bad_input_field_by_field(
    world: Any, manager: User, english: None
) -> None:
    client = client_for(manager)
    good = client.get(url(world, "size-CL-01=30&points-CL-01=2"))
    assert good.status_code == 200
    page = good.content.decode()
    assert 'id="whatif"' in page and "Save the scenario" in page
    assert "0 → 30 zone-visits" in page
    bad = client.get(url(world, "size-CL-01=lots&cap-CL-01=99&points-CL-02=0.25"))
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Give a whole number of visits." in text
    assert "Give from 0 to the standard&#x27;s weight" in text
    assert "Give a number of points with at most one decimal." in text
    assert not Scenario.objects.exists()


def test_the_page_is_for_centre_staff_and_saving_for_managers(
    world: Any, inspector: User, provider_a_user: User
) -> None:
    assert client_for(provider_a_user).get(url(world)).status_code == 404
    assert client_for(inspector).get(url(world, "size-CL-01=9")).status_code == 200
    save = reverse("incentives:scenario_save", args=[world.contract_a.pk])
    response = client_for(inspector).post(
        save, {"month": "2026-04", "name": "x", "size-CL-01": "9"}
    )
    assert response.status_code == 403
    assert not Scenario.objects.exists()


def test_a_manager_saves_a_scenario_and_it_reloads(world: Any, manager: User) -> None:
    client = client_for(manager)
    save = reverse("incentives:scenario_save", args=[world.contract_a.pk])
    response = client.post(
        save, {"month": "2026-04", "name": "More lakeshore visits", "size-CL-01": "12"}
    )
    assert response.status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.sample_sizes == {"CL-01": 12} and scenario.month == MONTH
    assert AuditEvent.objects.filter(action="scenario.save", actor=manager).count() == 1
    reloaded = client.get(response["Location"])
    assert reloaded.status_code == 200 and 'value="12"' in reloaded.content.decode()


def test_an_empty_or_unnamed_scenario_is_refused(world: Any, manager: User) -> None:
    client = client_for(manager)
    save = reverse("incentives:scenario_save", args=[world.contract_a.pk])
    assert client.post(save, {"month": "2026-04", "name": "nothing"}).status_code == 400
    assert client.post(save, {"month": "2026-04", "name": " ", "size-CL-01": "5"}).status_code == (
        400
    )
    assert not Scenario.objects.exists()
    assert not AuditEvent.objects.filter(action="scenario.save").exists()


def _scenario(world: Any, manager: User, **changes: Any) -> Scenario:
    return services_whatif.save_scenario(
        contract=world.contract_a,
        month=MONTH,
        name="Deter the lakeshore",
        changes=services.Changes(**changes),
        by=manager,
    )


def test_a_scenario_becomes_a_draft_amendment_leaving_the_terms_in_force(
    world: Any, manager: User
) -> None:
    scenario = _scenario(world, manager, points={"CL-01": D(2)}, caps={"CL-01": D(8)})
    amendment = services_whatif.amend_from_scenario(
        scenario=scenario, by=manager, effective_from=date(2026, 6, 1)
    )
    assert amendment.status == Amendment.Status.DRAFT
    drafted = amendment.version.standards.get(code="CL-01")
    assert (drafted.points_per_occurrence, drafted.monthly_cap) == (D(2), D(8))
    in_force = cl01(world)
    assert (in_force.points_per_occurrence, in_force.monthly_cap) != (D(2), D(8))
    assert AuditEvent.objects.filter(action="scenario.amend").count() == 1
    with pytest.raises(ValidationError) as refused:
        services_whatif.amend_from_scenario(
            scenario=scenario, by=manager, effective_from=date(2026, 7, 1)
        )
    assert refused.value.error_list[0].code == "scenario_applied"
    assert Amendment.objects.count() == 1


def test_a_scenario_becomes_next_months_draft_plan(world: Any, manager: User) -> None:
    scenario = _scenario(world, manager, sample_sizes={"CL-01": 15})
    plans = services_whatif.plan_from_scenario(scenario=scenario, by=manager, now=APRIL_20)
    assert [(p.standard.code, p.month, p.sample_size, p.status) for p in plans] == [
        ("CL-01", date(2026, 5, 1), 15, SurveillancePlan.Status.DRAFT)
    ]
    # Again: the draft is replaced, not doubled.
    services_whatif.plan_from_scenario(scenario=scenario, by=manager, now=APRIL_20)
    assert SurveillancePlan.objects.filter(month=date(2026, 5, 1)).count() == 1
    # A committed plan is final: the whole change is refused, nothing replaced.
    SurveillancePlan.objects.filter(month=date(2026, 5, 1)).update(
        status=SurveillancePlan.Status.COMMITTED, seed_hash="a" * 64, parameters_hash="b" * 64
    )
    with pytest.raises(ValidationError) as refused:
        services_whatif.plan_from_scenario(scenario=scenario, by=manager, now=APRIL_20)
    assert refused.value.error_list[0].code == "scenario_plan_committed"
    assert SurveillancePlan.objects.get(month=date(2026, 5, 1)).sample_size == 15


def test_only_managers_turn_scenarios_into_changes(
    world: Any, manager: User, inspector: User
) -> None:
    scenario = _scenario(world, manager, points={"CL-01": D(2)})
    with pytest.raises(PermissionDenied):
        services_whatif.amend_from_scenario(
            scenario=scenario, by=inspector, effective_from=date(2026, 6, 1)
        )
    response = client_for(inspector).post(
        reverse("incentives:scenario_amend", args=[scenario.pk]), {"effective_from": "2026-06-01"}
    )
    assert response.status_code == 403
    assert not Amendment.objects.exists()
