"""An amount from text is what it looks like: sign, digits (thousands spaced), one decimal separator, two decimals.

Anything lossy (an exponent from Excel, underscores, digits of another script, Infinity) is refused with a
sentence, never guessed at.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from juni_tui.domain.money import MoneyError, to_money
from juni_tui.domain.transactions import Transaction

MAX_WHOLE_DIGITS = 12


@pytest.mark.parametrize(("text", "amount"), [
    ("-1234.50", "-1234.50"),
    ("-1 234,50", "-1234.50"),
    ("1234,5", "1234.50"),
    ("  42  ", "42.00"),
    ("+12", "12.00"),
    ("\u22121 234,50", "-1234.50"),  # the minus sign
    ("-1\u00a0234\u00a0567,00", "-1234567.00"),  # no-break spaces, as Excel and Swedish locales write them
    ("1\u202f234,5", "1234.50"),  # narrow no-break space, as format_sek writes them
    ("- 1 234,50", "-1234.50"),
    ("999 999 999 999,99", "999999999999.99"),  # 12 digits before the decimal point
    ("0,01", "0.01"),
    ("123.45", "123.45"),  # how the store writes amounts
])  # fmt: skip
def test_amounts_written_as_people_and_the_store_write_them_are_read_exactly(text, amount):
    assert to_money(text) == Decimal(amount)


def refusal(value) -> str:
    with pytest.raises(MoneyError) as caught:
        to_money(value)
    return str(caught.value)


@pytest.mark.parametrize("text", ["-1.23457E+11", "1e3", "1E3", "-1,5e2", "1.0e-1"])
def test_an_amount_with_an_exponent_is_refused_not_multiplied_out(text):
    assert "exponent" in refusal(text)


def test_the_excel_artefact_is_refused_with_what_to_do():
    message = refusal("-1.23457E+11")
    assert message.startswith("amount '-1.23457E+11' is written with an exponent")
    assert "Number" in message  # format the column as Number in Excel


@pytest.mark.parametrize("text", ["1_000", "1_000,50", "-12_34"])
def test_an_amount_with_underscores_is_refused(text):
    assert "underscore" in refusal(text)


@pytest.mark.parametrize("text", ["١٢٣", "-١٢٣,٤٥", "１２３", "12３", "۱۲۳", "१२३", "²"])
def test_an_amount_with_digits_other_than_0_to_9_is_refused(text):
    assert "0-9" in refusal(text)


@pytest.mark.parametrize("text", ["Infinity", "-Infinity", "inf", "NaN", "nan", "sNaN", "-inf"])
def test_infinity_and_nan_are_refused(text):
    assert refusal(text).endswith("is not a finite number")


@pytest.mark.parametrize("value", [Decimal("Infinity"), Decimal("-Infinity"), Decimal("NaN"), Decimal("sNaN")])
def test_non_finite_decimals_are_refused(value):
    assert "is not a finite number" in refusal(value)


@pytest.mark.parametrize("text", ["1,234", "-99.999", "0.001", "12,500", "1.0000"])
def test_more_than_two_decimals_are_refused_even_when_they_are_zeros(text):
    # "12,500" and "1.0000" are ambiguous in the first place: 12 500 written with a thousands separator?
    assert "has more than two decimals" in refusal(text)


def test_three_digits_after_the_separator_say_it_may_be_a_thousands_separator():
    assert "thousands" in refusal("1,234")


@pytest.mark.parametrize("text", ["1 234,50.00", "1,234.50", "1.234,50"])
def test_both_separators_are_refused(text):
    assert "mixes ',' and '.'" in refusal(text)


@pytest.mark.parametrize("text", ["1.234.567", "1,234,567", "1,2,3"])
def test_dots_or_commas_as_thousands_separators_are_refused(text):
    assert "more than one" in refusal(text)


@pytest.mark.parametrize("text", ["1 000 000 000 000", "1234567890123", "-1234567890123,00",
                                  "123456789012345678901234567890123"])
def test_more_than_twelve_digits_before_the_decimal_point_are_refused(text):
    assert f"at most {MAX_WHOLE_DIGITS}" in refusal(text)


@pytest.mark.parametrize("value", [10**12, -(10**12), Decimal("1E+12"), Decimal("1e999999"), Decimal("-1e999999"),
                                   Decimal("123456789012345678901234567890123")])
def test_huge_numbers_are_refused_with_a_sentence_not_an_arithmetic_error(value):
    assert f"at most {MAX_WHOLE_DIGITS}" in refusal(value)


def test_a_five_thousand_digit_amount_is_refused_briefly():
    message = refusal("9" * 5000)
    assert f"at most {MAX_WHOLE_DIGITS}" in message and len(message) < 300


@pytest.mark.parametrize("text", ["12 34", "1 2345", "1  234", "12 ,50", "1234 567", " 123 4"])
def test_spaces_that_do_not_separate_thousands_are_refused(text):
    assert "thousands" in refusal(text)


@pytest.mark.parametrize("text", ["", "  ", "-", "abc", "12abc", "1-2", "--1", "12-", "0x10", "1/2", ",5", "12,",
                                  "(12)", "12 kr", "$12", "1.", "."])
def test_anything_else_is_not_a_number(text):
    assert "is not a number" in refusal(text)


@pytest.mark.parametrize("value", [True, False, 1.5, None, [1], {"a": 1}])
def test_values_that_are_not_text_or_decimal_are_refused(value):
    refusal(value)


def test_decimals_and_ints_keep_working_as_before():
    assert to_money(Decimal("-12.5")) == Decimal("-12.50")
    assert to_money(Decimal("250.0000")) == Decimal("250.00")  # a computed amount, exact to the öre
    assert to_money(-7) == Decimal("-7.00")
    assert "more than two decimals" in refusal(Decimal("0.125"))


def test_stored_transactions_keep_loading():
    tx = Transaction.model_validate({"id": "a", "date": "2026-10-01", "merchant": "X", "amount": "-1062.37",
                                     "original_amount": "-99.00", "original_currency": "USD"})
    assert tx.amount == Decimal("-1062.37")
    assert Transaction.model_validate(tx.model_dump(mode="json")) == tx
