"""A city's history: every month but the last approved, and the tenders of the year before.

``ensure_history`` tops a city up with it when the database lacks this version of it (its
marker table ``bench_city_history``): assessments, payment certificates and ratings for every
month but the assessed one, and ``TENDERS`` tenders with lots, bids, evaluators' scores and
awards. Its own random stream, so the evidence the builder wrote is unchanged.
"""

import random
import sys
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from parkpact.city.bulk import BATCH
from parkpact.city.database import HISTORY_TABLE
from parkpact.city.parameters import CityParameters, add_months, month_start

# Bump when the history below changes: a city whose history marker differs is topped up again
# (its history deleted and rewritten; the evidence above is kept).
HISTORY_VERSION = 2
TENDERS = 40
TENDER_STATUSES = (  # how the 40 tenders stand
    ["awarded"] * 28
    + ["unsuccessful"] * 3
    + ["evaluation"] * 3
    + ["active"] * 3
    + ["cancelled"] * 2
    + ["planned"]
)


def read_history_marker() -> int | None:
    from django.db import connection

    if HISTORY_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {HISTORY_TABLE}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else None


def write_history_marker() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (version INTEGER NOT NULL)")
        cursor.execute(f"DELETE FROM {HISTORY_TABLE}")  # noqa: S608
        cursor.execute(f"INSERT INTO {HISTORY_TABLE} VALUES (%s)", [HISTORY_VERSION])  # noqa: S608


def ensure_history(parameters: CityParameters, *, progress: bool = True) -> float | None:
    """Top the city up with its history when it lacks this version of it: every month but the
    last approved (assessment, payment certificate, rating), ``TENDERS`` past tenders with
    lots, bids, evaluators' scores and awards. Seconds taken, None when already there."""
    if read_history_marker() == HISTORY_VERSION:
        return None
    from django.db import transaction

    started = time.perf_counter()
    history = _History(parameters, progress=progress)
    with transaction.atomic():
        history.clear()
        history.approved_months()
        history.tenders()
        write_history_marker()
    return time.perf_counter() - started


def build_with_history(parameters: CityParameters, *, progress: bool = True) -> None:
    """The whole city into an empty, migrated database: the evidence, then its history."""
    from parkpact.city.build import build_city

    build_city(
        parks=parameters.parks,
        months=parameters.months,
        scale=parameters.scale,
        seed=parameters.seed,
        first_month=parameters.first,
        progress=progress,
    )
    ensure_history(parameters, progress=progress)


