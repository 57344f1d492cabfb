"""`manage.py seed_city`: a tiny city, the same for the same seed, only in an empty database.

Core imports no other app, not even in its tests: the city's models are looked up by label.
"""

import hashlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

TINY = ["--parks", "2", "--months", "2", "--scale", "0.01"]

Park = apps.get_model("parks", "Park")
Contract = apps.get_model("contracts", "Contract")
Inspection = apps.get_model("inspections", "Inspection")
ServiceRequest = apps.get_model("servicerequests", "ServiceRequest")
PatrolRound = apps.get_model("patrols", "PatrolRound")
Device = apps.get_model("sensors", "Device")
Reading = apps.get_model("sensors", "Reading")
Assessment = apps.get_model("assessments", "Assessment")
Tender = apps.get_model("procurement", "Tender")


def seed_city(*args: str) -> str:
    out = StringIO()
    call_command("seed_city", *args, "--verbosity", "0", stdout=out)
    return out.getvalue()


def fingerprint(*, with_ids: bool) -> str:
    """A digest of what a few tables hold, ids included or not."""
    tables = [
        (Park, ["code", "name"]),
        (Inspection, ["uuid", "zone__code", "status", "window_start"]),
        (ServiceRequest, ["tracking_code", "zone__code", "status", "requested_at"]),
        (PatrolRound, ["uuid", "status", "window_start"]),
        (Reading, ["device__code", "observed_at", "name", "value"]),
        (Assessment, ["contract__number", "month", "score"]),
    ]
    digest = hashlib.sha256()
    for model, fields in tables:
        columns = (["id"] if with_ids else []) + fields
        for row in model.objects.order_by(*fields).values_list(*columns):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_it_builds_a_tiny_city_and_prints_its_size(db: None) -> None:
    output = seed_city(*TINY)

    assert Park.objects.count() == 2
    assert Contract.objects.count() == 4  # cleaning and security for each park
    # 10,000 requests per park-year × 2 parks × 2/12 of a year × 0.01
    assert ServiceRequest.objects.count() == 33
    # every sensor, every 50 hours (30 minutes ÷ 0.01), over January and February 2025
    assert Reading.objects.count() == Device.objects.count() * 29
    assert PatrolRound.objects.count() == 2 * 59 * 6  # six rounds a day in each park
    assert Assessment.objects.filter(status="approved").count() == 4  # January, approved
    assert Tender.objects.count() == 40
    assert "servicerequests_servicerequest" in output
    assert "Done in" in output


def test_it_builds_the_same_city_for_the_same_seed(db: None) -> None:
    seed_city(*TINY)
    first = fingerprint(with_ids=False)

    seed_city(*TINY, "--rebuild")
    rebuilt = fingerprint(with_ids=True)
    seed_city(*TINY, "--rebuild")

    assert fingerprint(with_ids=False) == first
    assert fingerprint(with_ids=True) == rebuilt
    seed_city(*TINY, "--seed", "2", "--rebuild")
    assert fingerprint(with_ids=False) != first


def test_it_leaves_the_same_city_as_it_is(db: None) -> None:
    seed_city(*TINY)
    before = fingerprint(with_ids=True)

    output = seed_city(*TINY)

    assert "already holds this city" in output
    assert fingerprint(with_ids=True) == before


def test_it_refuses_a_database_with_other_data(db: None) -> None:
    Park.objects.create(code="xihu", name="西湖公园")

    with pytest.raises(CommandError, match="already holds other data"):
        seed_city(*TINY)

    assert list(Park.objects.values_list("code", flat=True)) == ["xihu"]


def test_it_refuses_another_city_without_rebuild(db: None) -> None:
    seed_city(*TINY)

    with pytest.raises(CommandError, match="different city"):
        seed_city("--parks", "3", "--months", "2", "--scale", "0.01")

    assert Park.objects.count() == 2


def test_it_erases_other_data_with_rebuild(db: None) -> None:
    Park.objects.create(code="xihu", name="西湖公园")

    seed_city(*TINY, "--rebuild", "--noinput")

    assert not Park.objects.filter(code="xihu").exists()
    assert Park.objects.count() == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--parks", "0"], "--parks must be between 1 and 1000"),
        (["--months", "40"], "--months must be between 1 and 36"),
        (["--scale", "50"], "--scale must be between 0.01 and 20"),
        (["--parks", "many"], "invalid int value"),
    ],
)
def test_it_rejects_bad_arguments(db: None, arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        seed_city(*arguments)

    assert not Park.objects.exists()
