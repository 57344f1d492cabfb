"""The demo's tenders (procurement.demo), as `seed_demo` loads it.

The whole demo is loaded once for the module, inside a transaction rolled back at the end, with
its on-commit notifications run; each test reads it in a savepoint of its own.
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from parkpact.assessments.models import Rating
from parkpact.contracts.models import Contract
from parkpact.core.services import verify_ledger
from parkpact.procurement import services
from parkpact.procurement.demo import CLEANING_TENDER, SECURITY_TENDER
from parkpact.procurement.models import Award, Bid, Tender


@pytest.fixture
def loaded(demo_output: str, db: None) -> str:
    return demo_output


def test_it_awards_the_cleaning_tender_to_the_best_value_bid(loaded: str) -> None:
    tender = Tender.objects.get(reference=CLEANING_TENDER)
    assert tender.status == Tender.Status.AWARDED
    lot = tender.lots.get()
    assert lot.bids.count() == 3
    award = Award.objects.get(lot=lot)
    assert award.bid.provider.short_name == "洁美环境"
    contract = award.contract
    assert contract is not None
    assert contract.status == Contract.Status.DRAFT
    assert contract.number == f"{CLEANING_TENDER}-1"
    assert set(contract.zones.all()) == set(lot.zones.all())
    assert contract.versions.get(number=1).monthly_fee == award.bid.price
    assert (contract.start_date, contract.end_date) == (tender.contract_start, tender.contract_end)


def test_it_computes_past_performance_from_the_real_ratings(loaded: str) -> None:
    tender = Tender.objects.get(reference=CLEANING_TENDER)
    result = services.evaluate_lot(tender.lots.get())
    by_name = {r.bid.provider.short_name: r for r in result.results}
    assert set(by_name) == {"洁美环境", "清源物业"}  # the abnormally low bid was rejected
    jiemei, qingyuan = by_name["洁美环境"], by_name["清源物业"]
    cutoff = timezone.localdate(tender.submission_end).replace(day=1)
    rated = (
        Rating.objects.filter(provider=jiemei.bid.provider, month__lt=cutoff)
        .values("month")
        .distinct()
        .count()
    )
    assert jiemei.past_performance_on_history and jiemei.rated_months == rated > 0
    if timezone.localdate().year == 2026 and timezone.localdate().month == 12:
        assert rated == 11
    assert not qingyuan.past_performance_on_history
    past = tender.criteria.get(kind="past_performance")
    assert qingyuan.by_criterion[past.pk] == Decimal("9.00")  # 60 % of 15
    assert jiemei.rank == 1 and jiemei.bid.price > qingyuan.bid.price
    assert result.flags == []
    assert not result.scores_missing


def test_it_rejects_the_abnormally_low_bid_after_its_explanation(loaded: str) -> None:
    low = Bid.objects.get(lot__tender__reference=CLEANING_TENDER, provider__short_name="天禾环境")
    assert low.status == Bid.Status.REJECTED
    assert low.explanation_status == Bid.Explanation.REJECTED
    assert low.explanation and low.explanation_decision_reason
    assert low.abnormal_triggers == ["below_mean_of_others", "below_second_lowest", "below_ceiling"]
    assert low.proposal_sha256 and low.proposal.name.endswith(".pdf")


def test_it_has_a_conflicted_evaluator_who_never_scored_that_company(loaded: str) -> None:
    tender = Tender.objects.get(reference=CLEANING_TENDER)
    second = tender.evaluators.get(user__username="inspector2")
    assert [p.short_name for p in second.conflicts.all()] == ["清源物业"]
    assert not second.scores.filter(bid__provider__short_name="清源物业").exists()
    assert second.scores.exists()
    assert tender.evaluators.count() == 2


def test_it_has_an_open_security_tender_with_one_bid(loaded: str) -> None:
    tender = Tender.objects.get(reference=SECURITY_TENDER)
    now = timezone.now()
    assert tender.status == Tender.Status.ACTIVE
    assert tender.submission_start <= now <= tender.submission_end
    assert [b.provider.short_name for b in Bid.objects.filter(lot__tender=tender)] == ["安泰保安"]


def test_it_is_idempotent_and_keeps_the_ledger_sound(loaded: str) -> None:
    counts = (Tender.objects.count(), Bid.objects.count(), Award.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Tender.objects.count(), Bid.objects.count(), Award.objects.count()) == counts
    assert verify_ledger().intact
