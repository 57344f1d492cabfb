"""Fixed-window rate limits shared by every web process, kept in the database.

Why not django-ratelimit: it counts in Django's cache and needs a cache with an atomic
increment (Redis, Memcached); the embedded default runs with no such server, and Django's
database cache does not increment atomically. One ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
(SQLite ≥ 3.35 and PostgreSQL) is atomic on both databases and costs one statement.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest

from .models import RateLimitBucket

_UPSERT = (
    # "window" is a reserved word in PostgreSQL: quoted (both databases accept the quotes).
    'INSERT INTO {table} (key, "window", count, expires_at) VALUES (%s, %s, 1, %s) '
    'ON CONFLICT (key, "window") DO UPDATE SET count = {table}.count + 1 RETURNING count'
)


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests per ``seconds``."""

    count: int
    seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


def hit(key: str, limit: Limit, *, now: datetime | None = None) -> Decision:
    """Count one request for ``key`` in the current window and say whether it is allowed.

    Commits at once (its own transaction when called outside one), so a refused or failed
    request still counts.
    """
    now = now or datetime.now(tz=UTC)
    epoch = now.timestamp()
    window = math.floor(epoch / limit.seconds)
    window_end = (window + 1) * limit.seconds
    expires_at = datetime.fromtimestamp(window_end, tz=UTC)
    table = connection.ops.quote_name(RateLimitBucket._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _UPSERT.format(table=table),
            [key[:200], window, connection.ops.adapt_datetimefield_value(expires_at)],
        )
        row = cursor.fetchone()
    count = int(row[0]) if row else 1
    return Decision(
        allowed=count <= limit.count,
        count=count,
        retry_after=max(1, math.ceil(window_end - epoch)),
    )


def purge_expired(*, now: datetime, keep: timedelta = timedelta(0)) -> int:
    """Delete the buckets of windows that have ended; the worker's sweep calls it."""
    deleted, _ = RateLimitBucket.objects.filter(expires_at__lt=now - keep).delete()
    return deleted


def client_address(request: HttpRequest) -> str:
    """The address a limit counts against. Behind ``PARKPACT_PROXY_COUNT`` trusted reverse
    proxies, the one the first of them saw (X-Forwarded-For, counted from the right: entries
    further left are the client's to write); otherwise the connection's own; "unknown" if none."""
    return known_client_address(request) or "unknown"


def known_client_address(request: HttpRequest) -> str | None:
    """client_address, or None when the request carries no valid address (axes stores it in
    an IP address column, which refuses anything else)."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidates = []
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidates.append(hops[-proxies])
    candidates.append(str(request.META.get("REMOTE_ADDR", "")))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
