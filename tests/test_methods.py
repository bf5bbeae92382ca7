"""Each built-in method at its boundaries: params checked, inputs declared, points computed."""

from __future__ import annotations

import datetime as dt

import pytest

from inspect_tool.inputs import parse_inputs
from inspect_tool.methods import Outcome


def run(methods, name, params, max_points, raw):
    """Parse raw inputs as a front end would, check them, and score."""
    method = methods[name]
    assert method.validate_params(params, max_points) == []
    values, errors = parse_inputs(method.inputs(params, max_points), raw)
    assert errors == []
    assert method.check_inputs(params, values) == []
    return Outcome._make(method.compile(params, max_points)(values))


def param_errors(methods, name, params, max_points=1.0):
    return [p.message for p in methods[name].validate_params(params, max_points)]


def test_manual_steps(methods):
    assert run(methods, "manual", {"step": 0.25}, 1, {"points": "0,75"}).points == 0.75
    spec = methods["manual"].inputs({"step": 0.25}, 1)
    values, errors = parse_inputs(spec, {"points": 0.3})
    assert errors == [("points", "must be a multiple of 0.25")]
    values, errors = parse_inputs(spec, {"points": 1.25})
    assert errors == [("points", "must be at most 1")]
    assert param_errors(methods, "manual", {"step": 0.3}, 1) == [
        "max_points 1 is not a multiple of step 0.3"
    ]


def test_yes_no(methods):
    assert run(methods, "yes_no", {}, 0.5, {"done": "có"}).points == 0.5
    assert run(methods, "yes_no", {}, 0.5, {"done": False}).points == 0
    assert run(methods, "yes_no", {"yes": 0.5, "no": 0.25}, 0.5, {"done": "no"}).points == 0.25
    assert param_errors(methods, "yes_no", {"yes": 2}) == ["'yes' must be at most 1"]


def test_choice(methods):
    params = {
        "options": [
            {"key": "full", "label": "Đầy đủ", "points": 1},
            {"key": "part", "label": "Một phần", "points": 0.5},
            {"key": "none", "label": "Không", "points": 0},
        ]
    }
    outcome = run(methods, "choice", params, 1, {"choice": "part"})
    assert outcome.points == 0.5
    assert outcome.explanation == "Một phần → 0.5"
    _, errors = parse_inputs(methods["choice"].inputs(params, 1), {"choice": "most"})
    assert errors == [("choice", "'most' is not one of: full, part, none")]
    low = {"options": [{"key": "a", "points": 0.5}]}
    assert param_errors(methods, "choice", low) == ["no option gives the maximum of 1 points"]


def test_checklist_caps_at_max(methods):
    params = {"items": ["a", "b", "c", "d"], "points_each": 0.1}
    assert run(methods, "checklist", params, 0.3, {"ticked": ["a", "b"]}).points == 0.2
    full = run(methods, "checklist", params, 0.3, {"ticked": "a, b, c, d"})
    assert full.points == 0.3
    assert full.explanation == "4 of 4 elements → 0.3"
    assert run(methods, "checklist", params, 0.3, {}).points == 0
    assert param_errors(methods, "checklist", {"items": ["a"], "points_each": 0.1}, 0.3) == [
        "the items give at most 0.1 of the 0.3 points"
    ]
    _, errors = parse_inputs(methods["checklist"].inputs(params, 0.3), {"ticked": ["a", "z"]})
    assert "unknown item(s) z" in errors[0][1]


