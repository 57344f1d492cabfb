"""OCDS 1.1.5 releases built from ParkPact's current state, one builder per kind of release.

The builders only read the objects they are given (prefetched by services.publish_releases)
and return a Draft: the release without its id, which the service numbers and stores when it
differs from the last one published for the same object. Mapping and ids: docs/ocds.md.

No person is ever named here: parties are the centre and companies (name and unified social
credit code); assessments publish their month, score and rating, never who approved them.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpact.contracts.models import Contract
from parkpact.procurement.models import Award, Bid, Tender

if TYPE_CHECKING:
    from ocdsmerge import Merger

    from parkpact.assessments.models import Assessment, PaymentCertificate
    from parkpact.contracts.models import Amendment, ContractVersion
    from parkpact.procurement.models import Criterion, Lot
    from parkpact.providers.models import Provider

Json = dict[str, Any]

PACKAGE_VERSION = "1.1"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_awardCriteria_extension/master/extension.json",
]
# The 1.1.5 release schema with the three extensions applied (the same file as in the shared
# OCDS folder): ocdsmerge reads its merge rules from it, so compiling needs no network.
RELEASE_SCHEMA_PATH = (
    Path(__file__).parent / "schema" / "release-schema-1.1.5+lots+bids+awardCriteria.json"
)
CURRENCY = "CNY"
CENTRE_PARTY_ID = "centre"
PROVIDER_SCHEME = "CN-USCC"

TENDER_STATUS: dict[str, str] = {
    Tender.Status.ACTIVE: "active",
    Tender.Status.EVALUATION: "active",
    Tender.Status.AWARDED: "complete",
    Tender.Status.CANCELLED: "cancelled",
    Tender.Status.UNSUCCESSFUL: "unsuccessful",
}
TENDER_TAG: dict[str, str] = {
    Tender.Status.ACTIVE: "tender",
    Tender.Status.CANCELLED: "tenderCancellation",
}
# Bids are published from the award on, never while the tender is open or being evaluated.
BIDS_PUBLISHED_FROM = {Tender.Status.AWARDED, Tender.Status.UNSUCCESSFUL}
BID_STATUS: dict[str, str] = {
    Bid.Status.VALID: "valid",
    Bid.Status.REJECTED: "disqualified",
    Bid.Status.WITHDRAWN: "withdrawn",
}
CONTRACT_STATUS: dict[str, str] = {
    Contract.Status.DRAFT: "pending",
    Contract.Status.ACTIVE: "active",
    # OCDS has one code for a contract no longer in force, whether it ran its term or not.
    Contract.Status.ENDED: "terminated",
    Contract.Status.TERMINATED: "terminated",
}


@dataclass(frozen=True)
class Draft:
    """A release before it is numbered: where it comes from and its content without ``id``."""

    source: str  # "<kind>:<object id>", e.g. "tender:12"
    ocid: str
    date: datetime
    tags: list[str]
    body: Json

    @property
    def kind(self) -> str:
        return self.source.split(":", 1)[0]

    @property
    def object_id(self) -> str:
        return self.source.split(":", 1)[1]

    def content_hash(self) -> str:
        """SHA-256 of the canonical content: the same state always gives the same hash."""
        canonical = json.dumps(self.body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def release(self, release_id: str) -> Json:
        """The release with its id, keys in the order the standard lists them."""
        return {"ocid": self.body["ocid"], "id": release_id, **self.body}


def release_id(*, ocid: str, kind: str, object_id: str, sequence: int) -> str:
    """Unique and stable: the process, what was published, and how many times it was."""
    return f"{ocid}-{kind}-{object_id}-{sequence}"


def dumps(value: Any) -> str:
    """The JSON text stored and served: compact UTF-8."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- values ---------------------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def start_of_day(day: date) -> datetime:
    """Midnight at the start of a day, in the centre's time zone."""
    return timezone.make_aware(datetime.combine(day, time()))


def day_stamp(day: date) -> str:
    return timestamp(start_of_day(day))


