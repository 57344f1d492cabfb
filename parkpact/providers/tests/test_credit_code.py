"""Unified social credit codes (GB 32100-2015): valid ones pass, any single typo is caught."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from parkpact.providers.credit_code import ALPHABET, complete, credit_code_problem
from parkpact.providers.models import Provider
from parkpact.providers.services import create_provider

first16 = st.builds(
    lambda head, division, body: head + division + body,
    st.text(ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(ALPHABET, min_size=8, max_size=8),
)


def test_it_accepts_a_real_code() -> None:
    assert credit_code_problem("91350100M000100Y43") is None


@given(first16)
def test_it_accepts_every_completed_code(head: str) -> None:
    assert credit_code_problem(complete(head)) is None


@given(first16, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_it_catches_any_single_substitution(head: str, position: int, char: str) -> None:
    code = complete(head)
    mutated = code[:position] + char + code[position + 1 :]
    if mutated != code:
        assert credit_code_problem(mutated) is not None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y4O", "alphabet"),
        ("9135010AM000100Y43", "division"),
        ("91350100M000100Y53", "organisation_check"),
        ("91350100M000100Y44", "check_character"),
    ],
)
def test_it_says_what_is_wrong(code: str, problem: str) -> None:
    assert credit_code_problem(code) == problem


@pytest.mark.django_db
def test_a_provider_with_a_bad_code_is_refused_with_a_field_message() -> None:
    with pytest.raises(ValidationError) as error:
        create_provider(name="泉州某公司", credit_code="91350100M000100Y44", by=None)
    assert "credit_code" in error.value.message_dict
    assert not Provider.objects.exists()
