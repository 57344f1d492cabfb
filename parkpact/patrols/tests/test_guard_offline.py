"""The guard page opens with no network: its service worker, its manifest, and the rounds it
gives the script to keep on the phone."""

import json
import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from conftest import client_for
from parkpact.core.models import User
from parkpact.patrols.views import GUARD_SHELL_ASSETS

from .helpers import make_ground, open_round_now

pytestmark = pytest.mark.django_db


def config_of(page: str) -> dict[str, Any]:
    match = re.search(r'<script id="guard-config" type="application/json">(.*?)</script>', page)
    assert match, "the page embeds its configuration"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def test_it_serves_the_service_worker_from_the_guard_pages_scope() -> None:
    response = Client().get(reverse("patrols:guard_service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/patrols/guard/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    config = json.loads(re.search(r"var CONFIG = (\{.*?\});", script, re.S).group(1))  # type: ignore[union-attr]
    assert config["name"] == "guard"
    assert config["app"] == "/patrols/guard/"
    assert config["apiPrefix"] is None  # the page's outbox sends the scans, not the worker
    assert config["shell"] == [f"/static/{name}" for name in GUARD_SHELL_ASSETS]
    for url in config["shell"]:
        assert finders.find(url.removeprefix("/static/")), url


def test_it_caches_every_static_file_the_page_loads(world: Any, provider_b_user: User) -> None:
    page = client_for(provider_b_user).get(reverse("patrols:guard")).content.decode()
    loaded = set(re.findall(r'(?:src|href)="/static/([^"]+)"', page))
    assert loaded <= set(GUARD_SHELL_ASSETS)


def test_it_makes_the_guard_page_installable(english: None) -> None:
    response = Client().get(reverse("patrols:guard_manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "ParkPact patrol"
    assert manifest["start_url"] == manifest["scope"] == "/patrols/guard/"
    assert manifest["display"] == "standalone"
    assert [icon["src"] for icon in manifest["icons"]] == ["/static/parkpact/favicon.svg"]


def test_it_names_the_manifest_in_the_users_language() -> None:
    manifest = Client().get(reverse("patrols:guard_manifest")).json()
    assert manifest["lang"] == "zh-hans"
    assert manifest["name"] != "" and manifest["start_url"] == "/patrols/guard/"


def test_it_gives_the_script_todays_rounds_to_keep(
    world: Any, provider_b_user: User, english: None
) -> None:
    ground = make_ground(world)
    open_round_now(ground)
    response = client_for(provider_b_user).get(reverse("patrols:guard"))
    page = response.content.decode()
    assert 'rel="manifest" href="/patrols/guard/manifest.webmanifest"' in page
    assert "no-cache" in response["Cache-Control"]  # the worker's copy is the only offline one
    config = config_of(page)
    assert config["serviceWorker"] == "/patrols/guard/sw.js"
    assert config["page"] == "/patrols/guard/"
    assert re.fullmatch(r"\d\d:\d\d", config["rounds"]["time"])
    assert config["messages"]["offline_rounds"] == "Offline — showing rounds as of %(time)s."
    [card] = config["rounds"]["cards"]
    assert card["route"] == "Lakeside"
    assert card["status"] == "Pending"
    assert [stop["name"] for stop in card["stops"]] == [str(c) for c in ground.checkpoints]
    assert not any(stop["scanned"] for stop in card["stops"])
