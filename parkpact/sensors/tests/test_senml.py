import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkpact.sensors import senml
from parkpact.sensors.senml import Record, SenMLError, encode_pack, parse_pack

NOW = 1_780_000_000.0

names = st.sampled_from(["fillingLevel", "nh3", "h2s", "peopleCount", "a:b", "x/y"])
records = st.builds(
    Record,
    name=names,
    time=st.floats(min_value=1_600_000_000, max_value=NOW + 299, allow_nan=False),
    unit=st.sampled_from(sorted(senml.UNITS)),
    value=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
)


@given(st.lists(records, min_size=1, max_size=20), st.sampled_from(["", "urn:dev:bin-1:"]))
def test_it_gives_back_what_it_encoded(items: list[Record], base_name: str) -> None:
    items = [Record(base_name + r.name, r.time, r.unit, r.value) for r in items]
    assert parse_pack(encode_pack(items, base_name=base_name), now=NOW) == items


def test_it_resolves_base_fields_and_relative_times() -> None:
    pack = [
        {"bn": "urn:dev:bin-1:", "bt": 1_779_999_000, "bu": "/", "n": "fillingLevel", "v": 0.5},
        {"n": "fillingLevel", "t": 60, "v": 0.6},
        {"n": "nh3", "u": "ppm", "t": -10, "v": 2},
        {"bt": 0, "bv": 1, "n": "peopleCount", "u": "count", "v": 4, "t": -5},
    ]
    assert parse_pack(pack, now=NOW) == [
        Record("urn:dev:bin-1:fillingLevel", 1_779_999_000, "/", 0.5),
        Record("urn:dev:bin-1:fillingLevel", 1_779_999_060, "/", 0.6),
        Record("urn:dev:bin-1:nh3", 1_779_998_990, "ppm", 2),
        Record("urn:dev:bin-1:peopleCount", NOW - 5, "count", 5),
    ]


@pytest.mark.parametrize(
    ("pack", "code"),
    [
        ({"n": "x"}, "not_a_pack"),
        ([], "not_a_pack"),
        ([1], "not_a_record"),
        ([{"n": "fillingLevel", "u": "kg", "v": 1}], "bad_unit"),
        ([{"n": "fillingLevel", "v": 1}], "bad_unit"),
        ([{"n": "fillingLevel", "u": "/", "v": "0.5"}], "not_a_number"),
        ([{"n": "fillingLevel", "u": "/", "v": True}], "not_a_number"),
        ([{"n": "fillingLevel", "u": "/", "vs": "full"}], "not_a_number"),
        ([{"n": "fillingLevel", "u": "/", "v": 1, "t": NOW + 301}], "future_time"),
        ([{"n": "fillingLevel", "u": "/", "v": 1, "t": 400}], "future_time"),
        ([{"u": "/", "v": 1}], "missing_name"),
        ([{"n": "bad name", "u": "/", "v": 1}], "bad_name"),
        ([{"n": "fillingLevel", "u": "/", "v": 1, "t": "now"}], "bad_time"),
    ],
)
def test_it_refuses_a_bad_pack(pack: object, code: str) -> None:
    with pytest.raises(SenMLError) as raised:
        parse_pack(pack, now=NOW)
    assert raised.value.code == code
