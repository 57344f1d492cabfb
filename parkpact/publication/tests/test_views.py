"""/ocds/releases.json and /ocds/records/<ocid>.json, read anonymously, and export_ocds."""

import json
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.test import Client

from conftest import World
from parkpact import testing
from parkpact.core.models import User
from parkpact.publication import views
from parkpact.publication.models import Release
from parkpact.publication.services import publish_releases

from . import support
from .support import Process, errors_of


@pytest.fixture
def process(world: World, manager: User, second_manager: User) -> Process:
    park = testing.make_park("West Lake")
    zones = [testing.make_zone(park, x=i) for i in range(3)]
    process = support.run_process(manager, zones)
    support.amend(process.contract, manager, second_manager)
    for month in (date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)):
        support.approve_month(process.contract, month)
        support.approve_month(world.contract_a, month)
    publish_releases()
    return process


def get_package(client: Client, url: str, **params: str) -> dict[str, Any]:
    response = client.get(url, params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("application/json")
    return json.loads(b"".join(response.streaming_content))  # type: ignore[arg-type]


def test_the_release_package_streams_and_validates(client: Client, process: Process) -> None:
    package = get_package(client, "/ocds/releases.json")

    assert errors_of(support.package_validator("release-package-schema.json"), package) == []
    assert package["version"] == "1.1"
    assert len(package["extensions"]) == 3
    assert package["publisher"]["name"]
    assert len(package["releases"]) == Release.objects.count()
    assert "links" not in package
    dates = [(release["date"]) for release in package["releases"]]
    assert dates == sorted(dates)


def test_keyset_paging_returns_every_release_once(
    client: Client, process: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    seen: list[str] = []
    url: str | None = "/ocds/releases.json"
    pages = 0
    while url:
        package = get_package(client, url)
        assert len(package["releases"]) <= 4
        seen += [release["id"] for release in package["releases"]]
        url = package.get("links", {}).get("next")
        pages += 1
    assert sorted(seen) == sorted(Release.objects.values_list("release_id", flat=True))
    assert len(seen) == len(set(seen))
    assert pages == -(-len(seen) // 4)


def test_since_and_until_filter_by_date_and_carry_over_to_the_next_page(
    client: Client, process: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    package = get_package(client, "/ocds/releases.json", since="2026-06-01", until="2026-07-01")
    assert "since=2026-06-01" in package["links"]["next"]
    assert "until=2026-07-01" in package["links"]["next"]
    monkeypatch.setattr(views, "PAGE_SIZE", 500)
    package = get_package(client, "/ocds/releases.json", since="2026-06-01", until="2026-07-01")
    assert package["releases"]
    assert all("2026-06-01" <= r["date"] < "2026-07-01" for r in package["releases"])


@pytest.mark.parametrize(
    ("params", "code"),
    [({"since": "last week"}, "invalid_since"), ({"page": "%%%"}, "invalid_page")],
)
def test_bad_parameters_get_a_structured_error(
    client: Client, db: None, params: dict[str, str], code: str
) -> None:
    response = client.get("/ocds/releases.json", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_the_query_count_does_not_grow_with_the_releases(
    client: Client, process: Process, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(2):
        get_package(client, "/ocds/releases.json")
    for month in (date(2026, 8, 1), date(2026, 9, 1)):
        support.approve_month(process.contract, month)
    assert publish_releases() == 4
    with django_assert_max_num_queries(2):
        get_package(client, "/ocds/releases.json")


def test_a_record_compiles_the_process_and_validates(client: Client, process: Process) -> None:
    ocid = f"ocds-parkpact-{process.tender.reference}"
    response = client.get(f"/ocds/records/{quote(ocid)}.json")
    assert response.status_code == 200
    package = response.json()

    assert errors_of(support.package_validator("record-package-schema.json"), package) == []
    [record] = package["records"]
    assert record["ocid"] == ocid
    count = Release.objects.filter(ocid=ocid).count()
    assert len(record["releases"]) == count
    assert all(
        link["url"].startswith("http://testserver/ocds/releases.json?since=")
        for link in record["releases"]
    )
    compiled = record["compiledRelease"]
    assert errors_of(support.release_validator(), compiled) == []
    assert compiled["tag"] == ["compiled"]
    [contract] = compiled["contracts"]
    # The amendment's value replaced the signed one; every month and payment is kept.
    assert contract["value"]["amount"] == 82_000 * 36
    assert len(contract["implementation"]["milestones"]) == 3
    assert len(contract["implementation"]["transactions"]) == 3
    assert len(contract["amendments"]) == 1
    assert compiled["tender"]["status"] == "complete"
    assert len(compiled["bids"]["details"]) == 3
    assert compiled["awards"][0]["id"] == contract["awardID"]


def test_an_unknown_ocid_is_404(client: Client, process: Process) -> None:
    response = client.get("/ocds/records/ocds-parkpact-nothing.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_ocid"


def test_export_ocds_writes_the_packages_and_records(
    world: World, manager: User, tmp_path: Path
) -> None:
    support.approve_month(world.contract_a, date(2026, 5, 1))
    out = StringIO()
    call_command("export_ocds", output=str(tmp_path), stdout=out)

    assert "Published 4 new releases" in out.getvalue()
    package = json.loads((tmp_path / "releases-1.json").read_text())
    assert errors_of(support.package_validator("release-package-schema.json"), package) == []
    assert len(package["releases"]) == Release.objects.count() == 4
    records = sorted((tmp_path / "records").iterdir())
    assert [path.name for path in records] == sorted(
        f"ocds-parkpact-{c.number}.json" for c in (world.contract_a, world.contract_b)
    )
    record = json.loads(records[0].read_text())
    assert errors_of(support.package_validator("record-package-schema.json"), record) == []
    assert record["records"][0]["releases"][0]["url"].startswith("file://")

    call_command("export_ocds", output=str(tmp_path), since="2030-01-01", stdout=out)
    assert "Published 0 new releases" in out.getvalue()
