"""The engine: sums, caps, N/A policies, bonus/penalty, bands, ranking and explanations."""

from __future__ import annotations

import pytest

from inspect_tool.model import Answer
from inspect_tool.scoring import AnswerError, rank


def answers(engine, **raw):
    """Check raw answers (code with dots written as '_') the way every front end does."""
    out = {}
    for key, value in raw.items():
        code = key.replace("_", ".")
        out[code] = (
            engine.check(code, None, na=True) if value == "na" else engine.check(code, value)
        )
    return out


def test_full_marks(small_engine):
    scores = small_engine.score(
        answers(
            small_engine,
            **{
                "1_1": {"done": True},
                "1_2_1": {"done": True},
                "1_2_2": {"numerator": 5, "denominator": 5},
                "2_1": {"value": 100},
            },
        )
    )
    assert (scores.total, scores.max_points, scores.index) == (10, 10, 100)
    assert scores.band.label == "Xuất sắc"
    assert scores.points["1"] == 5 and scores.points["1.2"] == 3


def test_nothing_answered(small_engine):
    scores = small_engine.score({})
    assert (scores.total, scores.index, scores.band, scores.band_label) == (0, 0, None, "")
    assert set(scores.status.values()) == {"unanswered"}
    assert scores.explanation("1.1") == "not answered"


def test_partial_and_explanations(small_engine):
    scores = small_engine.score(
        answers(
            small_engine,
            **{
                "1_1": {"done": "no"},
                "1_2_2": {"numerator": 3, "denominator": 4},
                "2_1": {"value": 96},
            },
        )
    )
    assert scores.points["1.2.2"] == 1.5
    assert scores.points["2.1"] == 3
    assert scores.total == 4.5
    assert scores.index == 45
    assert scores.band is None or scores.band.label == "Yếu"
    assert scores.explanation("1.2.2") == "3/4 = 75% (target 100%) → 1.5"
    assert scores.explanation("2.1") == "96 ≥ 95 → 3"
    assert scores.answered == 3


def test_na_excluded_leaves_the_maximum(small_engine):
    scores = small_engine.score(
        answers(
            small_engine,
            **{
                "1_1": {"done": True},
                "1_2_2": "na",
                "2_1": {"value": 100},
            },
        )
    )
    assert scores.max_points == 8
    assert scores.maxima["1.2"] == 1 and scores.maxima["1"] == 3
    assert scores.total == 7
    assert scores.index == 87.5
    assert scores.explanation("1.2.2") == "not applicable, left out of the maximum"


def test_na_full_counts_full_points(small_engine):
    scores = small_engine.score(answers(small_engine, **{"1_2_1": "na"}))
    assert scores.points["1.2.1"] == 1
    assert scores.max_points == 10
    assert scores.explanation("1.2.1") == "not applicable, counted as full points"


def test_na_forbidden(small_engine):
    with pytest.raises(AnswerError) as info:
        small_engine.check("2.1", None, na=True)
    assert str(info.value) == "item 2.1: this item may not be marked not applicable"


def test_bonus_and_penalty_are_capped_and_total_stays_in_range(small_engine):
    full = {
        "1_1": {"done": True},
        "1_2_1": {"done": True},
        "1_2_2": {"numerator": 5, "denominator": 5},
        "2_1": {"value": 100},
    }
    bonus = small_engine.score(answers(small_engine, **full, B_1={"count": 5}))
    assert bonus.points["B"] == 1  # area cap
    assert bonus.total == 10  # never above the maximum
    penalty = small_engine.score(answers(small_engine, **full, B_2={"count": 5}))
    assert penalty.points["B.2"] == -2
    assert penalty.points["B"] == -1  # default floor is -max_points of the area
    assert penalty.total == 9
    nothing = small_engine.score(answers(small_engine, B_2={"count": 1}))
    assert nothing.total == 0  # never below zero


def test_invalid_answers_name_item_and_reason(small_engine):
    with pytest.raises(AnswerError) as info:
        small_engine.check("1.2.2", {"numerator": 6, "denominator": 5})
    assert str(info.value) == "item 1.2.2: numerator: cannot exceed Kế hoạch less those excused (5)"
    with pytest.raises(AnswerError) as info:
        small_engine.check("1.2.2", {"numerator": "x", "denom": 5})
    message = str(info.value)
    assert "denom: unknown input" in message and "numerator: 'x' is not a number" in message
    with pytest.raises(KeyError):
        small_engine.check("9.9", {})


def test_inputs_drive_the_form(small_engine):
    specs = small_engine.inputs("1.2.2")
    assert [(s.name, s.type, s.label) for s in specs] == [
        ("numerator", "count", "Đã kiểm tra"),
        ("denominator", "count", "Kế hoạch"),
    ]


def test_ranking_shares_ranks_on_equal_index(small_engine):
    def unit(value):
        return small_engine.score({"2.1": Answer({"value": value})} if value else {})

    ranked = rank([("c", unit(95)), ("a", unit(100)), ("b", unit(95)), ("d", unit(None))])
    assert [(r.unit, r.label) for r in ranked] == [
        ("a", "1/4"),
        ("b", "2/4"),
        ("c", "2/4"),
        ("d", "4/4"),
    ]


def test_engine_is_deterministic_and_pure(small_engine):
    given = answers(small_engine, **{"1_1": {"done": True}})
    before = dict(given)
    first, second = small_engine.score(given), small_engine.score(given)
    assert first.points == second.points and given == before


def test_shipped_sets_score_a_sample(core):
    import random

    from inspect_tool.samples import sample_answers

    for cset in core.catalog.sets:
        engine = core.engine(cset)
        scores = engine.score(sample_answers(engine, random.Random(7)))
        assert 0 <= scores.total <= scores.max_points
        assert all(scores.explanation(code) for code in scores.status)
