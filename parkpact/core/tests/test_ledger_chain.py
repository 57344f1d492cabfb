"""The hash chain as pure arithmetic, with generated ledgers."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from parkpact.core import ledger


def build(reasons: list[str]) -> list[dict[str, Any]]:
    entries = []
    prev = ledger.GENESIS_HASH
    for seq, reason in enumerate(reasons, start=1):
        entry = {
            "seq": seq,
            "at": "2026-01-01T00:00:00.000000+00:00",
            "actor_id": 1,
            "actor_name": "王经理",
            "action": "contract.update",
            "object_type": "contracts.contract",
            "object_id": "1",
            "object_repr": "QZ-0001",
            "before": {"fee": "1.00"},
            "after": {"fee": "2.00"},
            "reason": reason,
            "prev_hash": prev,
        }
        entry["hash"] = prev = ledger.entry_hash(prev, entry)
        entries.append(entry)
    return entries


@given(st.lists(st.text(), min_size=1, max_size=20))
def test_it_accepts_any_honest_chain(reasons: list[str]) -> None:
    entries = build(reasons)
    verdict = ledger.verify_chain(entries)
    assert verdict.intact and verdict.count == len(entries) and verdict.head == entries[-1]["hash"]


@given(st.lists(st.text(), min_size=2, max_size=20), st.data())
def test_it_finds_any_single_alteration(reasons: list[str], data: st.DataObject) -> None:
    entries = build(reasons)
    index = data.draw(st.integers(0, len(entries) - 1))
    entries[index]["reason"] += "!"
    assert ledger.verify_chain(entries).broken_seq == index + 1


@given(st.lists(st.text(), min_size=2, max_size=20), st.data())
def test_it_finds_any_removal_but_the_last(reasons: list[str], data: st.DataObject) -> None:
    entries = build(reasons)
    index = data.draw(st.integers(0, len(entries) - 2))
    del entries[index]
    assert ledger.verify_chain(entries).broken_seq == index + 1


def test_canonical_json_is_stable_and_keeps_chinese() -> None:
    assert ledger.canonical_json({"b": 1, "a": "东湖"}) == '{"a":"东湖","b":1}'
