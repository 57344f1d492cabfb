"""The field app's own addresses: the page, the service worker and the manifest."""

import json
import re
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from conftest import World, client_for
from parkpact.core.models import User
from parkpact.inspections.views_field import SHELL_ASSETS, strings

APP_JS = Path(__file__).resolve().parents[1] / "static" / "inspections" / "field" / "app.js"


def config_of(page: str) -> dict[str, Any]:
    match = re.search(r'<script id="field-config" type="application/json">(.*?)</script>', page)
    assert match, "the page embeds its configuration"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_a_visitor_is_sent_to_sign_in_first(db: None) -> None:
    response = Client().get("/field/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/field/"


def test_the_app_is_for_inspectors(world: World, manager: User, provider_a_user: User) -> None:
    assert client_for(manager).get("/field/").status_code == 403
    assert client_for(provider_a_user).get("/field/").status_code == 403


def test_the_page_carries_its_configuration_and_strings(inspector: User, english: None) -> None:
    response = client_for(inspector).get("/field/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert 'rel="manifest" href="/field/manifest.webmanifest"' in page
    config = config_of(page)
    assert config["user"] == "inspector"
    assert config["timeZone"] == "Asia/Shanghai"
    assert config["csrfToken"]
    assert config["urls"]["visits"] == "/api/v1/field/visits"
    assert config["urls"]["login"] == "/login/?next=/field/"
    assert config["strings"]["waiting"] == "%(count)s waiting to send"
    assert "no-cache" in response["Cache-Control"]


def test_every_string_the_script_shows_is_in_the_catalogue() -> None:
    used = set(re.findall(r'\bt\("([a-z_]+)"(?!\s*\+)', APP_JS.read_text()))
    used |= {f"status_{s}" for s in ("scheduled", "in_progress")}
    used |= {f"local_{s}" for s in ("waiting", "sent", "refused")}
    used |= {"pass", "fail", "not_inspected", "limit_max", "limit_min"}  # chosen at run time
    assert used - set(strings()) == set()


def test_the_service_worker_is_served_from_the_apps_scope(db: None) -> None:
    response = Client().get("/field/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/field/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    config = json.loads(re.search(r"var CONFIG = (\{.*?\});", script, re.S).group(1))  # type: ignore[union-attr]
    assert config["app"] == "/field/"
    assert config["apiPrefix"] == "/api/v1/field/"
    assert config["shell"] == [f"/static/{name}" for name in SHELL_ASSETS]
    for url in config["shell"]:
        assert finders.find(url.removeprefix("/static/")), url


def test_the_manifest_makes_the_app_installable(db: None, english: None) -> None:
    response = Client().get("/field/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == manifest["scope"] == "/field/"
    assert manifest["display"] == "standalone"
    assert manifest["name"] == "ParkPact field inspections"
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert isinstance(path, str)
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
