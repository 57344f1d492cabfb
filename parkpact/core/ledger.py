"""The audit ledger's hash chain, as pure functions over plain values (no Django).

Each entry's hash is SHA-256 over the previous entry's hash followed by the entry's own
canonical JSON, so altering or removing any entry breaks every hash after it.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64

# The fields of an entry that its hash covers, in the order they are documented.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot go into the audit ledger")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text kept as it is: the same value always gives the same text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def normalise(value: Any) -> Any:
    """The value as it will read back from a JSON column (Decimals and dates become strings)."""
    return json.loads(canonical_json(value))


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    payload = canonical_json({field: entry[field] for field in HASHED_FIELDS})
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    """What verifying the chain found: its length and head, or the first broken entry."""

    count: int
    head: str
    broken_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def verify_chain(entries: Iterable[Mapping[str, Any]]) -> Verdict:
    """Walk the entries in sequence order and stop at the first one that does not hold."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return Verdict(
                count,
                prev_hash,
                expected_seq,
                f"entry {expected_seq} is missing (the next entry found is {seq})",
            )
        if entry["prev_hash"] != prev_hash:
            return Verdict(
                count,
                prev_hash,
                seq,
                f"entry {seq} does not point at the hash of entry {seq - 1}",
            )
        if entry_hash(prev_hash, entry) != entry["hash"]:
            return Verdict(count, prev_hash, seq, f"entry {seq} was altered after it was written")
        prev_hash = entry["hash"]
        expected_seq += 1
        count += 1
    return Verdict(count, prev_hash)
