"""The OpenAPI document and the docs page, which must work without Internet access."""

import re

from django.test import Client

PATHS = {
    "/api/v1/me",
    "/api/v1/parks",
    "/api/v1/parks/{park_id}",
    "/api/v1/zones",
    "/api/v1/zones/{zone_id}",
    "/api/v1/providers",
    "/api/v1/providers/{provider_id}",
    "/api/v1/contracts",
    "/api/v1/contracts/{contract_id}",
    "/api/v1/contracts/{contract_id}/versions/{number}",
}


def test_it_serves_the_openapi_document(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) >= PATHS
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}


def test_it_documents_money_as_a_string(db: None) -> None:
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["VersionOut"]["properties"]["monthly_fee"]["type"] == "string"
    assert schemas["ErrorDetail"]["required"] == ["code", "message", "fields"]


def test_it_marks_public_endpoints_as_needing_no_sign_in(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {} in paths["/api/v1/zones"]["get"]["security"]
    assert {} not in paths["/api/v1/contracts"]["get"]["security"]


def test_it_serves_the_docs_page_without_a_cdn(db: None) -> None:
    client = Client()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "https://" not in page and "http://" not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) == 4
    for asset in assets:
        assert client.get(asset).status_code == 200


def test_it_serves_only_the_docs_assets(db: None) -> None:
    response = Client().get("/api/v1/docs/assets/__init__.py")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_points_to_the_docs_from_the_root(db: None) -> None:
    body = Client().get("/api/v1/").json()
    assert body["openapi"] == "/api/v1/openapi.json"
    assert body["docs"] == "/api/v1/docs"
