"""Shared personas for every test: one of each centre role, two contractor companies, a visitor.

Tests take what they need (``manager``, ``provider_a_user``…) and get a fresh database each time.
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.test.utils import override_settings

from parkpact import testing
from parkpact.assessments.models import Appeal
from parkpact.contracts.models import Contract
from parkpact.core.models import Role, User
from parkpact.inspections.models import Evidence
from parkpact.parks.models import Park, Zone
from parkpact.providers.models import Provider
from parkpact.servicerequests.models import RequestPhoto


@pytest.fixture(autouse=True, scope="session")
def _fast_and_plain() -> Iterator[None]:
    """Fast hashing, in-memory media and no HTTPS redirect, before the live server starts.

    Cookies stay Secure, as in production: browsers keep them on http://localhost."""
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "evidence": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
    ):
        # A FileField resolves its storage when the model loads, before this override: point
        # the evidence fields at the in-memory store for the session, then put them back.
        fields = [
            model._meta.get_field(name)
            for model in (Evidence, RequestPhoto)
            for name in ("original", "display")
        ] + [Appeal._meta.get_field("photo")]
        kept = [field.storage for field in fields]  # type: ignore[union-attr]
        for field in fields:
            field.storage = storages["evidence"]  # type: ignore[union-attr]
        yield
        for field, storage in zip(fields, kept, strict=True):
            field.storage = storage  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def _rows_from_migrations(request: pytest.FixtureRequest) -> None:
    """A transactional test (a live server, the worker) starts from a database that an earlier
    one flushed, without the rows data migrations load: put the service catalogue back."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        from parkpact.servicerequests import catalogue
        from parkpact.servicerequests.models import Service, ServiceAttribute

        catalogue.load(Service, ServiceAttribute)


@dataclass
class World:
    """Donghu-like ground for a test: a park with three zones, companies A and B, a contract each."""

    park: Park
    zones: list[Zone]
    provider_a: Provider
    provider_b: Provider
    contract_a: Contract
    contract_b: Contract


@pytest.fixture
def admin(db: None) -> User:
    return testing.make_user(Role.ADMIN, "admin")


@pytest.fixture
def manager(db: None) -> User:
    return testing.make_user(Role.MANAGER, "manager")


@pytest.fixture
def second_manager(db: None) -> User:
    return testing.make_user(Role.MANAGER, "manager2")


@pytest.fixture
def inspector(db: None) -> User:
    return testing.make_user(Role.INSPECTOR, "inspector")


@pytest.fixture
def finance(db: None) -> User:
    return testing.make_user(Role.FINANCE, "finance")


@pytest.fixture
def auditor(db: None) -> User:
    return testing.make_user(Role.AUDITOR, "auditor")


@pytest.fixture
def world(manager: User) -> World:
    park = testing.make_park("Donghu")
    zones = [testing.make_zone(park, x=i) for i in range(3)]
    provider_a = testing.make_provider("Clean Co")
    provider_b = testing.make_provider("Guard Co")
    contract_a = testing.make_contract(provider_a, zones[:2], by=manager)
    contract_b = testing.make_contract(
        provider_b, zones, by=manager, service_kind=Contract.ServiceKind.SECURITY
    )
    return World(park, zones, provider_a, provider_b, contract_a, contract_b)


@pytest.fixture
def provider_a_user(world: World) -> User:
    return testing.make_provider_user(world.provider_a)


@pytest.fixture
def provider_b_user(world: World) -> User:
    return testing.make_provider_user(world.provider_b)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def english(settings: object) -> None:
    """Pages in English, for tests that read the page's text (Chinese is the default)."""
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser).

    Outside CI the browser tests are skipped when Chromium is missing; in CI (CI=true) they run.
    """
    if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the ORM calls around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def screenshot(page: Any, name: str) -> None:
    """Keep a screenshot when PARKPACT_SCREENSHOTS names a folder, to look at the pages."""
    folder = os.environ.get("PARKPACT_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def demo_output(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """`seed_demo` once for a whole test module (it takes seconds), rolled back after it.

    A module that uses it must not also hold tests that need an empty database.
    """
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.test import TestCase

    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