def term_months(start: date, end: date) -> int:
    """The months a term covers, a part month counting as one (1 Jan – 31 Dec is 12)."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day > start.day:
        months += 1
    return max(months, 1)


def money(amount: Decimal) -> Json:
    # Amounts are fen-exact decimals; a float's shortest repr writes them back unchanged.
    return {"amount": float(amount), "currency": CURRENCY}


def period(start: date, end: date) -> Json:
    return {"startDate": day_stamp(start), "endDate": day_stamp(end) if end else None}


def language_code() -> str:
    return settings.LANGUAGE_CODE.split("-")[0].lower()


# --- ids and parties --------------------------------------------------------------------


def tender_ocid(tender: Tender) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{tender.reference}"


def contract_award(contract: Contract) -> Award | None:
    return getattr(contract, "award", None)


def contract_ocid(contract: Contract) -> str:
    """The tender's process for a contract that came from one; else the contract's own (the
    Donghu contracts were signed before ParkPact)."""
    award = contract_award(contract)
    if award is not None:
        return tender_ocid(award.lot.tender)
    return f"{settings.OCDS_OCID_PREFIX}-{contract.number}"


def lot_id(lot: "Lot") -> str:
    return f"lot-{lot.number}"


def award_id(award: Award) -> str:
    return f"award-{award.pk}"


def contract_award_id(contract: Contract) -> str:
    """The award a contract implements; a contract signed without a ParkPact tender gets a
    synthetic award, published in its contract release."""
    award = contract_award(contract)
    return award_id(award) if award is not None else f"award-{contract.number}"


def centre_party() -> Json:
    return {
        "id": CENTRE_PARTY_ID,
        "name": settings.PARKPACT_CENTRE_NAME,
        "roles": ["buyer", "procuringEntity", "payer"],
    }


def centre_reference() -> Json:
    return {"id": CENTRE_PARTY_ID, "name": settings.PARKPACT_CENTRE_NAME}


def provider_party_id(provider: "Provider") -> str:
    return f"{PROVIDER_SCHEME}-{provider.credit_code}"


def provider_reference(provider: "Provider") -> Json:
    return {"id": provider_party_id(provider), "name": provider.name}


def provider_party(provider: "Provider", *, tenderer: bool, supplier: bool) -> Json:
    """A company as a party. Its roles depend only on its place in the process, so every
    release of the process gives the same roles and the compiled release keeps them."""
    roles = (["tenderer"] if tenderer else []) + (["supplier", "payee"] if supplier else [])
    return {
        **provider_reference(provider),
        "identifier": {
            "scheme": PROVIDER_SCHEME,
            "id": provider.credit_code,
            "legalName": provider.name,
        },
        "roles": roles,
    }


def _envelope(*, ocid: str, moment: datetime, tags: list[str]) -> Json:
    return {
        "ocid": ocid,
        "date": timestamp(moment),
        "tag": tags,
        "initiationType": "tender",
        "language": language_code(),
        "buyer": centre_reference(),
    }


def _contract_parties(contract: Contract) -> list[Json]:
    from_tender = contract_award(contract) is not None
    return [centre_party(), provider_party(contract.provider, tenderer=from_tender, supplier=True)]


# --- tender -----------------------------------------------------------------------------


def _award_criteria(criteria: "Iterable[Criterion]") -> Json:
    """The scoring method in the awardCriteria extension: each criterion with its points."""
    from parkpact.procurement.models import Criterion

    kinds: dict[str, str] = {Criterion.Kind.PRICE: "price"}
    return {
        "criteria": [
            {
                "type": kinds.get(criterion.kind, "quality"),
                "name": criterion.name,
                "description": criterion.get_kind_display(),
                "numbers": [{"number": float(criterion.weight), "weight": "pointsExact"}],
            }
            for criterion in criteria
        ]
    }


def _criteria_details(criteria: "Iterable[Criterion]") -> str:
    parts = [
        _("%(name)s: %(points)s points (%(kind)s)")
        % {"name": c.name, "points": c.weight, "kind": c.get_kind_display()}
        for c in criteria
    ]
    method = _(
        "Comprehensive scoring: the price score is the lowest valid price divided by the bid's "
        "price, times the price points; the highest total wins, ties go to the lower price."
    )
    return " ".join([method, *parts]) if parts else method


def _lot_description(lot: "Lot", months: int) -> str:
    zones = sorted(lot.zones.all(), key=lambda zone: (zone.park.name, zone.code))
    places = "; ".join(f"{zone.park.name} {zone.name}" for zone in zones)
    return _("%(places)s. Monthly budget ceiling CNY %(ceiling)s over %(months)s months.") % {
        "places": places or _("No zones listed"),
        "ceiling": lot.budget_ceiling,
        "months": months,
    }


def _lot_status(lot: "Lot", tender: Tender) -> str:
    if getattr(lot, "award", None) is not None:
        return "complete"
    return TENDER_STATUS[tender.status]


def build_tender_release(tender: Tender, *, tenderer_count: int) -> Draft:
    """The call for bids and where it stands. Expects lots (with zones, parks, award),
    criteria and requirements prefetched."""
    months = term_months(tender.contract_start, tender.contract_end)
    lots = list(tender.lots.all())
    criteria = list(tender.criteria.all())
    requirements = list(tender.requirements.all())
    moment = whole_seconds(tender.status_changed_at or tender.published_at or tender.created_at)
    tags = [TENDER_TAG.get(tender.status, "tenderUpdate")]
    award_criteria = _award_criteria(criteria) if criteria else None
    section: Json = {
        "id": tender.reference,
        "title": tender.title,
        "description": tender.description or None,
        "status": TENDER_STATUS[tender.status],
        "procuringEntity": centre_reference(),
        "value": money(sum((lot.budget_ceiling for lot in lots), Decimal(0)) * months),
        "procurementMethod": "open",
        "procurementMethodDetails": _("Open tender, comprehensive scoring"),
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": _criteria_details(criteria),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": timestamp(tender.submission_start),
            "endDate": timestamp(tender.submission_end),
        },
        "contractPeriod": period(tender.contract_start, tender.contract_end),
        "items": [
            {
                "id": lot_id(lot),
                "description": f"{tender.get_service_kind_display()}: {lot.title}",
                "quantity": months,
                "unit": {"name": _("month")},
                "relatedLot": lot_id(lot),
            }
            for lot in lots
        ],
        "lots": [
            {
                "id": lot_id(lot),
                "title": lot.title,
                "description": _lot_description(lot, months),
                "status": _lot_status(lot, tender),
                "value": money(lot.budget_ceiling * months),
                "contractPeriod": period(tender.contract_start, tender.contract_end),
                **({"awardCriteria": award_criteria} if award_criteria else {}),
            }
            for lot in lots
        ],
    }
    if requirements:
        section["eligibilityCriteria"] = "; ".join(
            f"{r.get_kind_display()}{': ' + r.description if r.description else ''}"
            for r in requirements
        )
    if tender.status != Tender.Status.ACTIVE:
        section["numberOfTenderers"] = tenderer_count
    body = {
        **_envelope(ocid=tender_ocid(tender), moment=moment, tags=tags),
        "parties": [centre_party()],
        "tender": {k: v for k, v in section.items() if v is not None},
    }
    return Draft(f"tender:{tender.pk}", tender_ocid(tender), moment, tags, body)


def bids_are_public(tender: Tender) -> bool:
    return tender.status in BIDS_PUBLISHED_FROM


def build_bids_release(tender: Tender, *, bids: "list[Bid]", awards: list[Award]) -> Draft:
    """Every bid with its bidder, price and status, once the tender is decided."""
    months = term_months(tender.contract_start, tender.contract_end)
    moments = [award.decided_at for award in awards] + [
        tender.status_changed_at or tender.submission_end
    ]
    moment = whole_seconds(max(moments))
    winners = {award.bid.provider_id for award in awards}
    providers = {bid.provider_id: bid.provider for bid in bids}
    tags = ["tenderUpdate"]
    body = {
        **_envelope(ocid=tender_ocid(tender), moment=moment, tags=tags),
        "parties": [
            centre_party(),
            *(
                provider_party(provider, tenderer=True, supplier=provider.pk in winners)
                for provider in sorted(providers.values(), key=lambda p: p.credit_code)
            ),
        ],
        "tender": {
            "id": tender.reference,
            "numberOfTenderers": len(providers),
            "tenderers": [
                provider_reference(p)
                for p in sorted(providers.values(), key=lambda p: p.credit_code)
            ],
        },
        "bids": {
            "details": [
                {
                    "id": f"bid-{bid.pk}",
                    "date": timestamp(whole_seconds(bid.submitted_at)),
                    "status": BID_STATUS[bid.status],
                    "tenderers": [provider_reference(bid.provider)],
                    "value": money(bid.price * months),
                    "relatedLots": [lot_id(bid.lot)],
                }
                for bid in sorted(bids, key=lambda b: b.pk)
            ]
        },
    }
    return Draft(f"bids:{tender.pk}", tender_ocid(tender), moment, tags, body)


# --- award, contract, amendment ---------------------------------------------------------


def build_award_release(award: Award) -> Draft:
    """The decision for one lot: the winning company and its price over the term."""
    tender = award.lot.tender
    months = term_months(tender.contract_start, tender.contract_end)
    provider = award.bid.provider
    moment = whole_seconds(award.decided_at)
    tags = ["award"]
    body = {
        **_envelope(ocid=tender_ocid(tender), moment=moment, tags=tags),
        "parties": [centre_party(), provider_party(provider, tenderer=True, supplier=True)],
        "awards": [
            {
                "id": award_id(award),
                "title": award.lot.title,
                "status": "active",
                "date": timestamp(moment),
                "value": money(award.bid.price * months),
                "suppliers": [provider_reference(provider)],
                "contractPeriod": period(tender.contract_start, tender.contract_end),
                "relatedLots": [lot_id(award.lot)],
                "relatedBid": f"bid-{award.bid.pk}",
            }
        ],
    }
    return Draft(f"award:{award.pk}", tender_ocid(tender), moment, tags, body)


def _contract_value(contract: Contract, version: "ContractVersion") -> Json:
    return money(version.monthly_fee * term_months(contract.start_date, contract.end_date))


def build_contract_release(
    contract: Contract, *, signed_terms: "ContractVersion", changed_at: datetime | None
) -> Draft:
    """The contract as signed (version 1 of its terms) and its status. ``changed_at`` is when
    it was activated or closed, from the ledger; the signing day when the ledger has none."""
    award = contract_award(contract)
    ocid = contract_ocid(contract)
    day = contract.signed_on or contract.start_date
    moment = whole_seconds(changed_at or start_of_day(day))
    closed = contract.status in (Contract.Status.ENDED, Contract.Status.TERMINATED)
    tags = ["contractTermination" if closed else "contract"]
    body: Json = {"parties": _contract_parties(contract)}
    if award is None:
        tags = ["award", *tags]
        body["awards"] = [
            {
                "id": contract_award_id(contract),
                "title": contract.title,
                "description": _("Awarded before ParkPact; published with the contract."),
                "status": "active",
                "date": day_stamp(day),
                "value": _contract_value(contract, signed_terms),
                "suppliers": [provider_reference(contract.provider)],
                "contractPeriod": period(contract.start_date, contract.end_date),
            }
        ]
    zones = sorted(contract.zones.all(), key=lambda zone: (zone.park.name, zone.code))
    body["contracts"] = [
        {
            "id": contract.number,
            "awardID": contract_award_id(contract),
            "title": contract.title,
            "description": "; ".join(f"{zone.park.name} {zone.name}" for zone in zones)
            or contract.get_service_kind_display(),
            "status": CONTRACT_STATUS[contract.status],
            "period": period(contract.start_date, contract.end_date),
            "value": _contract_value(contract, signed_terms),
            **({"dateSigned": day_stamp(contract.signed_on)} if contract.signed_on else {}),
        }
    ]
    body = {**_envelope(ocid=ocid, moment=moment, tags=tags), **body}
    return Draft(f"contract:{contract.pk}", ocid, moment, tags, body)


def build_amendment_release(amendment: "Amendment") -> Draft:
    """An approved change of terms: the rationale, and the contract's value under them."""
    contract = amendment.contract
    ocid = contract_ocid(contract)
    assert amendment.decided_at is not None  # approved amendments are decided
    moment = whole_seconds(amendment.decided_at)
    version = amendment.version
    tags = ["contractAmendment"]
    body = {
        **_envelope(ocid=ocid, moment=moment, tags=tags),
        "parties": _contract_parties(contract),
        "contracts": [
            {
                "id": contract.number,
                "awardID": contract_award_id(contract),
                "value": _contract_value(contract, version),
                "amendments": [
                    {
                        "id": f"amendment-{amendment.pk}",
                        "date": timestamp(moment),
                        "rationale": amendment.reason,
                        "description": _(
                            "Terms version %(number)s in force from %(day)s: monthly fee CNY %(fee)s."
                        )
                        % {
                            "number": version.number,
                            "day": version.effective_from.isoformat(),
                            "fee": version.monthly_fee,
                        },
                    }
                ],
            }
        ],
    }
    return Draft(f"amendment:{amendment.pk}", ocid, moment, tags, body)


