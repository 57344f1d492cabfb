"""The double-random draw (inspections.sampling): pure functions, no database."""

import hashlib
import hmac
import json
import re
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from parkpact.inspections import sampling
from parkpact.inspections.sampling import SampleError, Visit

KINDS = ["plaza", "path", "lawn", "lakeshore", "playground", "toilet", "parking", "woodland"]
DOCS = Path(__file__).resolve().parents[3] / "docs" / "sampling.md"

seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)
areas = st.integers(min_value=1, max_value=10**7).map(lambda tenths: Decimal(tenths) / 10)
zone_lists = st.lists(st.tuples(st.sampled_from(KINDS), areas), min_size=1, max_size=12).map(
    lambda pairs: [(f"p/Z{i:02}", kind, area) for i, (kind, area) in enumerate(pairs)]
)
usernames = st.text(alphabet="abcdefghijklmnopqrstuvwxyz.0123456789", min_size=1, max_size=12)


@st.composite
def window_lists(draw: st.DrawFn) -> list[tuple[str, str]]:
    windows = set()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        start = draw(st.integers(min_value=0, max_value=1438))
        end = draw(st.integers(min_value=start + 1, max_value=1439))
        windows.add((sampling.hhmm(start), sampling.hhmm(end)))
    return sorted(windows)


def plan_inputs(**overrides: object) -> dict[str, object]:
    inputs: dict[str, object] = {
        "seed": "ab" * 32,
        "contract": "QZ-0001",
        "standard": "CL-01",
        "month": "2026-12",
        "sample_size": 20,
        "zones": [
            ("p/Z01", "lawn", "5000.0"),
            ("p/Z02", "lawn", "1200.5"),
            ("p/Z03", "path", "3000"),
            ("p/T01", "toilet", "60.0"),
            ("p/P01", "playground", "400.0"),
        ],
        "windows": [("07:00", "09:00"), ("14:00", "16:00")],
        "days": range(1, 32),
        "inspectors": ["chen", "lin", "wu"],
    }
    inputs.update(overrides)
    return inputs


# ---- Determinism and independence from the seed ----------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=seeds, zones=zone_lists, windows=window_lists(), n=st.integers(1, 60))
def test_it_draws_the_same_sample_from_the_same_inputs(
    seed: str, zones: list[tuple[str, str, Decimal]], windows: list[tuple[str, str]], n: int
) -> None:
    inputs = plan_inputs(seed=seed, zones=zones, windows=windows, sample_size=n)
    first = sampling.draw(**inputs)  # type: ignore[arg-type]
    assert first == sampling.draw(**inputs)  # type: ignore[arg-type]
    # The order in which zones, windows and inspectors are listed does not matter.
    shuffled = plan_inputs(
        seed=seed,
        zones=list(reversed(zones)),
        windows=list(reversed(windows)),
        sample_size=n,
        inspectors=["wu", "chen", "lin"],
    )
    assert sampling.draw(**shuffled) == first  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(first=seeds, second=seeds)
def test_it_draws_different_samples_from_different_seeds(first: str, second: str) -> None:
    assume(first != second)
    one = sampling.draw(**plan_inputs(seed=first))  # type: ignore[arg-type]
    other = sampling.draw(**plan_inputs(seed=second))  # type: ignore[arg-type]
    # 20 visits, each with 31 days × ~60 start minutes × 3 inspectors: a repeat is hopeless.
    assert one != other


@settings(max_examples=100, deadline=None)
@given(seed=seeds, zones=zone_lists, windows=window_lists(), n=st.integers(1, 80))
def test_it_draws_exactly_n_well_formed_visits(
    seed: str, zones: list[tuple[str, str, Decimal]], windows: list[tuple[str, str]], n: int
) -> None:
    days = [3, 4, 5, 28]
    visits = sampling.draw(
        **plan_inputs(seed=seed, zones=zones, windows=windows, sample_size=n, days=days)  # type: ignore[arg-type]
    )
    assert [v.index for v in visits] == list(range(n))
    codes = {code for code, _kind, _area in zones}
    for visit in visits:
        assert visit.zone_code in codes
        assert visit.day in days
        assert visit.inspector in {"chen", "lin", "wu"}
        opens, closes = sampling.minutes(visit.window_start), sampling.minutes(visit.window_end)
        spans = [(sampling.minutes(s), sampling.minutes(e)) for s, e in windows]
        assert any(
            s <= opens and closes <= e and closes - opens == min(60, e - s) for s, e in spans
        )


# ---- Stratification -------------------------------------------------------------------------


kind_weights = st.dictionaries(
    st.sampled_from(KINDS), st.integers(min_value=1, max_value=10**8), min_size=1
)


