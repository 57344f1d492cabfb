"""A contract's value for money: the page, who sees it, the in-house comparator and its bad
input, and figures whose inputs are missing."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import client_for
from parkpact.assessments.models import Assessment, PaymentCertificate
from parkpact.contracts.models import Contract
from parkpact.core.models import AuditEvent, User
from parkpact.incentives import services, services_value
from parkpact.incentives.models import InHouseComparator
from parkpact.inspections.models import Inspection

pytestmark = pytest.mark.django_db

COMPARATOR = {
    "staff": D(24),
    "monthly_wage_per_staff": D(5800),
    "equipment_per_month": D(6500),
    "consumables_per_month": D(4200),
    "overhead_rate": D(18),
}  # 176,882.00 a month
COSTS = {
    "staff_hours_per_zone_day": D(3),
    "wage_per_hour": D(22),
    "consumables_per_zone_day": D(14),
    "inspector_hours_per_visit": D("1.5"),
    "inspector_wage_per_hour": D(45),
}  # 67.50 per visit


def approve_month(
    contract: Contract,
    month: date,
    *,
    score: D = D("95.00"),
    fee: D = D("168000.00"),
    deduction: D = D(0),
    grade: str = "exceptional",
) -> Assessment:
    """An approved month with its certificate, as the assessment workflow leaves it: 5 %
    retention held, so with no deduction the net of 168,000 is 159,600."""
    retention = ((fee - deduction) * D("0.05")).quantize(D("0.01"))
    at = datetime(month.year, month.month, 28, 8, tzinfo=UTC)
    assessment = Assessment.objects.create(
        contract=contract,
        version=contract.versions.get(number=1),
        month=month,
        status=Assessment.Status.APPROVED,
        score=score,
        grade=grade,
        payment_factor=D(1),
        bonus_rate=D(0),
        computed_at=at,
        approved_at=at,
    )
    PaymentCertificate.objects.create(
        assessment=assessment,
        number=f"PC-{contract.number}-{month:%Y%m}",
        fee=fee,
        deduction=deduction,
        bonus=D(0),
        adjustments=D(0),
        retention=retention,
        retention_released=D(0),
        net=fee - deduction - retention,
        status=PaymentCertificate.Status.APPROVED,
        issued_at=at,
    )
    return assessment


def carry_out_inspections(contract: Contract, inspector: User, month: date, count: int) -> None:
    zone = contract.zones.order_by("code").first()
    assert zone is not None
    for day in range(1, count + 1):
        start = datetime(month.year, month.month, day, 2, tzinfo=UTC)
        Inspection.objects.create(
            contract=contract,
            zone=zone,
            inspector=inspector,
            window_start=start,
            window_end=start + timedelta(hours=2),
            status=Inspection.Status.SUBMITTED,
            submitted_at=start + timedelta(hours=1),
        )


def page_url(contract: Contract) -> str:
    return reverse("incentives:contract_value", args=[contract.pk])


def post_url(contract: Contract) -> str:
    return reverse("incentives:comparator_save", args=[contract.pk])


def form_data(**changes: Any) -> dict[str, str]:
    return {k: str(v) for k, v in COMPARATOR.items()} | {"note": "2026 wage survey"} | changes


# ---- Who sees it ----------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(world: Any) -> None:
    response = client_for(None).get(page_url(world.contract_a))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_provider_gets_404_even_for_its_own_contract(
    world: Any, provider_a_user: User, provider_b_user: User
) -> None:
    for user in (provider_a_user, provider_b_user):
        client = client_for(user)
        assert client.get(page_url(world.contract_a)).status_code == 404
        assert client.post(post_url(world.contract_a), form_data()).status_code == 404
    assert not InHouseComparator.objects.exists()


def test_an_inspector_reads_the_page_but_cannot_enter_a_comparator(
    world: Any, inspector: User
) -> None:
    response = client_for(inspector).get(page_url(world.contract_a))
    assert response.status_code == 200
    assert 'name="monthly_wage_per_staff"' not in response.content.decode()
    assert client_for(inspector).post(post_url(world.contract_a), form_data()).status_code == 403
    with pytest.raises(PermissionDenied):
        services_value.save_comparator(contract=world.contract_a, by=inspector, **COMPARATOR)
    assert not InHouseComparator.objects.exists()
    assert not AuditEvent.objects.filter(action="in_house_comparator.save").exists()


def test_the_contract_page_links_to_it(world: Any, manager: User) -> None:
    response = client_for(manager).get(
        reverse("contracts:contract_detail", args=[world.contract_a.pk])
    )
    assert page_url(world.contract_a) in response.content.decode()


# ---- The page -------------------------------------------------------------------------------------


def test_missing_inputs_are_shown_as_missing(world: Any, manager: User, english: None) -> None:
    approve_month(world.contract_a, date(2026, 1, 1))
    response = client_for(manager).get(page_url(world.contract_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert "input missing" in page
    assert "no in-house comparator is entered" in page
    assert "no cost breakdown" in page
    row = response.context["table"].rows[0]
    assert row.approved and row.figures["paid"].value == D("159600.00")
    assert row.figures["in_house"].is_missing
    assert "the in-house comparator" in row.figures["in_house"].missing
    assert row.figures["monitoring"].is_missing and row.figures["total"].is_missing
    assert "No approved assessment with a certificate for this month." in page  # February on


def test_a_manager_saves_a_comparator_and_sees_the_comparison(
    world: Any, manager: User, inspector: User, english: None
) -> None:
    contract = world.contract_a
    approve_month(contract, date(2026, 1, 1))
    carry_out_inspections(contract, inspector, date(2026, 1, 1), 12)
    services.save_cost_breakdown(contract=contract, by=manager, **COSTS)
    area = sum((zone.area_m2 for zone in contract.zones.all()), D(0))

    response = client_for(manager).post(post_url(contract), form_data())
    assert response.status_code == 302
    comparator = InHouseComparator.objects.get(contract=contract)
    assert comparator.monthly_cost() == D("176882.00")
    event = AuditEvent.objects.get(action="in_house_comparator.save")
    assert event.actor == manager

    page = client_for(manager).get(page_url(contract))
    row = page.context["table"].rows[0]
    assert row.figures["monitoring"].value == D("810.00")  # 12 × 1.5 h × 45 CNY
    assert row.figures["total"].value == D("160410.00")
    assert row.figures["difference"].value == D("16472.00")
    assert row.figures["difference_percent"].value == D("10.3")
    assert row.figures["cost_per_m2"].value == (D("159600.00") / area).quantize(D("0.01"))
    assert row.figures["cost_per_point"].value == D("1680.00")
    text = page.content.decode()
    assert "¥16,472.00" in text and "+10.3 %" in text
    assert "value-chart" in text and "incentives/value.js" in text
    assert reverse("incentives:park_evaluation", args=[world.park.pk, 2026]) in text


def test_peers_are_the_other_contracts_of_the_same_kind(
    world: Any, manager: User, english: None
) -> None:
    from parkpact import testing

    other = testing.make_contract(world.provider_b, world.zones[2:], by=manager)
    approve_month(world.contract_a, date(2026, 1, 1))
    approve_month(other, date(2026, 1, 1), score=D("88.00"), fee=D("100000.00"))
    approve_month(world.contract_b, date(2026, 1, 1), score=D("70.00"))  # security: not a peer
    table = services_value.value_table(contract=world.contract_a, today=date(2026, 1, 31))
    row = table.rows[0]
    assert row.peers == 1
    assert row.figures["peers_score"].value == D("88.00")
    area = world.zones[2].area_m2
    assert row.figures["peers_cost_per_m2"].value == (D(95000) / area).quantize(D("0.01"))


def test_the_page_reads_a_bounded_number_of_queries(
    world: Any, manager: User, django_assert_max_num_queries: Any
) -> None:
    for month in range(1, 12):
        approve_month(world.contract_a, date(2026, month, 1))
    services_value.save_comparator(contract=world.contract_a, by=manager, **COMPARATOR)
    client = client_for(manager)
    client.get(page_url(world.contract_a))  # the session is made
    with django_assert_max_num_queries(16):
        response = client.get(page_url(world.contract_a))
    assert response.status_code == 200


# ---- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "message", "code"),
    [
        ("staff", "", "The comparator needs this figure.", "comparator_missing"),
        ("monthly_wage_per_staff", "0", "Give more than 0", "comparator_missing"),
        ("equipment_per_month", "-100", "A cost cannot be negative.", "cost_negative"),
        ("staff", "900", "at most 500 full-time staff", "cost_absurd"),
        ("monthly_wage_per_staff", "250000", "at most 100,000 CNY", "cost_absurd"),
        ("overhead_rate", "150", "at most 100 %", "cost_absurd"),
    ],
)
def test_bad_comparator_input_is_refused_with_nothing_saved(
    world: Any, manager: User, english: None, field: str, raw: str, message: str, code: str
) -> None:
    response = client_for(manager).post(post_url(world.contract_a), form_data(**{field: raw}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert message in str(response.context["form"].errors[field])
    assert not InHouseComparator.objects.exists()
    assert not AuditEvent.objects.filter(action="in_house_comparator.save").exists()

    figures: dict[str, Any] = dict(COMPARATOR) | {field: D(raw) if raw else None}
    with pytest.raises(ValidationError) as refused:
        services_value.save_comparator(contract=world.contract_a, by=manager, **figures)
    assert refused.value.error_dict[field][0].code == code


def test_a_changed_comparator_keeps_the_old_figures_in_the_ledger(
    world: Any, manager: User
) -> None:
    services_value.save_comparator(contract=world.contract_a, by=manager, **COMPARATOR)
    services_value.save_comparator(
        contract=world.contract_a, by=manager, **(COMPARATOR | {"staff": D(20)})
    )
    assert InHouseComparator.objects.get().staff == D(20)
    latest = AuditEvent.objects.filter(action="in_house_comparator.save").order_by("-pk").first()
    assert latest is not None and latest.before is not None
    assert D(str(latest.before["staff"])) == D(24)
