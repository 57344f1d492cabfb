"""`manage.py issue_api_token`: a token that works, printed once, and recorded in the ledger."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from parkpact.core.models import ApiToken, AuditEvent, User


def issue(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("issue_api_token", *args, stdout=out, stderr=err)
    assert "cannot be shown again" in err.getvalue()
    return out.getvalue().strip()


def test_it_prints_a_token_that_works(inspector: User) -> None:
    key = issue("inspector", "tablet")
    assert key.startswith("pp_")
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/me")
    assert response.json()["username"] == "inspector"
    token = ApiToken.objects.get()
    assert token.name == "tablet"
    assert token.key_hash != key


def test_it_records_the_owner_as_issuer_by_default(inspector: User) -> None:
    issue("inspector", "tablet")
    event = AuditEvent.objects.get(action="api_token.issue")
    assert event.actor == inspector


def test_it_records_who_issued_it(inspector: User, admin: User) -> None:
    issue("inspector", "tablet", "--by", "admin")
    assert AuditEvent.objects.get(action="api_token.issue").actor == admin


def test_it_refuses_an_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="no user"):
        issue("nobody", "tablet")
    assert not ApiToken.objects.exists()


def test_it_refuses_a_deactivated_user(inspector: User) -> None:
    User.objects.filter(pk=inspector.pk).update(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        issue("inspector", "tablet")