class _History:
    """Bulk inserts, like the builder; its own random stream, so the evidence is unchanged."""

    def __init__(self, parameters: CityParameters, *, progress: bool) -> None:
        self.p = parameters
        self.rng = random.Random(f"history:{parameters.seed}")
        self.progress = progress
        self.first = parameters.first
        self.months = [add_months(self.first, n) for n in range(parameters.months)]
        from parkpact.core.models import User

        self.manager = User.objects.get(username="city-manager")
        self.inspectors = list(
            User.objects.filter(username__startswith="city-inspector-").order_by("username")
        )

    def _log(self, message: str) -> None:
        if self.progress:
            print(f"[{datetime.now():%H:%M:%S}] city history: {message}", file=sys.stderr)

    def clear(self) -> None:
        from parkpact.assessments.models import Assessment, PaymentCertificate, Rating
        from parkpact.procurement.models import Award, Bid, BidScore, Tender
        from parkpact.publication.models import Release

        # Every release of a city comes from what the generator wrote: those of the history
        # rewritten here would name objects that are gone. publish_releases() writes them anew.
        Release.objects.all().delete()
        mine = Tender.objects.filter(reference__startswith="CITY-T-")
        Award.objects.filter(lot__tender__in=mine).delete()
        BidScore.objects.filter(bid__lot__tender__in=mine).delete()
        Bid.objects.filter(lot__tender__in=mine).delete()
        mine.delete()
        earlier = Assessment.objects.filter(
            contract__number__startswith="CITY-", month__lt=self.p.assessed_month
        )
        Rating.objects.filter(assessment__in=earlier).delete()
        PaymentCertificate.objects.filter(assessment__in=earlier).delete()
        earlier.delete()

    def approved_months(self) -> None:
        """Every month before the assessed one, approved ten days after it ended."""
        from parkpact.assessments.models import Assessment, Grade, PaymentCertificate, Rating
        from parkpact.contracts.models import ContractVersion

        versions = list(
            ContractVersion.objects.filter(contract__number__startswith="CITY-", number=1)
            .select_related("contract")
            .order_by("contract_id")
        )
        assessments, certificates, ratings = [], [], []
        cent = Decimal("0.01")
        for month in self.months[:-1]:
            ended = month_start(add_months(month, 1))
            for version in versions:
                score = Decimal(str(round(min(100.0, self.rng.gauss(91, 5)), 2)))
                grade = (
                    Grade.EXCEPTIONAL
                    if score >= 95
                    else Grade.VERY_GOOD
                    if score >= 90
                    else Grade.SATISFACTORY
                    if score >= 80
                    else Grade.MARGINAL
                    if score >= 70
                    else Grade.UNSATISFACTORY
                )
                assessment = Assessment(
                    contract=version.contract,
                    month=month,
                    version=version,
                    status=Assessment.Status.APPROVED,
                    score=score,
                    grade=grade,
                    payment_factor=Decimal(1),
                    bonus_rate=Decimal(0),
                    computed_at=ended + timedelta(days=2),
                    sent_at=ended + timedelta(days=2, hours=1),
                    appeal_deadline=(ended + timedelta(days=9)).date(),
                    approved_at=ended + timedelta(days=10),
                    approved_by=self.manager,
                )
                assessments.append(assessment)
                fee = version.monthly_fee
                deduction = (fee * (100 - score) / 200).quantize(cent)
                retention = ((fee - deduction) * version.retention_rate).quantize(cent)
                certificates.append(
                    PaymentCertificate(
                        assessment=assessment,
                        number=f"{version.contract.number}-PC-{month:%Y%m}",
                        fee=fee,
                        deduction=deduction,
                        bonus=Decimal(0),
                        adjustments=Decimal(0),
                        retention=retention,
                        retention_released=Decimal(0),
                        net=fee - deduction - retention,
                        status=PaymentCertificate.Status.APPROVED,
                        issued_at=ended + timedelta(days=10),
                        approved_by=self.manager,
                        approved_at=ended + timedelta(days=12),
                    )
                )
                ratings.append(
                    Rating(
                        provider_id=version.contract.provider_id,
                        contract=version.contract,
                        assessment=assessment,
                        month=month,
                        score=score,
                        grade=grade,
                    )
                )
        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        for certificate, rating, assessment in zip(certificates, ratings, assessments, strict=True):
            certificate.assessment = assessment
            rating.assessment = assessment
        PaymentCertificate.objects.bulk_create(certificates, batch_size=BATCH)
        Rating.objects.bulk_create(ratings, batch_size=BATCH)
        self._log(f"{len(assessments)} approved assessments, certificates and ratings")

    def tenders(self) -> None:
        """Tenders of the year before the city's contracts began (and a few still running),
        each lot one park's zones; an awarded lot's contract is that park's city contract."""
        from parkpact.contracts.models import Contract
        from parkpact.parks.models import Park
        from parkpact.procurement.demo import CLEANING_METHOD, SECURITY_METHOD
        from parkpact.procurement.models import (
            Award,
            Bid,
            BidScore,
            Criterion,
            Evaluator,
            Lot,
            Requirement,
            Tender,
        )
        from parkpact.providers.models import Provider, Qualification

        rng = self.rng
        contract_of: dict[tuple[int, str], Any] = {}
        for contract in Contract.objects.filter(number__startswith="CITY-").prefetch_related(
            "zones"
        ):
            for park_id in {zone.park_id for zone in contract.zones.all()}:
                contract_of[(park_id, contract.service_kind)] = contract
        park_zones: dict[int, list[int]] = {}
        for city_park in Park.objects.filter(code__startswith="city-").prefetch_related("zones"):
            park_zones[city_park.pk] = [zone.pk for zone in city_park.zones.all()]
        providers = {
            kind: list(Provider.objects.filter(short_name__startswith=prefix).order_by("pk"))
            for kind, prefix in (("cleaning", "CL"), ("security", "SE"))
        }
        slots = [(park, kind) for park in sorted(park_zones) for kind in ("cleaning", "security")]
        rng.shuffle(slots)
        city_start = month_start(self.first)
        city_end = month_start(add_months(self.first, self.p.months))

        tenders, lots_of = [], []
        for n, status in enumerate(TENDER_STATUSES[:TENDERS]):
            kind = "cleaning" if n % 2 == 0 else "security"
            running = status in {"active", "evaluation", "planned"}
            if running:  # the next term's tenders, around the city's last month
                opens = city_end - timedelta(days=rng.randrange(10, 40))
            else:
                opens = city_start - timedelta(days=rng.randrange(60, 360))
            closes = opens + timedelta(days=rng.randrange(20, 30))
            term_start = (closes + timedelta(days=40)).date().replace(day=1)
            tenders.append(
                Tender(
                    uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    reference=f"CITY-T-{n + 1:03}",
                    title=f"City parks {kind} services, batch {n + 1}",
                    description=f"Daily {kind} of the parks in the lots below.",
                    service_kind=kind,
                    status=status,
                    submission_start=opens,
                    submission_end=closes,
                    contract_start=term_start,
                    contract_end=add_months(term_start, 24) - timedelta(days=1),
                    published_at=None if status == "planned" else opens - timedelta(days=2),
                    status_changed_at=closes + timedelta(days=3),
                    created_by=self.manager,
                )
            )
            lot_count = rng.randint(1, 3)
            lots_of.append([slots.pop() for _ in range(lot_count) if slots])
        Tender.objects.bulk_create(tenders)
        requirements, criteria, evaluators, lots = [], [], [], []
        for tender, slots_here in zip(tenders, lots_of, strict=True):
            specific = (
                Qualification.Kind.CLEANING_GRADE
                if tender.service_kind == "cleaning"
                else Qualification.Kind.SECURITY_PERMIT
            )
            requirements += [
                Requirement(tender=tender, kind=Qualification.Kind.BUSINESS_LICENCE),
                Requirement(tender=tender, kind=specific),
            ]
            method = CLEANING_METHOD if tender.service_kind == "cleaning" else SECURITY_METHOD
            criteria += [
                Criterion(tender=tender, kind=k, name=name, weight=w, is_technical=t)
                for k, name, w, t in method
            ]
            evaluators += [
                Evaluator(tender=tender, user=user) for user in rng.sample(self.inspectors, 3)
            ]
            for number, (park, _kind) in enumerate(slots_here, start=1):
                lots.append(
                    Lot(
                        tender=tender,
                        number=number,
                        title=f"Lot {number}: park {park}",
                        budget_ceiling=Decimal(rng.randrange(100_000, 320_000, 1_000)),
                    )
                )
        Requirement.objects.bulk_create(requirements)
        Criterion.objects.bulk_create(criteria)
        Evaluator.objects.bulk_create(evaluators)
        Lot.objects.bulk_create(lots)
        slot_of_lot = [slot for slots_here in lots_of for slot in slots_here]
        through = Lot.zones.through
        through.objects.bulk_create(
            [
                through(lot_id=lot.pk, zone_id=zone)
                for lot, (park, _kind) in zip(lots, slot_of_lot, strict=True)
                for zone in park_zones[park]
            ]
        )
        judged_of: dict[int, list[Any]] = {}
        for criterion in criteria:
            if criterion.kind == Criterion.Kind.JUDGED:
                judged_of.setdefault(criterion.tender_id, []).append(criterion)
        panel_of: dict[int, list[Any]] = {}
        for evaluator in evaluators:
            panel_of.setdefault(evaluator.tender_id, []).append(evaluator)

        bids: list[Any] = []
        awards_to_make: list[tuple[Any, list[Any], Any]] = []
        for lot, (park, kind) in zip(lots, slot_of_lot, strict=True):
            tender = lot.tender
            if tender.status in {"planned", "cancelled"} and rng.random() < 0.8:
                continue
            bidders = rng.sample(providers[kind], rng.randint(3, 6))
            lot_bids = [
                Bid(
                    uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    lot=lot,
                    provider=provider,
                    price=(lot.budget_ceiling * Decimal(rng.uniform(0.72, 0.99))).quantize(
                        Decimal(1)
                    ),
                    submitted_by=self.manager,
                    submitted_at=tender.submission_start
                    + (tender.submission_end - tender.submission_start) * rng.random(),
                )
                for provider in bidders
            ]
            bids += lot_bids
            if tender.status == "awarded":
                awards_to_make.append((lot, lot_bids, contract_of.get((park, kind))))
        Bid.objects.bulk_create(bids, batch_size=BATCH)
        scores = []
        for bid in bids:
            tender = bid.lot.tender
            if tender.status not in {"evaluation", "awarded", "unsuccessful"}:
                continue
            for criterion in judged_of[tender.pk]:
                for evaluator in panel_of[tender.pk]:
                    scores.append(
                        BidScore(
                            bid=bid,
                            criterion=criterion,
                            evaluator=evaluator,
                            score=(criterion.weight * Decimal(rng.uniform(0.6, 1.0))).quantize(
                                Decimal("0.01")
                            ),
                            scored_at=tender.submission_end + timedelta(days=1),
                        )
                    )
        BidScore.objects.bulk_create(scores, batch_size=BATCH)
        awards = []
        for lot, lot_bids, contract in awards_to_make:
            ranked = sorted(lot_bids, key=lambda bid: bid.price)
            totals = sorted(
                (Decimal(rng.randrange(7000, 9600)) / 100 for _ in ranked), reverse=True
            )
            awards.append(
                Award(
                    lot=lot,
                    bid=ranked[0],
                    total_score=totals[0],
                    ranking=[
                        {
                            "bid": bid.pk,
                            "provider": bid.provider_id,
                            "total": str(total),
                            "rank": rank,
                        }
                        for rank, (bid, total) in enumerate(zip(ranked, totals, strict=True), 1)
                    ],
                    contract=contract,
                    decided_by=self.manager,
                    decided_at=lot.tender.submission_end + timedelta(days=3),
                )
            )
        Award.objects.bulk_create(awards)
        self._log(
            f"{len(tenders)} tenders, {len(lots)} lots, {len(bids)} bids, {len(scores)} scores,"
            f" {len(awards)} awards"
        )
