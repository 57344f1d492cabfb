"""Publishing OCDS releases: build each publishable object's release from its current state
and keep it only when it says something new."""

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.utils import timezone, translation

from parkpact.assessments.models import Assessment, PaymentCertificate
from parkpact.contracts.models import Amendment, Contract, ContractVersion
from parkpact.core.models import AuditEvent
from parkpact.core.services import record_event
from parkpact.procurement.models import Award, Bid, Lot, Tender

from . import ocds
from .models import Release

# The ledger actions that change a contract's status (contracts.services).
CONTRACT_STATUS_ACTIONS = ["contract.activate", "contract.ended", "contract.terminated"]


def publishable_drafts() -> Iterator[ocds.Draft]:
    """The release every publishable object would have now, a few queries per kind."""
    tenders = (
        Tender.objects.published()
        .annotate(tenderer_count=Count("lots__bids__provider", distinct=True))
        .prefetch_related(
            Prefetch(
                "lots",
                queryset=Lot.objects.select_related("award").prefetch_related("zones__park"),
            ),
            "criteria",
            "requirements",
        )
        .order_by("pk")
    )
    for tender in tenders:
        yield ocds.build_tender_release(
            tender,
            tenderer_count=tender.tenderer_count,  # type: ignore[attr-defined]
        )

    decided = Tender.objects.filter(status__in=ocds.BIDS_PUBLISHED_FROM).order_by("pk")
    bids_by_tender: dict[int, list[Bid]] = {}
    for bid in Bid.objects.filter(lot__tender__in=decided).select_related("provider", "lot"):
        bids_by_tender.setdefault(bid.lot.tender_id, []).append(bid)
    awards = list(Award.objects.select_related("bid__provider", "lot__tender").order_by("pk"))
    awards_by_tender: dict[int, list[Award]] = {}
    for award in awards:
        awards_by_tender.setdefault(award.lot.tender_id, []).append(award)
    for tender in decided:
        bids = bids_by_tender.get(tender.pk, [])
        if bids:
            yield ocds.build_bids_release(
                tender, bids=bids, awards=awards_by_tender.get(tender.pk, [])
            )
    for award in awards:
        yield ocds.build_award_release(award)

    contract_related = ["provider", "award__lot__tender"]
    changed_at: dict[str, datetime] = {}
    for object_id, at in AuditEvent.objects.filter(
        object_type=Contract._meta.label_lower, action__in=CONTRACT_STATUS_ACTIONS
    ).values_list("object_id", "at"):
        changed_at[object_id] = max(at, changed_at.get(object_id, at))
    contracts = (
        Contract.objects.exclude(status=Contract.Status.DRAFT)
        .select_related(*contract_related)
        .prefetch_related(
            "zones__park",
            Prefetch(
                "versions",
                queryset=ContractVersion.objects.filter(number=1),
                to_attr="signed_terms",
            ),
        )
        .order_by("pk")
    )
    for contract in contracts:
        yield ocds.build_contract_release(
            contract,
            signed_terms=contract.signed_terms[0],  # type: ignore[attr-defined]
            changed_at=changed_at.get(str(contract.pk)),
        )

    amendments = (
        Amendment.objects.filter(status=Amendment.Status.APPROVED, decided_at__isnull=False)
        .select_related("version", *(f"contract__{path}" for path in contract_related))
        .order_by("pk")
    )
    for amendment in amendments:
        yield ocds.build_amendment_release(amendment)

    assessments = (
        Assessment.objects.filter(status=Assessment.Status.APPROVED)
        .select_related(*(f"contract__{path}" for path in contract_related))
        .order_by("pk")
    )
    for assessment in assessments.iterator(chunk_size=1000):
        yield ocds.build_assessment_release(assessment)

    certificates = (
        PaymentCertificate.objects.filter(
            status=PaymentCertificate.Status.APPROVED, approved_at__isnull=False
        )
        .select_related(*(f"assessment__contract__{path}" for path in contract_related))
        .order_by("pk")
    )
    for certificate in certificates.iterator(chunk_size=1000):
        yield ocds.build_certificate_release(certificate)


def _latest_by_source() -> dict[str, tuple[int, str]]:
    """(sequence, content hash) of the newest release of every source, in one query."""
    newest = Release.objects.annotate(
        rank=Window(RowNumber(), partition_by=F("source"), order_by=F("sequence").desc())
    ).filter(rank=1)
    return {
        source: (sequence, content_hash)
        for source, sequence, content_hash in newest.values_list(
            "source", "sequence", "content_hash"
        )
    }


def _publish_once(now: datetime) -> int:
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        latest = _latest_by_source()
        new: list[Release] = []
        for draft in publishable_drafts():
            content_hash = draft.content_hash()
            sequence, last_hash = latest.get(draft.source, (0, ""))
            if content_hash == last_hash:
                continue
            identifier = ocds.release_id(
                ocid=draft.ocid, kind=draft.kind, object_id=draft.object_id, sequence=sequence + 1
            )
            new.append(
                Release(
                    ocid=draft.ocid,
                    release_id=identifier,
                    date=draft.date,
                    tags=draft.tags,
                    source=draft.source,
                    sequence=sequence + 1,
                    data=ocds.dumps(draft.release(identifier)),
                    content_hash=content_hash,
                    published_at=now,
                )
            )
        if not new:
            return 0
        Release.objects.bulk_create(new, batch_size=500)
        record_event(
            actor=None,
            action="ocds.publish",
            obj=Release.objects.get(release_id=new[-1].release_id),
            after={"releases": len(new), "ocids": len({release.ocid for release in new})},
        )
        return len(new)


def publish_releases(*, now: datetime | None = None) -> int:
    """Store a new release for every publishable object whose release changed since the last
    one (publishing again adds nothing); return how many were stored.

    Called by the worker's sweep and by ``export_ocds``. Should two publishers race, the
    loser's numbering collides with the winner's and it tries again from what is stored."""
    now = now or timezone.now()
    try:
        return _publish_once(now)
    except IntegrityError:
        return _publish_once(now)
