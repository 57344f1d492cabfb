"""The procurement services from the tender to the contract draft, and every bad input of the
issue refused with a clear message and nothing changed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World
from parkpact import testing
from parkpact.assessments import services as assessment_services
from parkpact.assessments.tests.helpers import AFTER_WINDOW, computed
from parkpact.contracts.models import Contract
from parkpact.core.models import Role, User
from parkpact.procurement import services
from parkpact.procurement.models import Award, Bid, BidScore, Criterion, Tender

from .helpers import (
    AFTER,
    DURING,
    END,
    START,
    Bidder,
    bid,
    bidder,
    draft,
    lot_of,
    published,
    qualify,
    score_all,
    state,
)

pytestmark = pytest.mark.django_db

Status = Tender.Status


def refused(code: str, action: object, *args: object, **kwargs: object) -> ValidationError:
    """Run the action, expect a refusal with ``code`` and no change at all."""
    before = state()
    with pytest.raises(ValidationError) as caught:
        action(*args, **kwargs)  # type: ignore[operator]
    error = caught.value
    parts = (
        [e for errors in error.error_dict.values() for e in errors]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    assert code in {part.code for part in parts}, parts
    assert all(str(message) for message in error.messages)
    assert state() == before
    return error


@pytest.fixture
def tender(world: World, manager: User) -> Tender:
    return published(manager, world.zones[:2])


@pytest.fixture
def two(world: World) -> tuple[Bidder, Bidder]:
    return bidder("Alpha"), bidder("Beta")


# ---- The scoring method --------------------------------------------------------------------------


def test_it_refuses_to_publish_weights_not_adding_up_to_100(world: World, manager: User) -> None:
    tender = draft(
        manager,
        world.zones,
        method=[
            (Criterion.Kind.PRICE, "Price", Decimal(30), False),
            (Criterion.Kind.JUDGED, "Plan", Decimal(60), True),
        ],
    )
    error = refused(
        "weights_not_100", services.publish_tender, tender=tender, by=manager, now=START
    )
    assert "90" in " ".join(error.messages)
    assert [e.code for e in services.method_errors(tender)] == ["weights_not_100"]
    assert Tender.objects.get(pk=tender.pk).status == Status.PLANNED


def test_it_refuses_to_publish_a_price_weight_under_10(world: World, manager: User) -> None:
    tender = draft(
        manager,
        world.zones,
        method=[
            (Criterion.Kind.PRICE, "Price", Decimal(8), False),
            (Criterion.Kind.JUDGED, "Plan", Decimal(92), True),
        ],
    )
    refused("price_weight_too_low", services.publish_tender, tender=tender, by=manager, now=START)


def test_it_publishes_a_sound_tender_and_then_freezes_its_method(
    tender: Tender, manager: User
) -> None:
    assert tender.status == Status.ACTIVE
    assert tender.published_at is not None
    refused(
        "tender_published",
        services.add_criterion,
        tender=tender,
        by=manager,
        kind=Criterion.Kind.JUDGED,
        name="More",
        weight=Decimal(5),
    )


def test_it_lets_only_managers_build_tenders(world: World, inspector: User) -> None:
    with pytest.raises(PermissionDenied):
        services.create_tender(
            by=inspector,
            reference="X-1",
            title="x",
            service_kind="cleaning",
            submission_start=START,
            submission_end=END,
            contract_start=date(2027, 1, 1),
            contract_end=date(2027, 12, 31),
        )


# ---- Bids ----------------------------------------------------------------------------------------


def test_it_takes_a_bid_inside_the_period(tender: Tender, two: tuple[Bidder, Bidder]) -> None:
    alpha, _beta = two
    made = bid(tender, alpha.user, "90000")
    assert made.status == Bid.Status.VALID
    assert made.proposal_sha256 and made.proposal.name.endswith(".pdf")


def test_it_refuses_a_bid_after_the_deadline(tender: Tender, two: tuple[Bidder, Bidder]) -> None:
    refused(
        "outside_period",
        services.submit_bid,
        lot=lot_of(tender),
        by=two[0].user,
        price=Decimal(90000),
        now=END + timedelta(seconds=1),
    )


def test_it_refuses_a_bid_before_the_start(tender: Tender, two: tuple[Bidder, Bidder]) -> None:
    refused(
        "outside_period",
        services.submit_bid,
        lot=lot_of(tender),
        by=two[0].user,
        price=Decimal(90000),
        now=START - timedelta(seconds=1),
    )


def test_it_refuses_a_bid_from_an_ineligible_company(tender: Tender, world: World) -> None:
    user = testing.make_provider_user(testing.make_provider("Unlicensed"))
    error = refused(
        "not_eligible",
        services.submit_bid,
        lot=lot_of(tender),
        by=user,
        price=Decimal(90000),
        now=DURING,
    )
    assert "Unlicensed" in " ".join(error.messages)


def test_it_counts_an_expired_qualification_as_missing(tender: Tender) -> None:
    provider = testing.make_provider("Lapsed")
    qualify(provider, valid_until=date(2026, 4, 30))  # the day before bids open
    user = testing.make_provider_user(provider)
    refused(
        "not_eligible",
        services.submit_bid,
        lot=lot_of(tender),
        by=user,
        price=Decimal(90000),
        now=DURING,
    )


@pytest.mark.parametrize("price", ["0", "-1", "-90000.00"])
def test_it_refuses_a_non_positive_price(
    tender: Tender, two: tuple[Bidder, Bidder], price: str
) -> None:
    refused(
        "price_not_positive",
        services.submit_bid,
        lot=lot_of(tender),
        by=two[0].user,
        price=Decimal(price),
        now=DURING,
    )


def test_it_refuses_a_price_above_the_ceiling(tender: Tender, two: tuple[Bidder, Bidder]) -> None:
    refused(
        "above_ceiling",
        services.submit_bid,
        lot=lot_of(tender),
        by=two[0].user,
        price=Decimal("100000.01"),
        now=DURING,
    )


def test_it_refuses_a_second_bid_until_the_first_is_withdrawn(
    tender: Tender, two: tuple[Bidder, Bidder]
) -> None:
    alpha = two[0]
    first = bid(tender, alpha.user, "90000")
    refused(
        "already_bid",
        services.submit_bid,
        lot=lot_of(tender),
        by=alpha.user,
        price=Decimal(85000),
        now=DURING,
    )
    services.withdraw_bid(bid=first, by=alpha.user, now=DURING)
    assert bid(tender, alpha.user, "85000").price == Decimal(85000)


def test_it_refuses_a_proposal_that_is_not_a_pdf(
    tender: Tender, two: tuple[Bidder, Bidder]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused(
        "not_a_pdf",
        services.submit_bid,
        lot=lot_of(tender),
        by=two[0].user,
        price=Decimal(90000),
        proposal=SimpleUploadedFile("x.pdf", b"MZ not a pdf"),
        now=DURING,
    )


def test_it_lets_only_the_bidder_withdraw(tender: Tender, two: tuple[Bidder, Bidder]) -> None:
    alpha, beta = two
    made = bid(tender, alpha.user, "90000")
    with pytest.raises(PermissionDenied):
        services.withdraw_bid(bid=made, by=beta.user, now=DURING)


# ---- Closing, abnormally low bids and explanations -----------------------------------------------


def test_it_refuses_to_close_before_the_deadline(tender: Tender, manager: User) -> None:
    refused("period_not_over", services.close_submissions, tender=tender, by=manager, now=DURING)


def close_with_low_bid(tender: Tender, manager: User) -> tuple[Bid, Bid, Bid, Bidder]:
    """Three bids: 90,000, 95,000 and 40,000 (below half the others' mean of 92,500, below
    half the second-lowest 90,000 and below 45 % of the 100,000 ceiling)."""
    alpha, beta, gamma = bidder("Alpha"), bidder("Beta"), bidder("Gamma")
    a = bid(tender, alpha.user, "90000")
    b = bid(tender, beta.user, "95000")
    c = bid(tender, gamma.user, "40000")
    services.close_submissions(tender=tender, by=manager, now=AFTER)
    return a, b, Bid.objects.get(pk=c.pk), gamma


def test_it_asks_the_abnormally_low_bidder_to_explain(tender: Tender, manager: User) -> None:
    a, b, low, _gamma = close_with_low_bid(tender, manager)
    assert Tender.objects.get(pk=tender.pk).status == Status.EVALUATION
    assert low.explanation_status == Bid.Explanation.REQUESTED
    assert low.abnormal_triggers == [
        "below_mean_of_others",
        "below_second_lowest",
        "below_ceiling",
    ]
    for normal in (a, b):
        assert Bid.objects.get(pk=normal.pk).explanation_status == Bid.Explanation.NOT_NEEDED


def test_it_refuses_an_award_before_explanations_are_decided(tender: Tender, manager: User) -> None:
    _a, _b, low, gamma = close_with_low_bid(tender, manager)
    refused("explanations_pending", services.award_lot, lot=lot_of(tender), by=manager)
    services.explain_bid(bid=low, by=gamma.user, text="We own the equipment already.")
    refused("explanations_pending", services.award_lot, lot=lot_of(tender), by=manager)
    assert not Award.objects.exists()


def test_it_rejects_the_bid_whose_explanation_is_rejected(tender: Tender, manager: User) -> None:
    _a, _b, low, gamma = close_with_low_bid(tender, manager)
    refused("explanation_required", services.explain_bid, bid=low, by=gamma.user, text="  ")
    services.explain_bid(bid=low, by=gamma.user, text="Volunteers will do part of the work.")
    refused("explanation_not_awaited", services.explain_bid, bid=low, by=gamma.user, text="More")
    services.decide_explanation(
        bid=low, by=manager, accept=False, reason="Wages below the legal minimum."
    )
    low.refresh_from_db()
    assert low.status == Bid.Status.REJECTED
    assert low.explanation_status == Bid.Explanation.REJECTED
    result = services.evaluate_lot(lot_of(tender))
    assert [r.bid.provider.name for r in result.results] == [
        b.provider.name for b in Bid.objects.valid().order_by("price")
    ]


def test_it_keeps_the_bid_whose_explanation_is_accepted(tender: Tender, manager: User) -> None:
    _a, _b, low, gamma = close_with_low_bid(tender, manager)
    services.explain_bid(bid=low, by=gamma.user, text="We own the equipment already.")
    services.decide_explanation(bid=low, by=manager, accept=True, reason="Plausible.")
    low.refresh_from_db()
    assert (low.status, low.explanation_status) == (Bid.Status.VALID, Bid.Explanation.ACCEPTED)


# ---- Evaluators ----------------------------------------------------------------------------------


def evaluating(
    tender: Tender, manager: User, inspector: User, two: tuple[Bidder, Bidder]
) -> tuple[Bid, Bid]:
    alpha, beta = two
    a = bid(tender, alpha.user, "80000")
    b = bid(tender, beta.user, "100000")
    services.add_evaluator(tender=tender, by=manager, user=inspector, conflicts=[beta.provider])
    services.close_submissions(tender=tender, by=manager, now=AFTER)
    return a, b


def test_it_refuses_an_evaluator_scoring_twice(
    tender: Tender, manager: User, inspector: User, two: tuple[Bidder, Bidder]
) -> None:
    a, _b = evaluating(tender, manager, inspector, two)
    plan = tender.criteria.get(name="Technical plan")
    services.score_bid(bid=a, criterion=plan, by=inspector, score=Decimal(30))
    refused(
        "already_scored",
        services.score_bid,
        bid=a,
        criterion=plan,
        by=inspector,
        score=Decimal(35),
    )
    assert BidScore.objects.get().score == Decimal(30)


def test_it_refuses_a_conflicted_evaluator(
    tender: Tender, manager: User, inspector: User, two: tuple[Bidder, Bidder]
) -> None:
    _a, b = evaluating(tender, manager, inspector, two)
    plan = tender.criteria.get(name="Technical plan")
    error = refused(
        "conflicted", services.score_bid, bid=b, criterion=plan, by=inspector, score=Decimal(30)
    )
    assert two[1].provider.name in " ".join(error.messages)


def test_it_refuses_scores_out_of_range_and_outsiders(
    tender: Tender,
    manager: User,
    inspector: User,
    finance: User,
    two: tuple[Bidder, Bidder],
) -> None:
    a, _b = evaluating(tender, manager, inspector, two)
    plan = tender.criteria.get(name="Technical plan")
    price = tender.criteria.get(kind=Criterion.Kind.PRICE)
    refused("score_range", services.score_bid, bid=a, criterion=plan, by=inspector, score=41)
    refused("not_judged", services.score_bid, bid=a, criterion=price, by=inspector, score=1)
    with pytest.raises(PermissionDenied):
        services.score_bid(bid=a, criterion=plan, by=finance, score=Decimal(30))


def test_it_puts_only_centre_staff_on_the_panel(
    tender: Tender, manager: User, two: tuple[Bidder, Bidder]
) -> None:
    refused(
        "not_centre_staff",
        services.add_evaluator,
        tender=tender,
        by=manager,
        user=two[0].user,
        conflicts=[],
    )


# ---- Evaluation and award ------------------------------------------------------------------------


def test_it_evaluates_and_awards_the_lot_creating_the_contract_draft(
    world: World, manager: User, inspector: User
) -> None:
    tender = published(manager, world.zones[:2])
    second = testing.make_user(Role.INSPECTOR, "inspector2")
    alpha, beta = bidder("Alpha"), bidder("Beta")
    a = bid(tender, alpha.user, "80000")
    b = bid(tender, beta.user, "100000")
    services.add_evaluator(tender=tender, by=manager, user=inspector, conflicts=[])
    services.add_evaluator(tender=tender, by=manager, user=second, conflicts=[beta.provider])
    services.close_submissions(tender=tender, by=manager, now=AFTER)
    refused("scores_missing", services.award_lot, lot=lot_of(tender), by=manager)
    # Alpha: plan (30 + 34) ÷ 2 = 32, staffing (15 + 16) ÷ 2 = 15.5; Beta: plan 38, staffing 18
    # (its only evaluator: the second declared a conflict)
    score_all(tender, inspector, {a.pk: ("30", "15"), b.pk: ("38", "18")})
    score_all(tender, second, {a.pk: ("34", "16")})
    result = services.evaluate_lot(lot_of(tender))
    assert not result.scores_missing
    assert result.flags == []
    by_name = {r.bid.provider.name: r for r in result.results}
    alpha_result, beta_result = by_name[alpha.provider.name], by_name[beta.provider.name]
    # price: Alpha is the lowest, 30.00; Beta 80,000 ÷ 100,000 × 30 = 24.00
    # past performance: neither has a ParkPact rating, neutral 60 % of 10 = 6.00
    # Alpha: 30 + 6 + 32 + 15.5 = 83.50; Beta: 24 + 6 + 38 + 18 = 86.00 → Beta first
    assert alpha_result.total == Decimal("83.50")
    assert beta_result.total == Decimal("86.00")
    assert not beta_result.past_performance_on_history
    assert [r.rank for r in result.results] == [1, 2]
    assert result.results[0].bid.pk == b.pk

    award = services.award_lot(lot=lot_of(tender), by=manager)
    contract = award.contract
    assert contract is not None
    assert contract.status == Contract.Status.DRAFT
    assert contract.provider == beta.provider
    assert set(contract.zones.all()) == set(world.zones[:2])
    assert contract.versions.get(number=1).monthly_fee == Decimal("100000.00")
    assert (contract.start_date, contract.end_date) == (tender.contract_start, tender.contract_end)
    assert contract.service_kind == tender.service_kind
    assert award.total_score == Decimal("86.00")
    assert [row["rank"] for row in award.ranking] == [1, 2]
    assert Tender.objects.get(pk=tender.pk).status == Status.AWARDED
    refused("not_in_evaluation", services.award_lot, lot=lot_of(tender), by=manager)


def test_it_breaks_a_tie_by_the_lower_price(world: World, manager: User) -> None:
    tender = published(
        manager,
        world.zones[:1],
        method=[(Criterion.Kind.PRICE, "Price", Decimal(100), False)],
    )
    alpha, beta = bidder("Alpha"), bidder("Beta")
    bid(tender, alpha.user, "90000")
    bid(tender, beta.user, "90000")
    services.close_submissions(tender=tender, by=manager, now=AFTER)
    result = services.evaluate_lot(lot_of(tender))
    # both 100.00 at the same price: the earlier bid ranks first; the lot is flagged
    assert [r.total for r in result.results] == [Decimal("100.00"), Decimal("100.00")]
    assert result.results[0].bid.provider == alpha.provider
    assert result.flags == ["identical_prices"]


def test_it_flags_a_single_bidder(world: World, manager: User) -> None:
    tender = published(manager, world.zones[:1])
    bid(tender, bidder().user, "90000")
    services.close_submissions(tender=tender, by=manager, now=AFTER)
    assert services.evaluate_lot(lot_of(tender)).flags == ["single_bidder"]


def test_it_computes_past_performance_from_parkpact_ratings(
    world: World, manager: User, provider_a_user: User
) -> None:
    # Contract A's March 2026 is assessed at 86 and approved: its rating is the history.
    assessment = computed(world, manager)
    assessment_services.send_assessment(assessment=assessment, by=manager, now=AFTER_WINDOW)
    assessment_services.approve_assessment(assessment=assessment, by=manager)
    score = assessment.rating.score
    assert score == Decimal(86)
    # March is one month before April, the month before bids close in May: months_ago 1
    assert [
        (r.months_ago, r.score) for r in services.past_ratings(world.provider_a.pk, END.date(), 36)
    ] == [(1, score)]
    tender = published(manager, world.zones[:1])
    qualify(world.provider_a)
    other = bidder("New")
    bid(tender, provider_a_user, "90000")
    bid(tender, other.user, "95000")
    services.close_submissions(tender=tender, by=manager, now=AFTER)
    result = services.evaluate_lot(lot_of(tender))
    points = {
        r.bid.provider_id: (r.by_criterion[tender.criteria.get(name="Past performance").pk], r)
        for r in result.results
    }
    # 86 % of 10 points = 8.60, from one rated month; the newcomer gets the neutral 6.00
    value, mine = points[world.provider_a.pk]
    assert (value, mine.past_performance_on_history, mine.rated_months) == (
        Decimal("8.60"),
        True,
        1,
    )
    value, theirs = points[other.provider.pk]
    assert (value, theirs.past_performance_on_history) == (Decimal("6.00"), False)


def test_it_marks_a_tender_unsuccessful_or_cancels_it_with_a_reason(
    world: World, manager: User
) -> None:
    tender = published(manager, world.zones[:1])
    with pytest.raises(ValidationError) as caught:
        services.cancel_tender(tender=tender, by=manager, reason=" ")
    assert "reason" in caught.value.message_dict
    services.close_submissions(tender=tender, by=manager, now=AFTER)
    refused("no_valid_bids", services.award_lot, lot=lot_of(tender), by=manager)
    services.mark_unsuccessful(tender=tender, by=manager, reason="No bid was received.")
    tender.refresh_from_db()
    assert (tender.status, tender.status_reason) == (Status.UNSUCCESSFUL, "No bid was received.")
    refused("bad_transition", services.cancel_tender, tender=tender, by=manager, reason="Late")


def test_it_keeps_prices_sealed_until_submissions_close(
    tender: Tender, manager: User, two: tuple[Bidder, Bidder]
) -> None:
    made = bid(tender, two[0].user, "90000")
    assert not services.bid_is_visible_price(made)
    services.close_submissions(tender=tender, by=manager, now=AFTER)
    assert services.bid_is_visible_price(Bid.objects.get(pk=made.pk))


def test_it_keeps_prices_sealed_when_cancelled_while_open(
    world: World, manager: User, two: tuple[Bidder, Bidder]
) -> None:
    now = timezone.now()
    tender = published(
        manager, world.zones[:1], start=now - timedelta(days=1), end=now + timedelta(days=9)
    )
    made = bid(tender, two[0].user, "90000", at=now)
    services.cancel_tender(tender=tender, by=manager, reason="The budget was withdrawn.")
    assert not services.bid_is_visible_price(Bid.objects.get(pk=made.pk))
