"""Publishing OCDS releases: every kind validates, ids and ocids follow the rules, and only a
change publishes anything new."""

import json
import re
from datetime import date
from typing import Any

import pytest
from django.db.models import Count

from conftest import World
from parkpact import testing
from parkpact.contracts.models import Contract
from parkpact.core.models import AuditEvent, User
from parkpact.procurement.models import Tender
from parkpact.publication import ocds
from parkpact.publication.models import Release
from parkpact.publication.services import publish_releases

from . import support
from .support import Process, errors_of


@pytest.fixture
def process(world: World, manager: User) -> Process:
    park = testing.make_park("West Lake")
    zones = [testing.make_zone(park, x=i) for i in range(3)]
    return support.run_process(manager, zones)


def releases_of(source: str) -> list[dict[str, object]]:
    rows = Release.objects.filter(source=source).order_by("sequence")
    return [json.loads(row.data) for row in rows]


@pytest.mark.skipif(not support.SHARED.is_dir(), reason="no ../shared/ocds beside this checkout")
@pytest.mark.parametrize(
    ("copy", "official"),
    [
        (ocds.RELEASE_SCHEMA_PATH, "release-schema-1.1.5+lots+bids+awardCriteria.json"),
        (support.PACKAGES / "release-package-schema.json", "1.1.5/release-package-schema.json"),
        (support.PACKAGES / "record-package-schema.json", "1.1.5/record-package-schema.json"),
    ],
)
def test_the_repository_keeps_the_official_schema_files(copy: Any, official: str) -> None:
    assert json.loads(copy.read_text()) == json.loads((support.SHARED / official).read_text())


def test_every_kind_of_release_validates_against_the_merged_schema(
    process: Process, manager: User, second_manager: User
) -> None:
    support.amend(process.contract, manager, second_manager)
    support.approve_month(process.contract, date(2026, 5, 1))

    assert publish_releases() > 0

    kinds = {row.split(":")[0] for row in Release.objects.values_list("source", flat=True)}
    assert kinds == {
        "tender",
        "bids",
        "award",
        "contract",
        "amendment",
        "assessment",
        "certificate",
    }
    validator = support.release_validator()
    for row in Release.objects.all():
        release = json.loads(row.data)
        assert errors_of(validator, release) == [], row.source
        assert release["date"] == ocds.timestamp(row.date)
        assert release["tag"] == row.tags


def test_the_tender_release_carries_lots_criteria_and_the_tenderer_count(
    process: Process,
) -> None:
    publish_releases()

    [release] = releases_of(f"tender:{process.tender.pk}")
    tender = release["tender"]
    assert release["tag"] == ["tenderUpdate"]
    assert tender["status"] == "complete"
    assert tender["numberOfTenderers"] == 3
    assert [lot["id"] for lot in tender["lots"]] == ["lot-1", "lot-2"]
    # 90,000 a month over 36 months.
    assert tender["lots"][0]["value"] == {"amount": 3_240_000.0, "currency": "CNY"}
    assert tender["lots"][0]["status"] == "complete"
    assert tender["lots"][1]["status"] == "complete"  # the tender is over
    criteria = tender["lots"][0]["awardCriteria"]["criteria"]
    assert [(c["type"], c["numbers"][0]["number"]) for c in criteria] == [
        ("price", 30.0),
        ("quality", 10.0),
        ("quality", 60.0),
    ]
    assert tender["awardCriteria"] == "ratedCriteria"
    assert release["buyer"] == tender["procuringEntity"]


def test_the_award_and_bids_name_the_companies_by_credit_code(process: Process) -> None:
    publish_releases()

    [award_release] = releases_of(f"award:{process.award.pk}")
    [award] = award_release["awards"]
    winner_id = f"CN-USCC-{process.winner.credit_code}"
    assert award["suppliers"] == [{"id": winner_id, "name": process.winner.name}]
    assert award["value"]["amount"] == 80_000 * 36
    assert award["relatedLots"] == ["lot-1"]
    [bids_release] = releases_of(f"bids:{process.tender.pk}")
    statuses = sorted(bid["status"] for bid in bids_release["bids"]["details"])
    assert statuses == ["disqualified", "valid", "valid"]
    parties = {party["id"]: party for party in bids_release["parties"]}
    assert parties[winner_id]["identifier"] == {
        "scheme": "CN-USCC",
        "id": process.winner.credit_code,
        "legalName": process.winner.name,
    }
    assert parties[winner_id]["roles"] == ["tenderer", "supplier", "payee"]
    assert parties[f"CN-USCC-{process.loser.credit_code}"]["roles"] == ["tenderer"]
    [contract_release] = releases_of(f"contract:{process.contract.pk}")
    assert contract_release["contracts"][0]["awardID"] == award["id"]
    assert contract_release["ocid"] == award_release["ocid"]


def test_bids_stay_unpublished_while_the_tender_is_open_or_evaluated(
    world: World, manager: User
) -> None:
    park = testing.make_park("West Lake")
    tender = support.make_tender(manager, [testing.make_zone(park, x=i) for i in range(3)])
    lot = tender.lots.get(number=1)
    support.bid(lot, world.provider_a, "80000", manager)

    publish_releases()
    assert not Release.objects.filter(source__startswith="bids:").exists()
    [release] = releases_of(f"tender:{tender.pk}")
    assert release["tag"] == ["tender"]
    assert "numberOfTenderers" not in release["tender"]
    assert "bids" not in release

    tender.status = Tender.Status.EVALUATION
    tender.save()
    publish_releases()
    assert not Release.objects.filter(source__startswith="bids:").exists()


