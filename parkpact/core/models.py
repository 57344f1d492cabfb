import hashlib
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from parkpact.providers.models import Provider


class Role(models.TextChoices):
    """The roles of DESIGN.md; the public needs no account."""

    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Contract manager")
    INSPECTOR = "inspector", _("Quality inspector")
    FINANCE = "finance", _("Finance officer")
    AUDITOR = "auditor", _("Auditor")
    PROVIDER = "provider", _("Contractor staff")


# The centre's own staff, who may read every contract; provider staff see only their company's.
CENTRE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.INSPECTOR, Role.FINANCE, Role.AUDITOR})


class ParkPactUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    """A person who signs in: centre staff in one role, or a contractor's staff member."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    objects: ClassVar[ParkPactUserManager] = ParkPactUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="core_user_role_valid"
            )
        ]

    @property
    def is_centre_staff(self) -> bool:
        return self.is_active and self.role in CENTRE_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles

    @property
    def provider(self) -> "Provider | None":
        """The contractor this user is staff of; None for anyone else (and a disabled user)."""
        if not self.has_role(Role.PROVIDER):
            return None
        membership = getattr(self, "staff_membership", None)
        return membership.provider if membership is not None else None

    @property
    def provider_id(self) -> int | None:
        """The id of the contractor this user is staff of (no query beyond the membership)."""
        if not self.has_role(Role.PROVIDER):
            return None
        membership = getattr(self, "staff_membership", None)
        return membership.provider_id if membership is not None else None


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit ledger: who changed what, when and why.

    Written only by ``core.services.record_event``; on PostgreSQL a trigger refuses UPDATE and
    DELETE on this table. ``manage.py verify_ledger`` re-computes the chain.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The public portal shows the head hash of each day.
            models.Index(fields=["at"], name="core_auditevent_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def as_entry(self) -> dict[str, Any]:
        """The plain values that the hash chain covers (see core.ledger)."""
        return {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


class ApiToken(models.Model):
    """A personal token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class SweepSchedule(models.Model):
    """When a due-time sweep (see core.sweeps) next runs; claimed by one worker at a time."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    next_run_at = models.DateTimeField(_("next run at"))
    last_claimed_at = models.DateTimeField(_("last claimed at"), null=True, blank=True)
    last_claimed_by = models.CharField(_("last claimed by"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("sweep schedule")
        verbose_name_plural = _("sweep schedules")

    def __str__(self) -> str:
        return self.name


class LedgerCheck(models.Model):
    """One re-verification of the audit ledger's hash chain: when, how far, what it found."""

    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True, db_index=True)
    entries = models.PositiveBigIntegerField(_("intact entries"))
    head = models.CharField(_("head hash"), max_length=64)
    intact = models.BooleanField(_("intact"))
    broken_seq = models.PositiveBigIntegerField(_("first broken entry"), null=True, blank=True)
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        verbose_name = _("ledger check")
        verbose_name_plural = _("ledger checks")
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'intact' if self.intact else 'BROKEN'}"


class Notification(models.Model):
    """A message to one person in the workspace, e.g. "order 42 is overdue"."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(_("message"), max_length=300)
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an Idempotency-Key, replayed to any retry.

    The same key with a different body is refused; see core.idempotency.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=100)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    response = models.JSONField(_("response"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class RateLimitBucket(models.Model):
    """How many requests one client (an IP address, an API key…) made in one time window.

    Counted by core.ratelimit with one atomic upsert, so every web process shares the count.
    """

    key = models.CharField(_("key"), max_length=200)
    window = models.BigIntegerField(_("window"), help_text=_("Seconds since 1970 ÷ window length."))
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("rate limit bucket")
        verbose_name_plural = _("rate limit buckets")
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="core_ratelimit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"
