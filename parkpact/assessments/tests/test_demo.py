"""The demo's monthly assessments (assessments.demo), as `seed_demo` loads it.

The whole demo is loaded once for the module, inside a transaction rolled back at the end, with
its on-commit notifications run; each test reads it in a savepoint of its own.
"""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from parkpact.assessments.models import (
    Adjustment,
    Appeal,
    Assessment,
    CertificateLine,
    PaymentCertificate,
    Rating,
)
from parkpact.contracts.models import Contract
from parkpact.core.services import verify_ledger
from parkpact.inspections.demo import history_months
from parkpact.inspections.services import first_of_month

Status = Assessment.Status
CLEANING, SECURITY = "QZGY-2026-001", "QZGY-2026-002"


@pytest.fixture
def loaded(demo_output: str, db: None) -> str:
    return demo_output


def months_of(number: str) -> list[date]:
    contract = Contract.objects.get(number=number)
    this_month = first_of_month(timezone.localdate())
    return [m for m in history_months(contract, timezone.localdate()) if m <= this_month]


def scores(number: str, month_numbers: set[int]) -> list[Decimal]:
    return [
        a.score
        for a in Assessment.objects.filter(contract__number=number)
        if a.month.month in month_numbers
    ]


def test_it_assesses_every_month_of_the_history_and_leaves_this_one_a_draft(loaded: str) -> None:
    this_month = first_of_month(timezone.localdate())
    for number in (CLEANING, SECURITY):
        months = months_of(number)
        assessments = Assessment.objects.filter(contract__number=number)
        assert sorted(assessments.values_list("month", flat=True)) == months
        if timezone.localdate().year == 2026:
            assert len(months) == 12
        assert assessments.get(month=this_month).status == Status.DRAFT
        assert set(assessments.exclude(month=this_month).values_list("status", flat=True)) == {
            Status.APPROVED
        }


def test_every_approved_month_has_an_approved_certificate_and_a_rating(loaded: str) -> None:
    for assessment in Assessment.objects.filter(status=Status.APPROVED):
        certificate = assessment.certificate
        assert certificate.status == PaymentCertificate.Status.APPROVED
        assert certificate.approved_by is not None and certificate.approved_by.username == "finance"
        rating = Rating.objects.get(assessment=assessment)
        assert (rating.score, rating.grade) == (assessment.score, assessment.grade)
        sent, approved, paid = assessment.sent_at, assessment.approved_at, certificate.approved_at
        assert sent is not None and approved is not None and paid is not None
        assert sent < approved <= paid <= timezone.now()
    assert not Rating.objects.filter(assessment__status=Status.DRAFT).exists()


def test_each_certificate_adds_up_line_by_line(loaded: str) -> None:
    certificates = PaymentCertificate.objects.all()
    assert certificates.count() >= 2
    for certificate in certificates:
        lines = CertificateLine.objects.filter(certificate=certificate)
        deductions = sum(
            (line.amount for line in lines.filter(kind=CertificateLine.Kind.DEDUCTION)),
            Decimal(0),
        )
        adjustments = sum(
            (line.amount for line in lines.filter(kind=CertificateLine.Kind.ADJUSTMENT)),
            Decimal(0),
        )
        assert deductions == certificate.deduction
        assert adjustments == certificate.adjustments
        assert certificate.net == (
            certificate.fee
            - certificate.deduction
            + certificate.bonus
            + certificate.adjustments
            - certificate.retention
            + certificate.retention_released
        )


def test_the_cleaning_company_has_a_bad_summer(loaded: str) -> None:
    spring, summer = scores(CLEANING, {3, 4, 5}), scores(CLEANING, {6, 7, 8})
    if len(spring) < 3 or len(summer) < 3:
        pytest.skip("the history does not hold a whole spring and summer")
    assert sum(summer) / 3 < sum(spring) / 3 - 5
    assert max(summer) < max(spring)


def test_one_appeal_is_upheld_and_one_dismissed(loaded: str) -> None:
    upheld = Appeal.objects.get(status=Appeal.Status.UPHELD)
    assert upheld.line.assessment.contract.number == CLEANING
    assert upheld.line.assessment.month.month == 7
    assert upheld.line.standard.code == "CL-02"
    assert upheld.decided_by is not None and upheld.decided_by.username == "manager2"
    assert "停水" in upheld.reason and upheld.decision_reason and upheld.photo
    assert upheld.line.points == 0 and upheld.line.removed_reason == upheld.decision_reason
    assert upheld.line.computed_points > 0

    dismissed = Appeal.objects.get(status=Appeal.Status.DISMISSED)
    assert dismissed.line.assessment.month.month == 8
    assert dismissed.line.points == dismissed.line.computed_points > 0
    assert Appeal.objects.count() == 2


def test_the_security_company_earns_its_bonus_in_april(loaded: str) -> None:
    bonus = PaymentCertificate.objects.filter(bonus__gt=0)
    assert bonus.exists()
    assert not bonus.filter(assessment__contract__number=CLEANING).exists()
    for certificate in PaymentCertificate.objects.select_related("assessment"):
        earned = certificate.assessment.score >= 95
        assert (certificate.bonus > 0) == earned
        if earned:
            assert certificate.bonus == certificate.fee * Decimal("0.02")
    april = Assessment.objects.filter(contract__number=SECURITY, month__month=4).first()
    if april is not None:
        assert april.lines.get(standard__code="SE-03").points == 0


def test_the_security_companys_patrol_lapses_show_but_the_year_stays_good(loaded: str) -> None:
    security = Assessment.objects.filter(contract__number=SECURITY, status=Status.APPROVED)
    patrolled = [
        a.lines.get(standard__code="SE-01")
        for a in security
        if a.lines.get(standard__code="SE-01").available
    ]
    assert patrolled, "the patrol history reaches into an ended month"
    for line in patrolled:
        assert 0 < line.points < 20
    assert sum(1 for a in security if a.score >= 90) >= len(security) * 2 / 3


def test_a_correction_to_an_approved_month_is_paid_in_the_next_certificate(loaded: str) -> None:
    adjustment = Adjustment.objects.get()
    assert adjustment.corrects.status == Status.APPROVED
    assert adjustment.applied_in is not None
    assert adjustment.applied_in.month > adjustment.corrects.month
    certificate = adjustment.applied_in.certificate
    assert certificate.adjustments == adjustment.amount
    assert certificate.lines.filter(kind=CertificateLine.Kind.ADJUSTMENT).count() == 1
    assert adjustment.corrects.certificate.adjustments == 0


def test_it_records_the_workflow_in_an_intact_ledger(loaded: str) -> None:
    assert verify_ledger().intact


def test_it_adds_nothing_when_run_again(loaded: str) -> None:
    before = {model._meta.label: model._default_manager.count() for model in apps.get_models()}
    head = verify_ledger().head
    out = StringIO()

    call_command("seed_demo", stdout=out)

    after = {model._meta.label: model._default_manager.count() for model in apps.get_models()}
    assert after == before
    assert verify_ledger().head == head