def test_a_planned_tender_is_not_published(world: World, manager: User) -> None:
    park = testing.make_park("West Lake")
    tender = support.make_tender(manager, [testing.make_zone(park, x=i) for i in range(3)])
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.PLANNED)

    publish_releases()
    assert not Release.objects.filter(source=f"tender:{tender.pk}").exists()


def test_a_contract_without_a_tender_gets_its_own_ocid_and_a_synthetic_award(
    world: World, settings: object
) -> None:
    publish_releases()

    [release] = releases_of(f"contract:{world.contract_a.pk}")
    assert release["ocid"] == f"ocds-parkpact-{world.contract_a.number}"
    assert release["tag"] == ["award", "contract"]
    [award] = release["awards"]
    [contract] = release["contracts"]
    assert contract["awardID"] == award["id"]
    assert award["suppliers"][0]["id"] == f"CN-USCC-{world.provider_a.credit_code}"
    # 120,000 a month for the 24 months of 2026 and 2027.
    assert contract["value"]["amount"] == award["value"]["amount"] == 2_880_000.0
    assert contract["status"] == "active"


def test_the_ocid_prefix_is_a_setting(world: World, settings: object) -> None:
    settings.OCDS_OCID_PREFIX = "ocds-abc123"  # type: ignore[attr-defined]
    publish_releases()

    assert set(Release.objects.values_list("ocid", flat=True)) == {
        f"ocds-abc123-{world.contract_a.number}",
        f"ocds-abc123-{world.contract_b.number}",
    }


def test_ids_are_unique_and_ocids_carry_the_prefix(
    process: Process, manager: User, second_manager: User
) -> None:
    support.amend(process.contract, manager, second_manager)
    for month in (date(2026, 5, 1), date(2026, 6, 1)):
        support.approve_month(process.contract, month)
    publish_releases()

    rows = list(Release.objects.all())
    assert len({row.release_id for row in rows}) == len(rows)
    pattern = re.compile(r"^ocds-parkpact-[^\s]+$")
    for row in rows:
        release = json.loads(row.data)
        assert pattern.match(release["ocid"])
        assert release["id"] == row.release_id
        assert release["id"].startswith(f"{release['ocid']}-{row.source.split(':')[0]}-")
        assert release["id"].endswith(f"-{row.sequence}")
    # One process per tender: its contract's releases share the tender's ocid.
    tender_ocid = f"ocds-parkpact-{process.tender.reference}"
    contract_ocids = set(
        Release.objects.filter(
            source__in=[f"contract:{process.contract.pk}", f"award:{process.award.pk}"]
        ).values_list("ocid", flat=True)
    )
    assert contract_ocids == {tender_ocid}


def test_publishing_again_adds_nothing_and_a_change_adds_one_release(
    process: Process, manager: User
) -> None:
    first = publish_releases()
    assert first == Release.objects.count() > 0
    assert publish_releases() == 0
    assert Release.objects.count() == first

    contract_services_close(process.contract, manager)
    assert publish_releases() == 1
    [before, after] = releases_of(f"contract:{process.contract.pk}")
    assert before["id"] != after["id"]
    assert after["id"].endswith("-2")
    assert after["tag"] == ["contractTermination"]
    assert after["contracts"][0]["status"] == "terminated"
    assert after["date"] >= before["date"]
    assert publish_releases() == 0


def contract_services_close(contract: Contract, manager: User) -> None:
    from parkpact.contracts import services as contract_services

    contract_services.close_contract(
        contract=contract, status=Contract.Status.TERMINATED, by=manager, reason="Bankrupt"
    )


def test_an_approved_month_and_payment_are_milestone_and_transaction(
    process: Process,
) -> None:
    assessment = support.approve_month(process.contract, date(2026, 5, 1))
    publish_releases()

    [month] = releases_of(f"assessment:{assessment.pk}")
    [milestone] = month["contracts"][0]["implementation"]["milestones"]
    assert milestone["type"] == "assessment"
    assert milestone["id"] == "assessment-2026-05"
    assert milestone["status"] == "met"
    [payment] = releases_of(f"certificate:{assessment.certificate.pk}")
    [transaction] = payment["contracts"][0]["implementation"]["transactions"]
    assert transaction["value"] == {"amount": 75050.0, "currency": "CNY"}
    assert transaction["payer"]["id"] == "centre"
    assert transaction["payee"]["id"] == f"CN-USCC-{process.winner.credit_code}"


def test_an_unapproved_payment_is_not_published(process: Process) -> None:
    assessment = support.approve_month(process.contract, date(2026, 5, 1), paid=False)
    publish_releases()

    assert Release.objects.filter(source=f"assessment:{assessment.pk}").exists()
    assert not Release.objects.filter(source__startswith="certificate:").exists()


def test_publishing_writes_one_ledger_event_a_run(world: World) -> None:
    before = AuditEvent.objects.filter(action="ocds.publish").count()
    publish_releases()
    publish_releases()
    assert AuditEvent.objects.filter(action="ocds.publish").count() == before + 1


def test_each_source_is_numbered_from_one(process: Process) -> None:
    publish_releases()
    counts = Release.objects.values("source").annotate(n=Count("id"))
    assert {row["n"] for row in counts} == {1}
    assert set(Release.objects.values_list("sequence", flat=True)) == {1}


def test_the_sweep_is_registered() -> None:
    from parkpact.core.sweeps import registered_sweeps

    assert "publication.publish_releases" in {sweep.name for sweep in registered_sweeps()}
