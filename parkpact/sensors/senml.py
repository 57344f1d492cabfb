"""SenML (RFC 8428) JSON packs: parsing, resolution and encoding. Pure Python, no Django.

A pack is a JSON array of records. Base fields (``bn`` base name, ``bt`` base time, ``bu`` base
unit, ``bv`` base value) apply to the record that carries them and to every later record until
changed. Resolution (RFC 8428 §4.6) gives each record its full name (``bn`` + ``n``), an absolute
time (``bt`` + ``t``; a result under 2**28 is relative to now) and a value (``bv`` + ``v``).

ParkPact only takes numeric readings, in the units its quantities use; anything else is refused
with a stable code, and one bad record refuses the whole pack.
"""

import math
import re
from dataclasses import dataclass
from typing import Any

# RFC 8428 §4.5.3: a resolved time below 2**28 seconds is relative to "now".
RELATIVE_TIME_LIMIT = 2**28
# A device clock may run a little fast; more than this ahead of the server is refused.
MAX_FUTURE_SECONDS = 300
# Units ParkPact accepts (RFC 8428 §12.1 registry, plus "count" from RFC 8798).
UNITS = frozenset({"/", "%", "ppm", "count", "Cel", "%RH"})
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-:.\/_]*$")
BASE_FIELDS = ("bn", "bt", "bu", "bv", "bver")


class SenMLError(ValueError):
    """A pack that cannot be accepted; ``code`` is stable, ``index`` the record at fault."""

    def __init__(self, code: str, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.index = index


@dataclass(frozen=True)
class Record:
    """One resolved measurement: full name, absolute time (seconds since 1970, UTC), unit, value."""

    name: str
    time: float
    unit: str
    value: float


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_pack(pack: Any, *, now: float) -> list[Record]:
    """Resolve a decoded SenML JSON pack into records, or raise SenMLError."""
    if not isinstance(pack, list) or not pack:
        raise SenMLError("not_a_pack", "A SenML pack is a non-empty JSON array of records.")
    base_name, base_time, base_unit, base_value = "", 0.0, "", 0.0
    records = []
    for index, entry in enumerate(pack):
        if not isinstance(entry, dict):
            raise SenMLError("not_a_record", "Each record must be a JSON object.", index)
        if "bn" in entry:
            if not isinstance(entry["bn"], str):
                raise SenMLError("bad_name", "The base name must be a string.", index)
            base_name = entry["bn"]
        for key, label in (("bt", "base time"), ("bv", "base value")):
            if key in entry and not _number(entry[key]):
                raise SenMLError("not_a_number", f"The {label} must be a number.", index)
        base_time = float(entry.get("bt", base_time))
        base_value = float(entry.get("bv", base_value))
        if "bu" in entry:
            base_unit = entry["bu"]
        if set(entry) <= set(BASE_FIELDS):
            continue  # a record with only base fields carries no measurement
        name = base_name + (entry.get("n") or "") if isinstance(entry.get("n", ""), str) else None
        if not name:
            raise SenMLError("missing_name", "The record has no name (n or bn).", index)
        if not NAME_PATTERN.match(name):
            raise SenMLError("bad_name", f"The name {name!r} is not a valid SenML name.", index)
        if "v" not in entry:
            raise SenMLError("not_a_number", "The record has no numeric value (v).", index)
        if not _number(entry["v"]):
            raise SenMLError("not_a_number", "The value (v) must be a number.", index)
        if "t" in entry and not _number(entry["t"]):
            raise SenMLError("bad_time", "The time (t) must be a number.", index)
        unit = entry.get("u", base_unit)
        if not isinstance(unit, str) or unit not in UNITS:
            raise SenMLError(
                "bad_unit",
                f"The unit {unit!r} is not accepted; use one of {', '.join(sorted(UNITS))}.",
                index,
            )
        time = base_time + float(entry.get("t", 0))
        if time < RELATIVE_TIME_LIMIT:
            time = now + time
        if time > now + MAX_FUTURE_SECONDS:
            raise SenMLError(
                "future_time", "The time is more than 5 minutes ahead of the server.", index
            )
        records.append(Record(name=name, time=time, unit=unit, value=base_value + entry["v"]))
    if not records:
        raise SenMLError("not_a_pack", "The pack holds no measurement.")
    return records


def encode_pack(records: list[Record], *, base_name: str = "") -> list[dict[str, Any]]:
    """A SenML pack for the records: names under ``base_name`` (a prefix they all share), a
    base time and unit when that is exact. parse_pack(encode_pack(r)) == r."""
    if not records:
        return []
    base_time = records[0].time
    use_base_time = all(base_time + (r.time - base_time) == r.time for r in records)
    units = {r.unit for r in records}
    pack: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        entry: dict[str, Any] = {}
        if index == 0:
            if base_name:
                entry["bn"] = base_name
            if use_base_time:
                entry["bt"] = base_time
            if len(units) == 1:
                entry["bu"] = record.unit
        assert record.name.startswith(base_name)
        entry["n"] = record.name[len(base_name) :]
        if len(units) > 1:
            entry["u"] = record.unit
        entry["v"] = record.value
        entry["t"] = record.time - base_time if use_base_time else record.time
        pack.append(entry)
    return pack
