"""`manage.py seed_demo --if-empty`: loads into an empty database, leaves a used one alone.

Apart from test_seed_demo.py, whose tests share one loaded demo.
"""

from parkpact.core.tests.test_seed_demo import Park, row_counts, seed_demo


def test_it_loads_into_an_empty_database_with_if_empty(db: None) -> None:
    output = seed_demo("--if-empty")

    assert "Loaded the Donghu demo" in output
    assert Park.objects.filter(code="donghu").exists()


def test_it_leaves_a_database_with_parks_alone_with_if_empty(db: None) -> None:
    Park.objects.create(code="xihu", name="西湖公园")
    before = row_counts()

    output = seed_demo("--if-empty")

    assert row_counts() == before
    assert "not loaded" in output
    assert "No demo accounts" in output
