"""The monthly workflow: compute → send → confirm or appeal → decide → approve → finance approves;
and each refusal, which changes nothing (no row, no ledger event)."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import World
from parkpact import testing
from parkpact.assessments import services
from parkpact.assessments.models import (
    Adjustment,
    Appeal,
    Assessment,
    CertificateLine,
    PaymentCertificate,
    Rating,
)
from parkpact.assessments.services import AppealRequest
from parkpact.contracts.models import PayBand
from parkpact.core.models import AuditEvent, Notification, User

from .helpers import (
    AFTER_WINDOW,
    APRIL,
    IN_WINDOW,
    MONTH,
    SENT_AT,
    computed,
    events,
    line,
    local,
    rows,
    sent,
)

pytestmark = pytest.mark.django_db

Status = Assessment.Status
D = Decimal


def refused(
    assessment: Assessment, action: Callable[[], Any], error: type = ValidationError
) -> Any:
    """Run an action that must be refused; check the assessment and the ledger are untouched."""
    before, count = rows(assessment), events()
    with pytest.raises(error) as caught:
        action()
    assert rows(assessment) == before
    assert events() == count
    return caught.value


def codes(error: ValidationError) -> set[str | None]:
    return {e.code for e in error.error_list} if hasattr(error, "error_list") else set()


def approve(assessment: Assessment, manager: User, now: Any = AFTER_WINDOW) -> PaymentCertificate:
    return services.approve_assessment(assessment=assessment, by=manager, now=now)


# ---- The happy paths -----------------------------------------------------------------------------


def test_it_goes_from_draft_to_payment(
    world: World, manager: User, provider_a_user: User, finance: User
) -> None:
    assessment = computed(world, manager)
    assert assessment.status == Status.DRAFT
    # CL-01: 5 failures × 2 = 10 (its cap); CL-02: 2 × 2 = 4 → score 100 − 14 = 86.
    assert assessment.score == D(86)
    assert assessment.grade == "satisfactory"
    assert assessment.payment_factor == D("0.86")

    assessment = services.send_assessment(assessment=assessment, by=manager, now=SENT_AT)
    assert assessment.status == Status.SENT
    assert assessment.appeal_deadline == date(2026, 4, 13)  # Monday + 5 working days
    assessment = services.confirm_assessment(
        assessment=assessment, by=provider_a_user, now=IN_WINDOW
    )
    assert assessment.status == Status.CONFIRMED
    assert assessment.responded_by == provider_a_user

    certificate = approve(assessment, manager, now=IN_WINDOW)  # confirmed: no need to wait
    assessment.refresh_from_db()
    assert assessment.status == Status.APPROVED
    assert assessment.approved_by == manager
    # Fee 120,000.00 × (1 − 0.86) = 16,800.00, split 10 : 4 → 12,000.00 and 4,800.00.
    # Payable 103,200.00; retention 5 % = 5,160.00; net 98,040.00.
    assert (certificate.fee, certificate.deduction, certificate.bonus) == (
        D("120000.00"),
        D("16800.00"),
        D("0.00"),
    )
    assert certificate.retention == D("5160.00")
    assert certificate.net == D("98040.00")
    deductions = certificate.lines.filter(kind=CertificateLine.Kind.DEDUCTION).order_by("label")
    assert [(d.label[:5], d.amount) for d in deductions] == [
        ("CL-01", D("12000.00")),
        ("CL-02", D("4800.00")),
    ]
    assert certificate.status == PaymentCertificate.Status.PENDING

    rating = Rating.objects.get(assessment=assessment)
    assert (rating.provider, rating.contract, rating.month) == (
        world.provider_a,
        world.contract_a,
        MONTH,
    )
    assert (rating.score, rating.grade) == (D(86), "satisfactory")

    certificate = services.approve_certificate(certificate=certificate, by=finance)
    assert certificate.status == PaymentCertificate.Status.APPROVED
    assert certificate.approved_by == finance
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert [a for a in actions if a.startswith(("assessment.", "certificate."))] == [
        "assessment.compute",
        "assessment.send",
        "assessment.confirm",
        "assessment.approve",
        "certificate.approve",
    ]


def test_an_unanswered_assessment_may_be_approved_once_the_window_closes(
    world: World, manager: User
) -> None:
    assessment = sent(world, manager)
    approve(assessment, manager, now=AFTER_WINDOW)
    assert Assessment.objects.get(pk=assessment.pk).status == Status.APPROVED


def test_an_upheld_appeal_removes_the_line_and_the_score_follows(
    world: World, manager: User, provider_a_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    assessment = sent(world, manager)
    cl01, cl02 = line(assessment, "CL-01"), line(assessment, "CL-02")
    photo = testing.photo_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        appeals = services.appeal_lines(
            assessment=assessment,
            by=provider_a_user,
            appeals=[
                AppealRequest(line=cl01, reason="The litter was the festival's."),
                AppealRequest(line=cl02, reason="The bin was emptied at 9:05.", photo=photo),
            ],
            now=IN_WINDOW,
        )
    assert Notification.objects.filter(user=manager).exists()
    assert Assessment.objects.get(pk=assessment.pk).status == Status.APPEALED
    assert appeals[1].photo_sha256 and not appeals[0].photo_sha256

    services.decide_appeal(appeal=appeals[0], by=manager, upheld=False, reason="Photos clear.")
    kept = line(assessment, "CL-01")
    assert (kept.points, kept.removed_reason) == (D(10), "")
    assert Assessment.objects.get(pk=assessment.pk).status == Status.APPEALED  # one pending

    services.decide_appeal(appeal=appeals[1], by=manager, upheld=True, reason="Log shows 9:05.")
    removed = line(assessment, "CL-02")
    assert (removed.points, removed.computed_points) == (D(0), D(4))
    assert removed.removed_reason == "Log shows 9:05."
    assessment.refresh_from_db()
    assert assessment.status == Status.DECIDED
    assert (assessment.score, assessment.grade) == (D(90), "very_good")
    assert assessment.payment_factor == 1
    assert Appeal.objects.get(pk=appeals[1].pk).status == Appeal.Status.UPHELD
    assert cl01.pk == kept.pk

    certificate = approve(assessment, manager, now=IN_WINDOW)
    # Score 90 pays the full fee: no deduction; retention 5 % of 120,000.00 = 6,000.00.
    assert certificate.deduction == 0
    assert certificate.net == D("114000.00")
    assert Rating.objects.get(assessment=assessment).grade == "very_good"
    event = AuditEvent.objects.filter(action="assessment.decide_appeal").order_by("pk").last()
    assert event is not None
    assert "Log shows 9:05." in str(event.after)


# ---- Refusals ------------------------------------------------------------------------------------


def test_it_refuses_an_appeal_after_the_window(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = sent(world, manager)
    request = AppealRequest(line=line(assessment, "CL-01"), reason="Too late?")
    error = refused(
        assessment,
        lambda: services.appeal_lines(
            assessment=assessment, by=provider_a_user, appeals=[request], now=AFTER_WINDOW
        ),
    )
    assert codes(error) == {"appeal_window_closed"}


def test_it_refuses_an_appeal_on_an_approved_assessment(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = sent(world, manager)
    services.confirm_assessment(assessment=assessment, by=provider_a_user, now=IN_WINDOW)
    approve(assessment, manager, now=IN_WINDOW)
    request = AppealRequest(line=line(assessment, "CL-01"), reason="Changed our mind.")
    error = refused(
        assessment,
        lambda: services.appeal_lines(
            assessment=assessment, by=provider_a_user, appeals=[request], now=IN_WINDOW
        ),
    )
    assert codes(error) == {"bad_transition"}


def test_it_refuses_to_appeal_a_line_that_deducts_nothing(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = sent(world, manager, failures={"CL-01": 2})
    request = AppealRequest(line=line(assessment, "CL-02"), reason="Nothing wrong.")
    error = refused(
        assessment,
        lambda: services.appeal_lines(
            assessment=assessment, by=provider_a_user, appeals=[request], now=IN_WINDOW
        ),
    )
    assert codes(error) == {"nothing_to_appeal"}


def test_it_refuses_an_appeal_without_a_reason_and_keeps_none_of_the_lot(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = sent(world, manager)
    good = AppealRequest(line=line(assessment, "CL-01"), reason="A reason.")
    blank = AppealRequest(line=line(assessment, "CL-02"), reason="   ")
    error = refused(
        assessment,
        lambda: services.appeal_lines(
            assessment=assessment, by=provider_a_user, appeals=[good, blank], now=IN_WINDOW
        ),
    )
    assert codes(error) == {"reason_required"}
    assert not Appeal.objects.exists()


def test_it_refuses_an_appeal_of_no_line(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = sent(world, manager)
    error = refused(
        assessment,
        lambda: services.appeal_lines(
            assessment=assessment, by=provider_a_user, appeals=[], now=IN_WINDOW
        ),
    )
    assert codes(error) == {"no_lines"}


@pytest.mark.parametrize("role", ["inspector", "finance", "auditor", "provider_a_user"])
def test_only_a_manager_approves(world: World, manager: User, role: str, request: Any) -> None:
    user = request.getfixturevalue(role)
    assessment = sent(world, manager)
    refused(assessment, lambda: approve(assessment, user), PermissionDenied)


def test_only_a_manager_sends_and_decides(
    world: World, manager: User, inspector: User, provider_a_user: User
) -> None:
    assessment = computed(world, manager)
    refused(
        assessment,
        lambda: services.send_assessment(assessment=assessment, by=inspector, now=SENT_AT),
        PermissionDenied,
    )
    services.send_assessment(assessment=assessment, by=manager, now=SENT_AT)
    (appeal,) = services.appeal_lines(
        assessment=assessment,
        by=provider_a_user,
        appeals=[AppealRequest(line=line(assessment, "CL-01"), reason="Why?")],
        now=IN_WINDOW,
    )
    refused(
        assessment,
        lambda: services.decide_appeal(appeal=appeal, by=provider_a_user, upheld=True, reason="Me"),
        PermissionDenied,
    )
    error = refused(
        assessment,
        lambda: services.decide_appeal(appeal=appeal, by=manager, upheld=True, reason=" "),
    )
    assert "reason" in error.message_dict


def test_another_company_can_neither_confirm_nor_appeal(
    world: World, manager: User, provider_b_user: User, provider_a_user: User
) -> None:
    assessment = sent(world, manager)
    refused(
        assessment,
        lambda: services.confirm_assessment(
            assessment=assessment, by=provider_b_user, now=IN_WINDOW
        ),
        PermissionDenied,
    )
    request = AppealRequest(line=line(assessment, "CL-01"), reason="Not ours.")
    refused(
        assessment,
        lambda: services.appeal_lines(
            assessment=assessment, by=provider_b_user, appeals=[request], now=IN_WINDOW
        ),
        PermissionDenied,
    )
    # Nor may company A appeal a line of another assessment through its own.
    other = computed(world, manager, contract=world.contract_b)
    services.send_assessment(assessment=other, by=manager, now=SENT_AT)
    foreign = AppealRequest(line=line(other, "CL-01"), reason="Sneaky.")
    refused(
        assessment,
        lambda: services.appeal_lines(
            assessment=assessment, by=provider_a_user, appeals=[foreign], now=IN_WINDOW
        ),
        PermissionDenied,
    )


def test_a_draft_cannot_be_confirmed_before_it_is_sent(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = computed(world, manager)
    error = refused(
        assessment,
        lambda: services.confirm_assessment(assessment=assessment, by=provider_a_user),
    )
    assert codes(error) == {"bad_transition"}


def test_it_refuses_to_recompute_a_sent_or_approved_month(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = sent(world, manager)

    def recompute() -> Assessment:
        return services.compute_assessment(
            contract=world.contract_a, month=MONTH, by=manager, now=local(APRIL.replace(day=20))
        )

    assert codes(refused(assessment, recompute)) == {"not_draft"}
    services.confirm_assessment(assessment=assessment, by=provider_a_user, now=IN_WINDOW)
    approve(assessment, manager, now=IN_WINDOW)
    assert codes(refused(assessment, recompute)) == {"not_draft"}
    done, failed = services.compute_month(
        month=MONTH, by=manager, contracts=[world.contract_a], now=local(APRIL.replace(day=20))
    )
    assert done == []
    assert [(c, codes(e)) for c, e in failed] == [(world.contract_a, {"not_draft"})]


def test_it_refuses_pay_bands_with_a_gap_and_writes_nothing(world: World, manager: User) -> None:
    PayBand.objects.filter(version__contract=world.contract_a, min_score=90).delete()
    count = events()
    with pytest.raises(ValidationError) as error:
        computed(world, manager)
    assert codes(error.value) == {"pay_bands_gap"}
    assert not Assessment.objects.exists()
    assert events() == count


def test_it_refuses_approval_while_the_provider_may_still_answer(
    world: World, manager: User
) -> None:
    assessment = sent(world, manager)
    error = refused(assessment, lambda: approve(assessment, manager, now=IN_WINDOW))
    assert codes(error) == {"appeal_window_open"}
    draft = computed(world, manager, contract=world.contract_b)
    assert codes(refused(draft, lambda: approve(draft, manager))) == {"bad_transition"}


def test_it_refuses_approval_while_appeals_are_pending(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = sent(world, manager)
    services.appeal_lines(
        assessment=assessment,
        by=provider_a_user,
        appeals=[AppealRequest(line=line(assessment, "CL-01"), reason="Why?")],
        now=IN_WINDOW,
    )
    assert codes(refused(assessment, lambda: approve(assessment, manager))) == {"bad_transition"}


def test_finance_alone_approves_a_certificate_and_only_once(
    world: World, manager: User, finance: User
) -> None:
    assessment = sent(world, manager)
    certificate = approve(assessment, manager)
    refused(
        assessment,
        lambda: services.approve_certificate(certificate=certificate, by=manager),
        PermissionDenied,
    )
    services.approve_certificate(certificate=certificate, by=finance)
    error = refused(
        assessment, lambda: services.approve_certificate(certificate=certificate, by=finance)
    )
    assert codes(error) == {"bad_transition"}


def test_it_refuses_to_approve_twice(world: World, manager: User) -> None:
    assessment = sent(world, manager)
    approve(assessment, manager)
    assert codes(refused(assessment, lambda: approve(assessment, manager))) == {"bad_transition"}
    assert PaymentCertificate.objects.count() == 1


# ---- Recompute, corrections, retention, ratings --------------------------------------------------


def test_recomputing_an_unchanged_draft_writes_nothing(world: World, manager: User) -> None:
    assessment = computed(world, manager)
    before, count = rows(assessment), events()
    again = services.compute_assessment(
        contract=world.contract_a, month=MONTH, by=manager, now=local(APRIL.replace(day=3))
    )
    assert again.pk == assessment.pk
    assert rows(assessment) == before
    assert events() == count


def test_recomputing_a_draft_after_new_evidence_rescores_it(world: World, manager: User) -> None:
    from .helpers import failed_findings

    assessment = computed(world, manager)
    failed_findings(world.contract_a, manager, {"CL-02": 1})
    count = events()
    again = services.compute_assessment(
        contract=world.contract_a, month=MONTH, by=manager, now=local(APRIL.replace(day=3))
    )
    assert again.pk == assessment.pk
    assert again.score == D(84)  # CL-02 now 3 × 2 = 6
    assert line(again, "CL-02").occurrences == 3
    assert events() == count + 1
    event = AuditEvent.objects.order_by("pk").last()
    assert event is not None and event.action == "assessment.compute"


def test_an_adjustment_is_paid_in_the_next_month_and_the_approved_month_stays(
    world: World, manager: User, provider_a_user: User
) -> None:
    march = sent(world, manager)
    approve(march, manager)
    with pytest.raises(ValidationError):
        services.make_adjustment(corrects=march, amount=D(0), reason="Nothing", by=manager)
    march_before = rows(march)
    adjustment = services.make_adjustment(
        corrects=march, amount=D("-500.00"), reason="Bins counted twice", by=manager
    )
    assert rows(march) == march_before
    assert AuditEvent.objects.filter(action="assessment.adjust").count() == 1

    april = computed(world, manager, month=APRIL)
    services.send_assessment(assessment=april, by=manager, now=local(date(2026, 5, 4), 9))
    services.confirm_assessment(assessment=april, by=provider_a_user)
    certificate = approve(april, manager, now=local(date(2026, 5, 5), 9))
    # Score 86 again: 120,000.00 − 16,800.00 − 500.00 = 102,700.00; retention 5 % = 5,135.00.
    assert certificate.adjustments == D("-500.00")
    assert certificate.retention == D("5135.00")
    assert certificate.net == D("97565.00")
    (carried,) = certificate.lines.filter(kind=CertificateLine.Kind.ADJUSTMENT)
    assert carried.amount == D("-500.00")
    assert "2026-03" in carried.label and "Bins counted twice" in carried.label
    adjustment.refresh_from_db()
    assert adjustment.applied_in == april
    assert rows(march) == march_before
    assert Adjustment.objects.get().corrects == march


def test_only_an_approved_month_can_be_corrected(world: World, manager: User) -> None:
    assessment = sent(world, manager)
    error = refused(
        assessment,
        lambda: services.make_adjustment(
            corrects=assessment, amount=D(10), reason="Early", by=manager
        ),
    )
    assert codes(error) == {"not_approved"}


def short_contract(manager: User) -> Any:
    park = testing.make_park("Xihu")
    zone = testing.make_zone(park)
    return testing.make_contract(
        testing.make_provider("Brief Co"),
        [zone],
        by=manager,
        start=date(2026, 2, 1),
        end=date(2026, 4, 30),
    )


def approve_months(world: World, manager: User, contract: Any, months: list[date]) -> list:
    certificates = []
    for month in months:
        assessment = computed(world, manager, contract=contract, month=month)
        following = month.replace(day=28)
        services.send_assessment(assessment=assessment, by=manager, now=local(following, 9))
        certificates.append(
            approve(assessment, manager, now=local(date(month.year, month.month + 1, 20), 9))
        )
    return certificates


def test_retention_is_released_in_the_contracts_last_month(world: World, manager: User) -> None:
    contract = short_contract(manager)
    feb, mar, apr = approve_months(world, manager, contract, [date(2026, 2, 1), MONTH, APRIL])
    # Each month scores 86: payable 103,200.00, retention 5,160.00 held.
    assert feb.retention == mar.retention == D("5160.00")
    assert feb.retention_released == mar.retention_released == 0
    # February's and March's, and April's own: all of it is paid back by the end.
    assert apr.retention_released == D("10320.00") + apr.retention == D("15480.00")
    assert apr.net == D("103200.00") + D("10320.00")


def test_all_retention_held_is_paid_back_by_the_end_of_the_contract(
    world: World, manager: User
) -> None:
    contract = short_contract(manager)
    certificates = approve_months(world, manager, contract, [date(2026, 2, 1), MONTH, APRIL])
    held = sum((c.retention for c in certificates), D(0))
    released = sum((c.retention_released for c in certificates), D(0))
    assert held == released


def test_three_months_in_a_row_below_the_termination_score_warn_the_managers(
    world: World,
    manager: User,
    second_manager: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    world.contract_a.versions.update(termination_score=D(90))  # each month scores 86
    months = [date(2026, 1, 1), date(2026, 2, 1), MONTH]
    with django_capture_on_commit_callbacks(execute=True):
        approve_months(world, manager, world.contract_a, months[:2])
    assert not Assessment.objects.filter(termination_warning=True).exists()
    assert not Notification.objects.filter(user=manager).exists()
    with django_capture_on_commit_callbacks(execute=True):
        approve_months(world, manager, world.contract_a, months[2:])
    march = Assessment.objects.get(contract=world.contract_a, month=MONTH)
    assert march.termination_warning
    assert AuditEvent.objects.filter(action="assessment.termination_warning").count() == 1
    for user in (manager, second_manager):
        notice = Notification.objects.get(user=user)
        assert notice.link == services.assessment_link(march)
        assert world.contract_a.number in notice.message
    assert Rating.objects.filter(contract=world.contract_a).count() == 3


def test_a_gap_month_breaks_the_run(world: World, manager: User) -> None:
    world.contract_a.versions.update(termination_score=D(90))
    approve_months(world, manager, world.contract_a, [date(2026, 1, 1)])
    approve_months(world, manager, world.contract_a, [MONTH, APRIL])  # no February
    assert not Assessment.objects.filter(termination_warning=True).exists()
