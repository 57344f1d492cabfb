"""Open311 API keys: issued to an integrator by an admin, shown once, revoked with a reason.

Both the keys screen and ``manage.py open311_key`` call these, so every key's life is in the
audit ledger.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpact.core.models import User
from parkpact.core.services import record_event

from .models import ApiKey

NAME_REQUIRED = _("Name the integrator the key is for, e.g. “12345 city hotline”.")
NAME_TAKEN = _("There is already a key called “%(name)s”: choose another name.")
RATE_RANGE = _("Allow from 1 to 100000 requests per hour.")
REASON_REQUIRED = _("Say why the key is revoked, for the ledger.")
MAX_PER_HOUR = 100_000


def create_key(*, name: str, requests_per_hour: int, by: User | None) -> tuple[ApiKey, str]:
    """Make a key for an integrator; return it with the key itself, which is never stored (only
    its SHA-256) and so cannot be shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ValidationError(NAME_REQUIRED, code="required")})
    if not 1 <= requests_per_hour <= MAX_PER_HOUR:
        raise ValidationError({"requests_per_hour": ValidationError(RATE_RANGE, code="rate_range")})
    key = ApiKey.new_key()
    with transaction.atomic():
        if ApiKey.objects.filter(name__iexact=name).exists():
            raise ValidationError(
                {"name": ValidationError(NAME_TAKEN, code="name_taken", params={"name": name})}
            )
        api_key = ApiKey.objects.create(
            name=name,
            prefix=key[:8],
            key_hash=ApiKey.hash_key(key),
            requests_per_hour=requests_per_hour,
            created_by=by,
        )
        record_event(
            actor=by,
            action="open311_key.create",
            obj=api_key,
            after={"name": name, "prefix": api_key.prefix, "requests_per_hour": requests_per_hour},
        )
    return api_key, key


def revoke_key(*, key: ApiKey, by: User | None, reason: str) -> ApiKey:
    """Stop a key from posting at once; revoking a revoked key changes nothing."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(REASON_REQUIRED, code="reason_required")})
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            return key
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_event(
            actor=by,
            action="open311_key.revoke",
            obj=key,
            before={"revoked_at": None},
            after={"revoked_at": key.revoked_at},
            reason=reason,
        )
    return key


LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_for(raw: str) -> ApiKey | None:
    """The usable key a client sent, noting that it was used; None if unknown or revoked."""
    raw = raw.strip()
    if not raw:
        return None
    key = ApiKey.objects.usable().filter(key_hash=ApiKey.hash_key(raw)).first()
    if key is None:
        return None
    # "Last used" is for people (is this key still in use?): to the minute is enough, and it
    # saves a write on all but one post a minute.
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
