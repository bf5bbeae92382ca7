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
