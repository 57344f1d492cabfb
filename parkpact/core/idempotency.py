"""Run an API request at most once per Idempotency-Key, and replay its first answer to retries.

Clients that may lose an answer (the inspector's field app, offline half the time) send every
unsafe request with an ``Idempotency-Key`` header: a random string they keep with the request and
send again, unchanged, on every retry. For each (user, key) ParkPact stores the first answer in an
IdempotencyRecord:

- first request: the record is inserted *before* the work is done, inside the same transaction,
  then the handler runs and its status and JSON body are stored with it;
- a retry with the same key and the same body: the stored answer is returned as it was, and the
  handler does not run, so nothing is created twice;
- the same key with a different body (or for another endpoint): 422 ``idempotency_key_reused``;
- no key where one is required: 400 ``idempotency_key_required``.

Two copies of one request arriving at once: on PostgreSQL the second INSERT waits on the unique
index until the first transaction ends, then fails and reads the committed record (the default
READ COMMITTED isolation lets it see the row); on SQLite the IMMEDIATE transactions queue whole.

An exception raised by the handler rolls everything back, the record included, so a request that
failed (bad input, a crash) may simply be sent again. A refusal that must be remembered, and
whose effects must stay (e.g. a stale submission that was flagged for review), is *returned* by
the handler as a status and body, not raised.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from .api import ApiError
from .models import IdempotencyRecord, User

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = IdempotencyRecord._meta.get_field("key").max_length or 100


@dataclass(frozen=True)
class Answer:
    """What a handler answered: the HTTP status and a JSON-ready body; ``replayed`` is True
    when it is the stored answer to an earlier request with the same key."""

    status: int
    body: Any
    replayed: bool = False


def canonical_hash(value: Any) -> str:
    """SHA-256 of a JSON-ready value, written canonically (sorted keys, no spaces), so that the
    same request sent twice hashes the same whatever the order of its keys."""
    text = json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()


def key_from(request: HttpRequest, *, required: bool = True) -> str | None:
    """The request's Idempotency-Key header, checked: 1 to 100 visible ASCII characters."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        if required:
            raise ApiError(
                400,
                "idempotency_key_required",
                _(
                    "Send an Idempotency-Key header with this request: a random value (e.g. a "
                    "UUID) that stays the same when you retry it."
                ),
            )
        return None
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "idempotency_key_invalid",
            _("The Idempotency-Key must be 1 to %(max)s visible ASCII characters.")
            % {"max": MAX_KEY_LENGTH},
        )
    return key


def run_once(
    *,
    user: User,
    key: str,
    endpoint: str,
    request_hash: str,
    handler: Callable[[], tuple[int, Any]],
) -> Answer:
    """Run ``handler`` unless this user's key was used before; see the module's docstring.

    ``endpoint`` names the operation and its target (e.g. "field.submission:<uuid>");
    ``request_hash`` is ``canonical_hash`` of the request's meaningful content. The handler
    returns (status, JSON-ready body) and runs inside this transaction.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, endpoint=endpoint, request_hash=request_hash
                )
        except IntegrityError:
            # Someone else's transaction holds the key: it has committed by now (PostgreSQL
            # made this INSERT wait for it), so its answer is there to read.
            existing = IdempotencyRecord.objects.get(user=user, key=key)
            return _replay(existing, endpoint=endpoint, request_hash=request_hash)
        status, body = handler()
        # Stored exactly as it will be sent: dates, decimals and UUIDs as JSON strings.
        body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        record.status_code = status
        record.response = body
        record.save(update_fields=["status_code", "response"])
    return Answer(status=status, body=body)


def respond(
    request: HttpRequest,
    *,
    user: User,
    endpoint: str,
    content: Any,
    handler: Callable[[], tuple[int, Any]],
) -> JsonResponse:
    """The whole protocol for an endpoint that requires a key: read and check the header, run
    the handler at most once for ``content`` (the request's meaningful values, JSON-ready) and
    answer; a replayed answer carries the header ``Idempotent-Replayed: true``."""
    key = key_from(request)
    assert key is not None
    answer = run_once(
        user=user,
        key=key,
        endpoint=endpoint,
        request_hash=canonical_hash(content),
        handler=handler,
    )
    # Keys sorted: PostgreSQL's jsonb does not keep their order, and a replay must read exactly
    # as the first answer did.
    response = JsonResponse(
        answer.body, status=answer.status, safe=False, json_dumps_params={"sort_keys": True}
    )
    if answer.replayed:
        response[REPLAY_HEADER] = "true"
    return response


def _replay(record: IdempotencyRecord, *, endpoint: str, request_hash: str) -> Answer:
    if record.endpoint != endpoint or record.request_hash != request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            _(
                "This Idempotency-Key was already used for a different request. Use a new key "
                "for a new request; send the same key only to retry the very same request."
            ),
        )
    if record.status_code is None:  # only if a handler wrote the record outside this module
        raise ApiError(
            409,
            "request_in_progress",
            _("The first request with this Idempotency-Key is still being processed: retry soon."),
        )
    return Answer(status=record.status_code, body=record.response, replayed=True)
