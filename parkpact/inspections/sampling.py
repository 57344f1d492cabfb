"""The double-random draw of a surveillance plan, as pure functions over plain values (no Django).

Anyone holding a revealed plan's seed and its frozen parameters can re-draw its visits and
compare them with the inspections the centre scheduled. docs/sampling.md describes every step
precisely enough to reimplement it in another language; keep the two in step.

Randomness comes only from HMAC-SHA256 keyed with the seed, over a text label naming what is
being drawn, so each draw is independent of the others and of the order they are computed in.
"""

import hashlib
import hmac
import itertools
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

# Written into every plan's parameters: a later change to the algorithm gets a new name, and
# verification refuses parameters naming an algorithm it does not implement.
ALGORITHM = "parkpact-sample/1"
# Kinds of zone that get at least one visit whenever the sample is large enough.
SENSITIVE_KINDS = ("playground", "toilet")
DEFAULT_VISIT_MINUTES = 60
SEED_BYTES = 32

_TWO_256 = 1 << 256
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_SEED = re.compile(r"^[0-9a-f]{64}$")


class SampleError(ValueError):
    """Input the draw cannot work with; ``code`` is stable, for messages and tests."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class Zone:
    """A zone in the plan's scope: its label (unique in the plan), kind and area in m²."""

    code: str
    kind: str
    area_m2: Decimal


@dataclass(frozen=True)
class Visit:
    """One drawn zone-visit: which zone, which day of the month, when, and by whom."""

    index: int
    zone_code: str
    day: int
    window_start: str
    window_end: str
    inspector: str


# ---- Seeds, hashes and canonical JSON ---------------------------------------------------------


def new_seed() -> str:
    """A fresh secret seed: 32 random bytes from the operating system, as 64 hex digits."""
    return secrets.token_hex(SEED_BYTES)


def _seed_key(seed: str) -> bytes:
    if not isinstance(seed, str) or not _SEED.match(seed):
        raise SampleError("bad_seed", "the seed must be 64 lowercase hex digits")
    return bytes.fromhex(seed)


def seed_commitment(seed: str) -> str:
    """What is published before the month: SHA-256 of the seed's 32 bytes, in hex."""
    return hashlib.sha256(_seed_key(seed)).hexdigest()


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, non-ASCII text kept as is: one value, one text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parameters_hash(parameters: Mapping[str, Any]) -> str:
    """SHA-256 of the parameters' canonical JSON, encoded as UTF-8."""
    return hashlib.sha256(canonical_json(parameters).encode("utf-8")).hexdigest()


# ---- Unbiased integers from the seed ----------------------------------------------------------


def uniform_int(key: bytes, label: str, bound: int) -> int:
    """An integer in [0, bound), uniformly, by rejection sampling over HMAC-SHA256 outputs.

    Attempt j hashes ``label + "|" + j``; a 256-bit value at or above the largest multiple of
    ``bound`` is rejected so that taking the remainder favours no value. A rejection happens
    with probability below bound / 2²⁵⁶, so attempt 0 is, in practice, always the one used.
    """
    if bound < 1 or bound > _TWO_256:
        raise SampleError("bad_bound", str(bound))
    limit = _TWO_256 - (_TWO_256 % bound)
    for attempt in itertools.count():
        digest = hmac.new(key, f"{label}|{attempt}".encode(), hashlib.sha256).digest()
        value = int.from_bytes(digest, "big")
        if value < limit:
            return value % bound
    raise AssertionError("unreachable")  # pragma: no cover


def weighted_index(key: bytes, label: str, weights: Sequence[int]) -> int:
    """Index i with probability weights[i] / sum(weights): the first whose running total
    exceeds a uniform integer in [0, sum)."""
    r = uniform_int(key, label, sum(weights))
    running = 0
    for index, weight in enumerate(weights):
        running += weight
        if r < running:
            return index
    raise AssertionError("unreachable")  # pragma: no cover


# ---- Validation of plain inputs ---------------------------------------------------------------


def minutes(hhmm: str) -> int:
    """ "07:30" → 450; a time must be written HH:MM, from 00:00 to 23:59."""
    match = _TIME.match(hhmm) if isinstance(hhmm, str) else None
    if match is None:
        raise SampleError("bad_time", repr(hhmm))
    return int(match.group(1)) * 60 + int(match.group(2))