# --- implementation ---------------------------------------------------------------------


def build_assessment_release(assessment: "Assessment") -> Draft:
    """An approved month as an implementation milestone of type ``assessment`` (in 1.1.5's
    milestoneType codelist): its month, score and rating."""
    contract = assessment.contract
    ocid = contract_ocid(contract)
    assert assessment.approved_at is not None  # approved assessments have their time
    moment = whole_seconds(assessment.approved_at)
    month = assessment.month.strftime("%Y-%m")
    tags = ["implementation"]
    milestone = {
        "id": f"assessment-{month}",
        "title": _("Monthly assessment %(month)s") % {"month": month},
        "type": "assessment",
        "code": assessment.grade,
        "description": _("Score %(score)s of 100, rating: %(rating)s.")
        % {"score": assessment.score, "rating": assessment.get_grade_display()},
        "status": "met",
        "dueDate": day_stamp(_month_end(assessment.month)),
        "dateMet": timestamp(moment),
    }
    body = {
        **_envelope(ocid=ocid, moment=moment, tags=tags),
        "parties": _contract_parties(contract),
        "contracts": [
            {
                "id": contract.number,
                "awardID": contract_award_id(contract),
                "implementation": {"milestones": [milestone]},
            }
        ],
    }
    return Draft(f"assessment:{assessment.pk}", ocid, moment, tags, body)


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def build_certificate_release(certificate: "PaymentCertificate") -> Draft:
    """A payment finance approved, as an implementation transaction: net payable, from the
    centre to the provider."""
    contract = certificate.assessment.contract
    ocid = contract_ocid(contract)
    assert certificate.approved_at is not None  # approved certificates have their time
    moment = whole_seconds(certificate.approved_at)
    tags = ["implementation"]
    body = {
        **_envelope(ocid=ocid, moment=moment, tags=tags),
        "parties": _contract_parties(contract),
        "contracts": [
            {
                "id": contract.number,
                "awardID": contract_award_id(contract),
                "implementation": {
                    "transactions": [
                        {
                            "id": certificate.number,
                            "date": timestamp(moment),
                            "value": money(certificate.net),
                            "payer": centre_reference(),
                            "payee": provider_reference(contract.provider),
                        }
                    ]
                },
            }
        ],
    }
    return Draft(f"certificate:{certificate.pk}", ocid, moment, tags, body)