def test_ratio_with_excusals(methods):
    params = {"numerator": "Đúng hạn", "denominator": "Đã giải quyết", "excused": "Khách quan"}
    outcome = run(methods, "ratio", params, 2, {"numerator": 14, "denominator": 27})
    assert outcome.points == round(2 * 14 / 27, 2)
    excused = run(methods, "ratio", params, 2, {"numerator": 14, "denominator": 27, "excused": 13})
    assert excused.points == 2
    assert excused.explanation == "14/14 = 100% (target 100%) → 2"
    empty = run(methods, "ratio", params, 2, {"numerator": 0, "denominator": 0})
    assert empty.points == 2
    zero = run(
        methods, "ratio", params | {"when_empty": "zero"}, 2, {"numerator": 0, "denominator": 0}
    )
    assert zero.points == 0
    target = run(
        methods,
        "ratio",
        {"numerator": "a", "denominator": "b", "target": 50},
        1,
        {"numerator": 30, "denominator": 100},
    )
    assert target.points == 0.6
    problems = methods["ratio"].check_inputs(
        params, {"numerator": 20, "denominator": 27, "excused": 10}
    )
    assert problems == [("numerator", "cannot exceed Đã giải quyết less those excused (17)")]


def test_tiers(methods):
    params = {
        "input": {"label": "Tỷ lệ"},
        "tiers": [{"min": 100, "points": 1}, {"min": 95, "points": 0.5}],
    }
    assert run(methods, "tiers", params, 1, {"value": 100}).points == 1
    assert run(methods, "tiers", params, 1, {"value": "95%"}).points == 0.5
    assert run(methods, "tiers", params, 1, {"value": 94.99}).points == 0
    _, errors = parse_inputs(methods["tiers"].inputs(params, 1), {"value": 101})
    assert errors == [("value", "a percentage must be between 0 and 100")]


def test_deduction_floor(methods):
    assert run(methods, "deduction", {"per": 0.25}, 1, {"count": 2}).points == 0.5
    assert run(methods, "deduction", {"per": 0.25}, 1, {"count": 9}).points == 0
    _, errors = parse_inputs(methods["deduction"].inputs({"per": 0.25}, 1), {"count": -1})
    assert errors == [("count", "cannot be negative")]
    _, errors = parse_inputs(methods["deduction"].inputs({"per": 0.25}, 1), {"count": 1.5})
    assert errors == [("count", "must be a whole number")]


def test_deadline_tiers(methods):
    params = {
        "deadline": dt.date(2025, 1, 31),
        "late": [{"days": 15, "points": 0.1}, {"days": 60, "points": 0.05}],
    }
    assert run(methods, "deadline", params, 0.2, {"date": "2025-01-31"}).points == 0.2
    assert run(methods, "deadline", params, 0.2, {"date": "2025-02-15"}).points == 0.1
    assert run(methods, "deadline", params, 0.2, {"date": dt.date(2025, 2, 16)}).points == 0.05
    assert run(methods, "deadline", params, 0.2, {"date": "2025-06-01"}).points == 0
    not_done = run(methods, "deadline", params, 0.2, {})
    assert (not_done.points, not_done.explanation) == (0, "not done → 0")
    _, errors = parse_inputs(methods["deadline"].inputs(params, 0.2), {"date": "31.01.2025"})
    assert "is not a date" in errors[0][1]
    assert "'deadline' must be a date" in param_errors(methods, "deadline", {"deadline": "soon"})[0]


def test_bonus_penalty(methods):
    assert (
        run(methods, "bonus_penalty", {"direction": "bonus", "per": 0.5}, 1, {"count": 3}).points
        == 1
    )
    assert (
        run(methods, "bonus_penalty", {"direction": "penalty", "per": 0.5}, 1, {"count": 1}).points
        == -0.5
    )
    assert methods["bonus_penalty"].signed
    assert param_errors(methods, "bonus_penalty", {"direction": "up"}) == [
        "'direction' must be bonus or penalty"
    ]


@pytest.mark.parametrize(
    "name",
    [
        "manual",
        "yes_no",
        "choice",
        "checklist",
        "ratio",
        "tiers",
        "deduction",
        "deadline",
        "bonus_penalty",
    ],
)
def test_every_builtin_is_registered_and_declares_inputs(methods, name):
    method = methods[name]
    assert method.name == name and method.description