def hhmm(total_minutes: int) -> str:
    return f"{total_minutes // 60:02}:{total_minutes % 60:02}"


def check_windows(windows: Iterable[Sequence[str]]) -> list[tuple[str, str]]:
    """Daily windows as (start, end) pairs, each start before its end, sorted; none may repeat."""
    checked = []
    for window in windows:
        if not isinstance(window, list | tuple) or len(window) != 2:
            raise SampleError("bad_window", repr(window))
        start, end = window
        if minutes(start) >= minutes(end):
            raise SampleError("window_order", f"{start}–{end}")
        checked.append((start, end))
    if not checked:
        raise SampleError("no_windows")
    if len(set(checked)) != len(checked):
        raise SampleError("window_repeated")
    return sorted(checked)


def area_weight(area_m2: Decimal | str | int) -> int:
    """A zone's area in tenths of a square metre, as an integer (areas carry one decimal)."""
    try:
        tenths = Decimal(str(area_m2)) * 10
    except InvalidOperation as error:
        raise SampleError("bad_area", repr(area_m2)) from error
    if not tenths.is_finite() or tenths != tenths.to_integral_value() or tenths <= 0:
        raise SampleError("bad_area", repr(area_m2))
    return int(tenths)


def eligible_inspectors(inspectors: Iterable[str], conflicted: Iterable[str]) -> list[str]:
    """The inspectors who may be drawn: everyone named, minus those with a declared conflict."""
    excluded = set(conflicted)
    return sorted({name for name in inspectors if name not in excluded})


# ---- Stratification ---------------------------------------------------------------------------