# --- packages ---------------------------------------------------------------------------


def publisher() -> Json:
    return {"name": settings.PARKPACT_CENTRE_NAME}


def package_head(*, uri: str, published: datetime) -> Json:
    return {
        "uri": uri,
        "version": PACKAGE_VERSION,
        "extensions": EXTENSIONS,
        "publisher": publisher(),
        "publishedDate": timestamp(whole_seconds(published)),
    }


def stream_release_package(
    rows: Iterable[tuple[int, datetime, str]],
    *,
    uri: str,
    published: datetime,
    page_size: int,
    next_uri: Callable[[datetime, int], str],
) -> Iterator[str]:
    """A release package as text chunks: the head, then each stored release as it is read,
    then ``links.next`` when a row beyond the page shows there is more. ``rows`` are
    (pk, date, JSON text) in keyset order, at most ``page_size + 1`` of them."""
    head = dumps(package_head(uri=uri, published=published))
    yield head[:-1] + ',"releases":['
    last: tuple[int, datetime] | None = None
    for count, (pk, moment, data) in enumerate(rows):
        if count == page_size:
            assert last is not None
            yield "]," + dumps({"links": {"next": next_uri(last[1], last[0])}})[1:]
            return
        yield ("," if count else "") + data
        last = (pk, moment)
    yield "]}"


@cache
def merger() -> "Merger":
    """One ocdsmerge Merger for the process, with its rules read from the local schema."""
    from ocdsmerge import Merger

    schema = json.loads(RELEASE_SCHEMA_PATH.read_text())
    return Merger(schema=schema)


def compile_record(*, ocid: str, releases: list[Json], linked: list[Json]) -> Json:
    """The record of one process: its releases (linked) and the compiled release."""
    return {
        "ocid": ocid,
        "releases": linked,
        "compiledRelease": merger().create_compiled_release(releases),
    }
