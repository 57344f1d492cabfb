"""Health check, sign-in, lockout, language and deployment settings."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.test import Client

from parkpact.core.models import Role, User
from parkpact.testing import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client: Client) -> None:
    with mock.patch.object(connection, "cursor", side_effect=Exception("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.django_db
def test_it_signs_in_and_out(client: Client, manager: User) -> None:
    response = client.post("/login/", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/workspace/").status_code == 200
    client.post("/logout/")
    assert client.get("/workspace/").status_code == 302


@pytest.mark.django_db
def test_the_login_page_speaks_chinese_by_default_and_english_on_request(client: Client) -> None:
    assert "登录" in client.get("/login/").content.decode()
    assert "Sign in" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_it_locks_an_account_after_five_failed_attempts(client: Client) -> None:
    make_user(Role.INSPECTOR, "inspector")
    for _ in range(5):
        client.post(
            "/login/", {"username": "inspector", "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
        )
    response = client.post(
        "/login/", {"username": "inspector", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    assert client.get("/workspace/").status_code == 302  # still not signed in


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2_in_production(settings: object) -> None:
    from django.conf import settings as live

    assert live.PASSWORD_HASHERS  # the test suite swaps in a fast hasher; production's is below
    from parkpact import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_check_deploy_has_no_warnings_with_debug_off_and_a_real_secret(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PARKPACT_DEBUG": "0",
        "PARKPACT_SECRET_KEY": "k" + "x9Z!q7" * 10,
        "PARKPACT_DATA_DIR": str(tmp_path),
    }
    for name in ("PARKPACT_HTTPS", "PARKPACT_SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


@pytest.mark.django_db
def test_refusals_are_pages_in_the_site_not_bare_errors(inspector: User) -> None:
    from conftest import client_for

    client = client_for(inspector)
    forbidden = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="en")
    assert forbidden.status_code == 403
    assert "You may not open this page" in forbidden.content.decode()
    missing = client.get("/contracts/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert "There is nothing here" in missing.content.decode()