@settings(max_examples=300)
@given(weights=kind_weights, n=st.integers(0, 5000))
def test_it_allocates_exactly_n_visits(weights: dict[str, int], n: int) -> None:
    allocation = sampling.allocate(n, weights)
    assert set(allocation) == set(weights)
    assert sum(allocation.values()) == n
    assert all(count >= 0 for count in allocation.values())


@settings(max_examples=300)
@given(weights=kind_weights, n=st.integers(1, 200))
def test_it_gives_each_sensitive_kind_a_visit_when_n_allows(
    weights: dict[str, int], n: int
) -> None:
    sensitive = {"toilet", "playground"} & set(weights)
    allocation = sampling.allocate(n, weights)
    if n >= len(sensitive):
        assert all(allocation[kind] >= 1 for kind in sensitive)


@settings(max_examples=200)
@given(weights=kind_weights, n=st.integers(1000, 100_000))
def test_it_allocates_in_proportion_to_area(weights: dict[str, int], n: int) -> None:
    """Largest remainder is within one visit of the exact share; each sensitive top-up moves
    one visit more at most."""
    allocation = sampling.allocate(n, weights)
    total = sum(weights.values())
    slack = 1 + len({"toilet", "playground"} & set(weights))
    for kind, weight in weights.items():
        assert abs(allocation[kind] - Fraction(n * weight, total)) < slack


def test_it_tops_up_a_small_sensitive_kind_from_the_most_over_allocated_kind() -> None:
    # Shares: lawn 4.503, path 1.473, toilet 0.024 (the worked example of docs/sampling.md).
    assert sampling.allocate(6, {"lawn": 159005, "path": 52000, "toilet": 850}) == {
        "lawn": 4,
        "path": 1,
        "toilet": 1,
    }
    # Too few visits for every sensitive kind: plain proportions.
    assert sampling.allocate(1, {"lawn": 1000, "toilet": 1, "playground": 1}) == {
        "lawn": 1,
        "playground": 0,
        "toilet": 0,
    }


def test_it_chooses_zones_of_a_kind_in_proportion_to_their_area() -> None:
    visits = sampling.draw(
        **plan_inputs(  # type: ignore[arg-type]
            sample_size=4000,
            zones=[("p/Z01", "lawn", "3000.0"), ("p/Z02", "lawn", "1000.0")],
        )
    )
    share = Counter(v.zone_code for v in visits)["p/Z01"] / 4000
    assert 0.72 < share < 0.78
    days = Counter(v.day for v in visits)
    assert set(days) == set(range(1, 32))
    assert max(days.values()) < 2 * min(days.values())


@settings(max_examples=50, deadline=None)
@given(seed=seeds, k=st.integers(1, 4), zones=zone_lists)
def test_it_visits_every_zone_equally_in_a_full_check(
    seed: str, k: int, zones: list[tuple[str, str, Decimal]]
) -> None:
    visits = sampling.draw(
        **plan_inputs(seed=seed, zones=zones, sample_size=len(zones) * k),  # type: ignore[arg-type]
        visits_per_zone=k,
    )
    assert Counter(v.zone_code for v in visits) == {code: k for code, _kind, _a in zones}


# ---- Conflicts of interest ------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    seed=seeds,
    inspectors=st.sets(usernames, min_size=1, max_size=8),
    data=st.data(),
)
def test_it_never_draws_a_conflicted_inspector(
    seed: str, inspectors: set[str], data: st.DataObject
) -> None:
    conflicted = data.draw(st.sets(st.sampled_from(sorted(inspectors))))
    eligible = sampling.eligible_inspectors(inspectors, conflicted)
    assert set(eligible) == inspectors - conflicted
    if not eligible:
        with pytest.raises(SampleError, match="no_inspectors"):
            sampling.draw(**plan_inputs(seed=seed, inspectors=eligible))  # type: ignore[arg-type]
        return
    visits = sampling.draw(**plan_inputs(seed=seed, inspectors=eligible))  # type: ignore[arg-type]
    assert not {v.inspector for v in visits} & conflicted


# ---- Randomness, hashes and the documented test vector --------------------------------------


def test_it_rejects_values_that_would_bias_the_remainder() -> None:
    key = bytes(32)
    # Half of all 256-bit values fall in the rejected top block for this bound.
    bound = (1 << 255) + 1
    values = [sampling.uniform_int(key, f"label {i}", bound) for i in range(40)]
    assert all(0 <= v < bound for v in values)
    rejected = 0
    for i in range(40):
        first = hmac.new(key, f"label {i}|0".encode(), hashlib.sha256).digest()
        if int.from_bytes(first, "big") >= bound:  # limit = bound here
            rejected += 1
            second = hmac.new(key, f"label {i}|1".encode(), hashlib.sha256).digest()
            if int.from_bytes(second, "big") < bound:
                assert values[i] == int.from_bytes(second, "big")
    assert rejected > 5


