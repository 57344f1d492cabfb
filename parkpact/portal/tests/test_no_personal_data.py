"""No portal page identifies anyone: searched for every demo user and every demo complainant.

The Donghu demo is loaded once for the module (see conftest.demo_output); each test reads it.
"""

import html
import re

import pytest
from django.test import Client

from parkpact.core.models import User
from parkpact.servicerequests.models import ServiceRequest

from .helpers import PAGES


@pytest.fixture
def pages(demo_output: str, db: None) -> dict[str, str]:
    """Every portal page, in both languages, as a visitor reads it."""
    client = Client()
    providers = ServiceRequest.objects.exclude(provider=None).values_list("provider_id", flat=True)
    urls = [*PAGES.values(), *{f"/portal/contractors/{pk}/" for pk in providers}]
    found = {}
    for language in ("zh-hans", "en"):
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, url
            found[f"{language} {url}"] = html.unescape(response.content.decode())
    return found


def test_the_demo_has_something_to_show(pages: dict[str, str]) -> None:
    assert ServiceRequest.objects.count() > 50
    assert 'data-category="' in pages["en /portal/requests/"]
    assert "data-check-sample" in pages["en /portal/sampling/"]
    assert "data-rating=" in "".join(pages.values())


def test_no_user_is_named(pages: dict[str, str]) -> None:
    users = list(User.objects.all())
    assert users
    for name, body in pages.items():
        for user in users:
            # A username is a word ("inspector"), so it is looked for as a word of its own.
            assert not re.search(rf"\b{re.escape(user.username)}\b", body), (user.username, name)
            for value in (user.get_full_name(), user.email):
                if len(value) >= 2:
                    assert value not in body, f"{value!r} appears on {name}"


def test_no_complainant_is_identified_and_no_report_is_quoted(pages: dict[str, str]) -> None:
    reports = list(
        ServiceRequest.objects.values_list(
            "contact_name",
            "contact_email",
            "contact_phone",
            "account_id",
            "device_id",
            "description",
            "original_description",
            "reporter_comment",
        )
    )
    secrets = {value for row in reports for value in row if value and len(value) >= 3}
    assert any("@" in value for value in secrets)  # the demo has complainants to look for
    for name, body in pages.items():
        for value in secrets:
            assert value not in body, f"{value!r} appears on {name}"
