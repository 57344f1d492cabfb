"""In-app notifications: created only once the change they announce is committed."""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise

from .models import Notification, Role, User


def notify_on_commit(users: Iterable[User], message: str, link: str) -> None:
    """One notification per person, created only if the caller's transaction commits: written
    inside it (the same commit, no extra write transaction), or at once outside any."""
    user_ids = sorted({user.pk for user in users})
    Notification.objects.bulk_create(
        Notification(user_id=user_id, message=message[:300], link=link) for user_id in user_ids
    )


def centre_message(text: Promise, **params: object) -> str:
    """A notification's text, in the centre's language (it is stored, not rendered per reader)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params


def users_in_roles(*roles: str) -> list[User]:
    return list(User.objects.filter(role__in=roles, is_active=True))


def managers() -> list[User]:
    return users_in_roles(Role.MANAGER)


def local_minute(moment: datetime) -> str:
    """A moment as notifications write it: the centre's local time, to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
