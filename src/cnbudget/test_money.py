"""Exact money on any input (issue 13): amounts beyond what a disclosure can hold are a
``ValueError`` the readers report, and rounding never raises ``decimal.InvalidOperation``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnbudget.money import (
    MAX_AMOUNT,
    MAX_AMOUNT_DIGITS,
    AmountRangeError,
    format_amount,
    parse_amount,
    percent,
    round_amount,
)


@pytest.mark.parametrize(
    "text",
    [
        "99999999999999999999.99",  # 22 digits: the tester's case
        "9" * 25,
        "9" * 5000,  # a very long digit run
        "1,000,000,000,000.01",  # just over 10^12 万元
        "９" * 30,  # full-width digits count too
    ],
)
def test_out_of_range_is_a_value_error_with_both_languages(text: str) -> None:
    with pytest.raises(AmountRangeError) as info:
        parse_amount(text)
    assert isinstance(info.value, ValueError)  # readers catch ValueError → ParseIssue
    assert info.value.message_zh.startswith("金额") and "amount" in info.value.message_en
    assert len(str(info.value)) < 300  # the 5000 digits are not echoed


@pytest.mark.parametrize("text", ["1e400", "NaN", "Infinity", "-inf", "1E+5"])
def test_exponent_and_specials_are_not_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_largest_amounts_still_parse() -> None:
    assert parse_amount("1,000,000,000,000.00") == MAX_AMOUNT
    assert parse_amount("-999,999,999,999.99") == Decimal("-999999999999.99")
    assert parse_amount("0.000001") == Decimal("0.000001")
    assert parse_amount("1" * 12 + "." + "1" * 8) == Decimal("1" * 12 + "." + "1" * 8)
    assert MAX_AMOUNT_DIGITS == 20


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("9" * 40 + ".555"), Decimal("9" * 40 + ".56")),  # 43 digits: default context fails
        (Decimal("1E+400"), None),
        (
            Decimal("-12345678901234567890123456789.005"),
            Decimal("-12345678901234567890123456789.01"),
        ),
        (Decimal("4701.745"), Decimal("4701.75")),
    ],
)
def test_round_amount_is_exact_for_any_size(value: Decimal, expected: Decimal | None) -> None:
    got = round_amount(value)
    if expected is None:  # 1E+400: 401 digits and two decimals, exactly
        assert got == value and got.as_tuple().exponent == -2
    else:
        assert got == expected and got.as_tuple().exponent == -2


def test_round_amount_leaves_non_finite_alone() -> None:
    assert round_amount(Decimal("Infinity")) == Decimal("Infinity")
    assert round_amount(Decimal("NaN")).is_nan()
    assert format_amount(Decimal("-Infinity")) == "-Infinity"


def test_percent_of_huge_and_tiny() -> None:
    assert percent(Decimal("1E+30"), Decimal("1E-30")) == Decimal("1E+62")
    assert percent(Decimal(1), Decimal(3)) == Decimal("33.33")
    assert percent(Decimal(1), Decimal(0)) is None
    assert percent(Decimal("NaN"), Decimal(1)) is None


@given(st.text(alphabet="0123456789.,-() ０１２３４５６７８９．，eE", max_size=60))
def test_parse_amount_never_raises_anything_but_value_error(text: str) -> None:
    try:
        value = parse_amount(text)
    except ValueError:
        return
    if value is not None:
        assert abs(value) <= MAX_AMOUNT
        assert round_amount(value) == value.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        format_amount(value)
