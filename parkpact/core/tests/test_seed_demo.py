"""`manage.py seed_demo`: the Donghu demo loads completely and validly, and only once.

Core imports no other app, not even in its tests: the demo's models are looked up by label.
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from shapely.geometry import shape

from parkpact.core.models import AuditEvent, User
from parkpact.core.services import verify_ledger

# Square metres per square degree near Donghu Park (24.9° N), to size overlaps.
M2_PER_SQUARE_DEGREE = 101_021 * 110_771

LOGINS = ["admin", "manager", "manager2", "inspector", "finance", "auditor"]
PROVIDER_LOGINS = ["cleaner", "guard", "bidder"]

Park = apps.get_model("parks", "Park")
Zone = apps.get_model("parks", "Zone")
Facility = apps.get_model("parks", "Facility")
Provider = apps.get_model("providers", "Provider")
Contract = apps.get_model("contracts", "Contract")


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def demo(demo_output: str, db: None) -> str:
    return demo_output


def test_it_loads_the_demo_and_prints_the_logins(demo: str) -> None:
    assert "Loaded the Donghu demo" in demo
    for username in LOGINS + PROVIDER_LOGINS:
        assert User.objects.get(username=username).check_password("donghu2016")
        assert f"\n{username} " in demo
    assert "donghu2016" in demo
    assert "泉州市公园管理中心" in demo
    assert "洁美环境" in demo and "安泰保安" in demo and "清源物业" in demo


def test_it_records_everything_in_an_intact_ledger(demo: str) -> None:
    verdict = verify_ledger()
    assert verdict.intact
    assert verdict.count == AuditEvent.objects.count() > 100
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"user.create", "zone.create", "facility.create", "provider.create"} <= actions
    assert {"contract.activate", "amendment.approve"} <= actions


def test_it_changes_nothing_when_run_again(demo: str) -> None:
    before = row_counts()
    head = verify_ledger().head

    again = seed_demo()

    assert row_counts() == before
    assert verify_ledger().head == head
    assert "already loaded" in again
    assert "manager2" in again


def test_it_draws_donghu_as_non_overlapping_zones_of_plausible_area(demo: str) -> None:
    zones = list(Zone.objects.filter(park__code="donghu"))
    assert len(zones) >= 15
    kinds = {zone.kind for zone in zones}
    assert kinds == {
        "water",
        "lakeshore",
        "path",
        "lawn",
        "woodland",
        "playground",
        "plaza",
        "toilet",
        "parking",
    }
    for zone in zones:
        # From a toilet block (~200 m²) to the lake (~25,000 m²).
        assert Decimal(100) < zone.area_m2 < Decimal(30_000), zone
        if zone.kind == "toilet":
            assert zone.area_m2 < 500, zone
    outlines = [(zone.code, shape(zone.boundary)) for zone in zones]
    for i, (code, outline) in enumerate(outlines):
        for other_code, other in outlines[i + 1 :]:
            overlap = outline.intersection(other).area * M2_PER_SQUARE_DEGREE
            assert overlap < 1, f"{code} overlaps {other_code} by {overlap:.1f} m²"
    assert 4 <= Zone.objects.filter(park__code="chengdong").count() <= 5


def test_it_places_every_facility_in_its_zone(demo: str) -> None:
    facilities = list(Facility.objects.select_related("zone", "zone__park"))
    for facility in facilities:
        facility.full_clean()  # Facility.clean refuses a position outside its zone
    donghu = [f for f in facilities if f.zone.park.code == "donghu"]
    by_kind = {kind: [f for f in donghu if f.kind == kind] for kind in {f.kind for f in donghu}}
    assert len(by_kind["bin"]) >= 10
    assert {f.zone.kind for f in by_kind["bin"]} >= {"path", "plaza"}
    assert len(by_kind["checkpoint"]) >= 8
    assert {f.zone.kind for f in by_kind["toilet"]} == {"toilet"}
    assert by_kind["camera"] and by_kind["fire_equipment"]


def test_it_activates_both_contracts_with_complete_terms(demo: str) -> None:
    contracts = {c.service_kind: c for c in Contract.objects.filter(zones__park__code="donghu")}
    assert set(contracts) == {"cleaning", "security"}
    for contract in contracts.values():
        assert contract.status == "active"
        assert contract.zones.count() == Zone.objects.filter(park__code="donghu").count()
        for version in contract.versions.filter(in_force=True):
            assert version.retention_rate == Decimal("0.05")
            assert version.standards.aggregate(total=Sum("weight"))["total"] == 100
            bands = sorted((b.min_score, b.max_score) for b in version.pay_bands.all())
            assert bands == [(0, 90), (90, 95), (95, 100)]
            assert version.clauses.filter(title="合同解除").exists()
    first, second = contracts["cleaning"].versions.order_by("number")
    assert (first.monthly_fee, second.monthly_fee) == (Decimal("168000.00"), Decimal("173040.00"))
    amendment = contracts["cleaning"].amendments.get()
    assert amendment.status == "approved"
    assert amendment.drafted_by.username == "manager"
    assert amendment.decided_by.username == "manager2"


def test_it_registers_companies_with_qualifications_to_watch(demo: str) -> None:
    today = timezone.localdate()
    providers = list(Provider.objects.prefetch_related("qualifications", "staff"))
    assert len(providers) == 4
    qualifications = [q for p in providers for q in p.qualifications.all()]
    for provider in providers:
        provider.full_clean()  # includes the credit code's check characters
        assert provider.staff.count() == 1
    assert any(q.expires_soon(today, within_days=60) for q in qualifications)
    assert any(q.is_expired(today) for q in qualifications)
