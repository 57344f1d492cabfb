"""Business actions of the core app: the audit ledger, API tokens and roles."""

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from . import ledger
from .models import ApiToken, AuditEvent, LedgerCheck, Role, User

# Any constant works: it names the one PostgreSQL advisory lock that serialises ledger appends.
_LEDGER_LOCK_ID = 0x50415254


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of an object as plain JSON values, for an event's before/after."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(instance, name).values_list("pk", flat=True))
        elif isinstance(field, models.ForeignKey):
            values[name] = getattr(instance, field.attname)
        else:
            values[name] = getattr(instance, name)
    return ledger.normalise(values)


def record_event(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the ledger, inside the caller's transaction.

    Appends are serialised (an advisory lock on PostgreSQL; SQLite's IMMEDIATE transactions
    on the embedded default) so that every entry chains onto the one before it.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LEDGER_LOCK_ID])
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        event = AuditEvent(
            seq=(last.seq + 1) if last else 1,
            at=datetime.now(tz=UTC),
            actor=actor,
            actor_name=actor.get_username() if actor else "system",
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            before=ledger.normalise(before) if before is not None else None,
            after=ledger.normalise(after) if after is not None else None,
            reason=reason,
            prev_hash=last.hash if last else ledger.GENESIS_HASH,
        )
        event.hash = ledger.entry_hash(event.prev_hash, event.as_entry())
        event.save(force_insert=True)
        return event


def verify_ledger() -> ledger.Verdict:
    """Re-compute the whole chain from the database, in sequence order."""
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    return ledger.verify_chain(row.as_entry() for row in rows)


def check_ledger() -> LedgerCheck:
    """Verify the chain and keep the verdict, for the ledger page and the operators."""
    verdict = verify_ledger()
    return LedgerCheck.objects.create(
        entries=verdict.count,
        head=verdict.head,
        intact=verdict.intact,
        broken_seq=verdict.broken_seq,
        problem=verdict.problem,
    )


def issue_api_token(*, user: User, name: str, by: User) -> str:
    """Create a personal API token and return it; it cannot be shown again."""
    key = "pp_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[:10], key_hash=ApiToken.hash_key(key)
        )
        record_event(
            actor=by, action="api_token.issue", obj=token, after={"user": user.pk, "name": name}
        )
    return key


def revoke_api_token(*, token: ApiToken, by: User) -> None:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            actor=by, action="api_token.revoke", obj=token, after={"revoked_at": token.revoked_at}
        )


def user_for_api_token(key: str) -> User | None:
    """The active user a token belongs to, or None for an unknown or revoked token."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def set_user_role(*, user: User, role: Role, by: User | None, reason: str = "") -> User:
    """Change what a person may do; administrators also get the Django admin site."""
    with transaction.atomic():
        before = snapshot(user, ["role", "is_staff", "is_superuser"])
        user.role = role
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save(update_fields=["role", "is_staff", "is_superuser"])
        record_event(
            actor=by,
            action="user.set_role",
            obj=user,
            before=before,
            after=snapshot(user, ["role", "is_staff", "is_superuser"]),
            reason=reason,
        )
    return user


def create_user(
    *, username: str, password: str, role: Role, by: User | None, **fields: Any
) -> User:
    """Create a sign-in account in one role; the ledger records who created it."""
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, role=role, **fields)
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save(update_fields=["is_staff", "is_superuser"])
        record_event(
            actor=by,
            action="user.create",
            obj=user,
            after=snapshot(user, ["username", "role", "is_staff", "is_superuser"]),
        )
    return user


def save_audited(
    *,
    obj: models.Model,
    fields: Iterable[str],
    by: User | None,
    action: str,
    before: dict[str, Any] | None = None,
    reason: str = "",
) -> models.Model:
    """Validate an object (field-level errors), save it and record the change, in one transaction.

    ``before`` is the snapshot taken before the caller changed the object (None when new).
    """
    fields = list(fields)
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        record_event(
            actor=by,
            action=action,
            obj=obj,
            before=before,
            after=snapshot(obj, fields),
            reason=reason,
        )
    return obj


def assign(obj: models.Model, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    """Set the given fields on an object; a field a service does not allow is a programming error."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(obj, name, value)
