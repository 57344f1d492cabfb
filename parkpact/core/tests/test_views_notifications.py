"""The notifications page: each person sees their own, and marks them read."""

import html
from typing import Any

import pytest
from django.urls import reverse

from conftest import client_for
from parkpact.core.models import Notification, User

pytestmark = pytest.mark.usefixtures("english")
URL = reverse("core:notifications")
READ = reverse("core:notifications_read")


def page(response: Any) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    for response in (client_for(None).get(URL), client_for(None).post(READ)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))


def test_it_shows_only_my_notifications_newest_first(manager: User, inspector: User) -> None:
    Notification.objects.create(user=manager, message="Order 1 is overdue.", link="/x/")
    Notification.objects.create(user=manager, message="Order 2 is overdue.")
    Notification.objects.create(user=inspector, message="Order 3 awaits re-inspection.")
    content = page(client_for(manager).get(URL))
    assert content.index("Order 2 is overdue.") < content.index("Order 1 is overdue.")
    assert '<a href="/x/">Order 1 is overdue.</a>' in content
    assert "Order 3" not in content
    assert "Mark all as read" in content


def test_it_marks_one_notification_read(manager: User) -> None:
    first = Notification.objects.create(user=manager, message="One")
    second = Notification.objects.create(user=manager, message="Two")
    response = client_for(manager).post(READ, {"id": first.pk})
    assert response.status_code == 302
    assert response["Location"] == URL
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_it_marks_all_read_and_says_so(manager: User) -> None:
    for text in ("One", "Two"):
        Notification.objects.create(user=manager, message=text)
    client = client_for(manager)
    client.post(READ)
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    content = page(client.get(URL))
    assert "Mark all as read" not in content


def test_another_persons_notification_stays_unread(manager: User, inspector: User) -> None:
    theirs = Notification.objects.create(user=inspector, message="Theirs")
    client_for(manager).post(READ, {"id": theirs.pk})
    client_for(manager).post(READ)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_returns_to_a_page_of_this_site_only(manager: User) -> None:
    note = Notification.objects.create(user=manager, message="One")
    client = client_for(manager)
    response = client.post(READ, {"id": note.pk, "next": "/supervision/orders/"})
    assert response["Location"] == "/supervision/orders/"
    response = client.post(READ, {"next": "https://evil.example/"})
    assert response["Location"] == URL


def test_it_shows_an_empty_page_kindly(provider_a_user: User) -> None:
    assert "You have no notifications." in page(client_for(provider_a_user).get(URL))
