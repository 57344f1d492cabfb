"""manage.py open311_key create | list | revoke."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from parkpact.core.models import AuditEvent
from parkpact.open311.models import ApiKey
from parkpact.open311.services import key_for

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("open311_key", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_it_creates_lists_and_revokes_a_key() -> None:
    key = run("create", "12345 hotline", "--per-hour", "300")
    api_key = ApiKey.objects.get()
    assert key_for(key) == api_key and api_key.requests_per_hour == 300
    listing = run("list")
    assert "12345 hotline" in listing and api_key.prefix in listing and "active" in listing
    assert key not in listing
    run("revoke", "12345 hotline")
    assert key_for(key) is None
    assert "revoked" in run("list")
    assert AuditEvent.objects.filter(action__startswith="open311_key.").count() == 2


def test_it_refuses_a_second_key_of_the_same_name_and_an_unknown_one() -> None:
    run("create", "hotline")
    with pytest.raises(CommandError):
        run("create", "hotline")
    with pytest.raises(CommandError):
        run("revoke", "nobody")
    with pytest.raises(CommandError):
        run("create", "busy", "--per-hour", "0")
