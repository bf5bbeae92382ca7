"""Input types: what a person may type, and the reason when it is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from inspect_tool.inputs import InputError, parse_value
from inspect_tool.model import InputSpec


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("number", "1,5", 1.5),
        ("number", 2, 2.0),
        ("count", "12", 12),
        ("count", 3.0, 3),
        ("percent", "60.64%", 60.64),
        ("date", "2025-01-15", dt.date(2025, 1, 15)),
        ("date", dt.datetime(2025, 1, 15, 8, 30), dt.date(2025, 1, 15)),
        ("yes_no", "Có", True),
        ("yes_no", "không", False),
        ("yes_no", True, True),
    ],
)
def test_accepted(type_, raw, expected):
    assert parse_value(InputSpec("x", type_, "X"), raw) == expected


@pytest.mark.parametrize(
    ("type_", "raw", "reason"),
    [
        ("number", "abc", "'abc' is not a number"),
        ("number", "nan", "'nan' is not a number"),
        ("number", True, "expected a number, got yes/no"),
        ("count", "-2", "cannot be negative"),
        ("percent", 120, "a percentage must be between 0 and 100"),
        ("date", "15-01-2025", "'15-01-2025' is not a date (write it as 31/01/2025 or 2025-01-31)"),
        ("yes_no", "maybe", "answer yes or no, not 'maybe'"),
        ("count", None, "a value is required"),
    ],
)
def test_refused_with_reason(type_, raw, reason):
    with pytest.raises(InputError) as info:
        parse_value(InputSpec("x", type_, "X"), raw)
    assert str(info.value) == reason


def test_optional_empty_values():
    assert parse_value(InputSpec("d", "date", "D", required=False), "") is None
    assert parse_value(InputSpec("c", "checklist", "C", required=False), None) == ()


def test_bounds():
    spec = InputSpec("n", "number", "N", min=1, max=5)
    assert parse_value(spec, 5) == 5
    with pytest.raises(InputError, match="at least 1"):
        parse_value(spec, 0.5)


# -- what people type (issue 13, item 3): accepted as typed, or refused with the reason ------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("date", "31/01/2025", dt.date(2025, 1, 31)),
        ("date", "31/1/2025", dt.date(2025, 1, 31)),
        ("date", " 2025-01-31 ", dt.date(2025, 1, 31)),
        ("number", "7,5", 7.5),
        ("number", "7.5", 7.5),
        ("number", "−2", -2.0),
        ("percent", "60,5%", 60.5),
        ("percent", "7,5 %", 7.5),
        ("count", "21", 21),
    ],
)
def test_forms_people_type(type_, raw, expected):
    assert parse_value(InputSpec("x", type_, "X"), raw) == expected


@pytest.mark.parametrize(
    ("type_", "raw", "reason"),
    [
        ("date", "31/02/2025", "'31/02/2025' is not a real date"),
        ("date", "2025-02-30", "'2025-02-30' is not a real date"),
        ("date", "31022025", "'31022025' is not a date (write it as 31/01/2025 or 2025-01-31)"),
        ("date", "20250131", "'20250131' is not a date (write it as 31/01/2025 or 2025-01-31)"),
        ("number", "9x8", "'9x8' is not a number"),
        ("number", "1e3", "'1e3' is not a number"),
        ("number", "1_000", "'1_000' is not a number"),
        ("number", "1,5,0", "'1,5,0' is not a number"),
        ("number", "inf", "'inf' is not a number"),
        ("count", "-1", "cannot be negative"),
        ("count", "2,5", "must be a whole number"),
        ("percent", "-1", "a percentage must be between 0 and 100"),
    ],
)
def test_refused_not_cleaned(type_, raw, reason):
    with pytest.raises(InputError) as info:
        parse_value(InputSpec("x", type_, "X"), raw)
    assert str(info.value) == reason


def test_a_minus_sign_where_the_minimum_is_zero():
    with pytest.raises(InputError, match="at least 0"):
        parse_value(InputSpec("x", "number", "X", min=0), "-1")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)))
def test_every_date_reads_back_in_both_forms(day):
    spec = InputSpec("d", "date", "D")
    assert parse_value(spec, day.isoformat()) == day
    assert parse_value(spec, f"{day.day}/{day.month}/{day.year}") == day
    assert parse_value(spec, day.strftime("%d/%m/%Y")) == day


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_a_number_is_the_number_typed_with_comma_or_point(value):
    spec = InputSpec("n", "number", "N")
    text = f"{value:f}"
    assert parse_value(spec, text) == float(text)
    assert parse_value(spec, text.replace(".", ",")) == float(text)


@given(st.text(max_size=12))
def test_any_text_is_read_as_typed_or_refused(text):
    """Never a value other than the one shown: whatever is accepted reads back the same."""
    spec = InputSpec("n", "number", "N")
    try:
        value = parse_value(spec, text)
    except InputError:
        return
    cleaned = text.strip().replace(",", ".").replace("\u2212", "-")
    assert value == float(cleaned)