@given(bound=st.integers(1, 10**30), label=st.text(max_size=30))
def test_it_draws_integers_below_the_bound(bound: int, label: str) -> None:
    assert 0 <= sampling.uniform_int(b"k" * 32, label, bound) < bound


@given(seed=seeds)
def test_it_commits_to_the_seeds_bytes(seed: str) -> None:
    assert sampling.seed_commitment(seed) == hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def test_it_hashes_parameters_whatever_the_key_order() -> None:
    one = {"b": [1, "二"], "a": {"y": 1, "x": None}}
    other = {"a": {"x": None, "y": 1}, "b": [1, "二"]}
    assert sampling.parameters_hash(one) == sampling.parameters_hash(other)
    assert (
        sampling.parameters_hash(one)
        == hashlib.sha256('{"a":{"x":null,"y":1},"b":[1,"二"]}'.encode()).hexdigest()
    )


def test_it_reproduces_the_test_vector_in_the_documentation() -> None:
    text = DOCS.read_text()
    parameters_json = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert parameters_json is not None
    parameters = json.loads(parameters_json.group(1))
    seed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    assert sampling.canonical_json(parameters) == parameters_json.group(1)
    assert sampling.seed_commitment(seed) in text
    assert sampling.parameters_hash(parameters) in text
    assert sampling.draw_from_parameters(seed, parameters) == [
        Visit(0, "donghu/Z01", 21, "14:46", "15:46", "inspector.wu"),
        Visit(1, "donghu/Z01", 27, "15:13", "16:13", "inspector.wu"),
        Visit(2, "donghu/Z01", 4, "07:32", "08:32", "inspector.wu"),
        Visit(3, "donghu/Z01", 20, "07:53", "08:53", "inspector.chen"),
        Visit(4, "donghu/Z03", 14, "14:49", "15:49", "inspector.wu"),
        Visit(5, "donghu/T01", 2, "07:03", "08:03", "inspector.wu"),
    ]


def test_it_makes_new_seeds_of_32_random_bytes() -> None:
    seeds_made = {sampling.new_seed() for _ in range(20)}
    assert len(seeds_made) == 20
    assert all(re.fullmatch(r"[0-9a-f]{64}", seed) for seed in seeds_made)


# ---- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"seed": "xyz"}, "bad_seed"),
        ({"seed": "AB" * 32}, "bad_seed"),
        ({"month": "2026-13"}, "bad_month"),
        ({"windows": [("09:00", "07:00")]}, "window_order"),
        ({"windows": [("7:00", "09:00")]}, "bad_time"),
        ({"windows": [("23:00", "24:00")]}, "bad_time"),
        ({"windows": []}, "no_windows"),
        ({"windows": [("07:00", "08:00"), ("07:00", "08:00")]}, "window_repeated"),
        ({"zones": []}, "no_zones"),
        ({"zones": [("a", "lawn", "0.0")]}, "bad_area"),
        ({"zones": [("a", "lawn", "10.05")]}, "bad_area"),
        ({"zones": [("a", "lawn", "10"), ("a", "path", "10")]}, "zone_repeated"),
        ({"days": []}, "bad_days"),
        ({"days": [0, 1]}, "bad_days"),
        ({"inspectors": []}, "no_inspectors"),
        ({"sample_size": 0}, "bad_sample_size"),
    ],
)
def test_it_refuses_input_it_cannot_draw_from(overrides: dict[str, object], code: str) -> None:
    with pytest.raises(SampleError) as error:
        sampling.draw(**plan_inputs(**overrides))  # type: ignore[arg-type]
    assert error.value.code == code


def test_it_refuses_a_full_check_that_does_not_visit_every_zone_equally() -> None:
    with pytest.raises(SampleError, match="bad_sample_size"):
        sampling.draw(**plan_inputs(sample_size=7), visits_per_zone=1)  # type: ignore[arg-type]


def test_it_refuses_parameters_of_an_unknown_algorithm() -> None:
    with pytest.raises(SampleError, match="unknown_algorithm"):
        sampling.draw_from_parameters("ab" * 32, {"algorithm": "parkpact-sample/99"})
    with pytest.raises(SampleError, match="bad_parameters"):
        sampling.draw_from_parameters("ab" * 32, {"algorithm": sampling.ALGORITHM})