def allocate(
    n: int, kind_weights: Mapping[str, int], sensitive: Iterable[str] = SENSITIVE_KINDS
) -> dict[str, int]:
    """Share n visits among zone kinds in proportion to their total area (largest remainder),
    then give each sensitive kind present at least one visit when n allows.

    Exact integer arithmetic throughout: kind k's share is n·Aₖ/A. Each kind first gets the
    floor of its share; the visits left over go one each to the largest remainders (n·Aₖ mod A),
    ties to the kind whose name sorts first. A sensitive kind left with none then takes one visit
    from the kind whose allocation most exceeds its exact share (largest allocₖ·A − n·Aₖ, ties
    by name), among kinds that can spare one (a sensitive kind keeps at least one).
    """
    if n < 0:
        raise SampleError("bad_sample_size", str(n))
    kinds = sorted(kind_weights)
    total = sum(kind_weights.values())
    if not kinds or total <= 0:
        raise SampleError("no_zones")
    allocation = {kind: n * kind_weights[kind] // total for kind in kinds}
    remainder = {kind: n * kind_weights[kind] % total for kind in kinds}
    left = n - sum(allocation.values())
    for kind in sorted(kinds, key=lambda k: (-remainder[k], k))[:left]:
        allocation[kind] += 1
    present = sorted(set(sensitive) & set(kinds))
    if n >= len(present):
        for kind in present:
            if allocation[kind] > 0:
                continue
            donors = [k for k in kinds if allocation[k] > (1 if k in present else 0)]
            donor = min(donors, key=lambda k: (-(allocation[k] * total - n * kind_weights[k]), k))
            allocation[donor] -= 1
            allocation[kind] += 1
    return allocation


# ---- The draw ---------------------------------------------------------------------------------


def _check_zones(zones: Iterable[Zone | Sequence[Any]]) -> list[tuple[Zone, int]]:
    checked = []
    for zone in zones:
        if not isinstance(zone, Zone):
            code, kind, area = zone
            zone = Zone(code=str(code), kind=str(kind), area_m2=Decimal(str(area)))
        checked.append((zone, area_weight(zone.area_m2)))
    if not checked:
        raise SampleError("no_zones")
    codes = [zone.code for zone, _weight in checked]
    if len(set(codes)) != len(codes):
        raise SampleError("zone_repeated")
    return sorted(checked, key=lambda pair: pair[0].code)


def draw(
    *,
    seed: str,
    contract: str,
    standard: str,
    month: str,
    sample_size: int,
    zones: Iterable[Zone | Sequence[Any]],
    windows: Iterable[Sequence[str]],
    days: Iterable[int],
    inspectors: Iterable[str],
    sensitive_kinds: Iterable[str] = SENSITIVE_KINDS,
    visit_minutes: int = DEFAULT_VISIT_MINUTES,
    visits_per_zone: int | None = None,
) -> list[Visit]:
    """The plan's visits, derived from the seed alone: the same inputs always give the same list.

    ``zones`` are (code, kind, area_m2) triples or Zone objects; ``days`` the days of the month
    on which visits may fall; ``inspectors`` the eligible usernames (conflicted ones already
    removed). With ``visits_per_zone`` (a 100 % check) every zone is visited that many times
    and only the days, times and inspectors are drawn; ``sample_size`` must then be the number
    of zones times ``visits_per_zone``.
    """
    key = _seed_key(seed)
    if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", month):
        raise SampleError("bad_month", month)
    checked_zones = _check_zones(zones)
    checked_windows = check_windows(windows)
    day_list = sorted(set(days))
    if not day_list or day_list[0] < 1 or day_list[-1] > 31:
        raise SampleError("bad_days", repr(day_list))
    pool = sorted(set(inspectors))
    if not pool:
        raise SampleError("no_inspectors")
    if visit_minutes < 1:
        raise SampleError("bad_visit_minutes", str(visit_minutes))
    if sample_size < 1:
        raise SampleError("bad_sample_size", str(sample_size))

    # The zone of each visit, in visit order.
    zone_of_visit: list[str] = []
    if visits_per_zone is not None:
        if visits_per_zone < 1 or sample_size != len(checked_zones) * visits_per_zone:
            raise SampleError("bad_sample_size", "a 100 % check visits every zone equally")
        zone_of_visit = [zone.code for zone, _w in checked_zones for _r in range(visits_per_zone)]
    else:
        by_kind: dict[str, list[tuple[Zone, int]]] = {}
        for zone, weight in checked_zones:
            by_kind.setdefault(zone.kind, []).append((zone, weight))
        allocation = allocate(
            sample_size,
            {kind: sum(w for _z, w in members) for kind, members in by_kind.items()},
            sensitive_kinds,
        )
        index = 0
        for kind in sorted(by_kind):
            members = by_kind[kind]
            for _ in range(allocation[kind]):
                label = f"{contract}|{standard}|{month}|visit|{index}|zone"
                chosen = weighted_index(key, label, [w for _z, w in members])
                zone_of_visit.append(members[chosen][0].code)
                index += 1

    visits = []
    for index, zone_code in enumerate(zone_of_visit):
        prefix = f"{contract}|{standard}|{month}|visit|{index}"
        day = day_list[uniform_int(key, f"{prefix}|day", len(day_list))]
        start, end = checked_windows[uniform_int(key, f"{prefix}|window", len(checked_windows))]
        opens, closes = minutes(start), minutes(end)
        slack = closes - opens - visit_minutes
        if slack > 0:
            opens += uniform_int(key, f"{prefix}|minute", slack + 1)
            closes = opens + visit_minutes
        inspector = pool[uniform_int(key, f"{prefix}|inspector", len(pool))]
        visits.append(
            Visit(
                index=index,
                zone_code=zone_code,
                day=day,
                window_start=hhmm(opens),
                window_end=hhmm(closes),
                inspector=inspector,
            )
        )
    return visits


def draw_from_parameters(seed: str, parameters: Mapping[str, Any]) -> list[Visit]:
    """Re-draw a committed plan from its frozen parameters (the JSON the hash covers)."""
    if parameters.get("algorithm") != ALGORITHM:
        raise SampleError("unknown_algorithm", str(parameters.get("algorithm")))
    try:
        return draw(
            seed=seed,
            contract=parameters["contract"],
            standard=parameters["standard"],
            month=parameters["month"],
            sample_size=parameters["sample_size"],
            zones=[(z["code"], z["kind"], z["area_m2"]) for z in parameters["zones"]],
            windows=parameters["windows"],
            days=parameters["days"],
            inspectors=[i["username"] for i in parameters["inspectors"]],
            sensitive_kinds=parameters["sensitive_kinds"],
            visit_minutes=parameters["visit_minutes"],
            visits_per_zone=parameters["visits_per_zone"],
        )
    except (KeyError, TypeError) as error:
        raise SampleError("bad_parameters", repr(error)) from error
