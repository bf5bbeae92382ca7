"""Property tests: totals stay within the maximum; the loader fails only in its own words."""

from __future__ import annotations

import contextlib
import random

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_tool.criteria import parse_set
from inspect_tool.model import NOT_APPLICABLE
from inspect_tool.samples import sample_answers
from inspect_tool.yaml_lines import ProblemsError, load_text
from tests.conftest import SMALL_SET

FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(
    seed=st.integers(0, 2**32),
    quality=st.floats(0, 1),
    na_rate=st.floats(0, 0.5),
    keep=st.floats(0, 1),
)
def test_totals_never_exceed_the_maximum(core, seed, quality, na_rate, keep):
    rng = random.Random(seed)
    for cset in core.catalog.sets:
        engine = core.engine(cset)
        answers = sample_answers(engine, rng, quality=quality, na_rate=na_rate)
        answers = {code: a for code, a in answers.items() if rng.random() < keep}
        scores = engine.score(answers)
        assert 0 <= scores.total <= scores.max_points <= cset.max_points
        assert 0 <= scores.index <= 100
        for area in cset.areas:
            if area.is_bonus_penalty:
                assert area.min_points <= scores.points[area.code] <= area.max_points
            else:
                assert 0 <= scores.points[area.code] <= scores.maxima[area.code] + 1e-9
        for node in cset.nodes():
            if node.is_item and node.method != "bonus_penalty":
                assert 0 <= scores.points[node.code] <= node.max_points + 1e-9


@FAST
@given(marked=st.sets(st.sampled_from(["1.1", "1.2.1", "1.2.2", "B.1", "B.2"])))
def test_na_excluded_items_leave_the_maximum(small_engine, marked):
    scores = small_engine.score({code: NOT_APPLICABLE for code in marked})
    excluded = {"1.1": 2, "1.2.2": 2}  # 1.2.1 counts as full; bonus items are outside
    assert scores.max_points == 10 - sum(excluded.get(c, 0) for c in marked)
    assert scores.total == (1 if "1.2.1" in marked else 0)


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=10)
            | st.sampled_from(
                [
                    "code",
                    "title",
                    "max_points",
                    "children",
                    "method",
                    "params",
                    "areas",
                    "criteria",
                    "bands",
                    "min",
                    "label",
                    "na_policy",
                    "kind",
                    "tiers",
                    "options",
                    "items",
                    "record",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def _mutate(data, rng: random.Random, replacement):
    """Replace one randomly chosen subtree of `data` by `replacement`."""
    path = []
    node = data
    while isinstance(node, dict | list) and node and rng.random() < 0.75:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        path.append(key)
        node = node[key]
    if not path:
        return replacement
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = replacement
    return data


@pytest.mark.slow  # the longest of the default run; CI runs it
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32), replacement=yaml_values)
def test_loader_raises_only_its_own_error_on_mutated_sets(methods, seed, replacement):
    data = yaml.safe_load(SMALL_SET)
    mutated = _mutate(data, random.Random(seed), replacement)
    text = yaml.safe_dump(mutated, allow_unicode=True)
    try:
        parse_set(load_text(text, "m.yaml"), "m.yaml", methods)
    except ProblemsError as exc:
        assert exc.problems and all(str(p).startswith("m.yaml") for p in exc.problems)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_loader_raises_only_its_own_error_on_arbitrary_text(methods, text):
    with contextlib.suppress(ProblemsError):
        parse_set(load_text(text, "t.yaml"), "t.yaml", methods)


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(0, len(SMALL_SET)), junk=st.text(max_size=5))
def test_loader_raises_only_its_own_error_on_damaged_files(methods, cut, junk):
    with contextlib.suppress(ProblemsError):
        parse_set(load_text(SMALL_SET[:cut] + junk + SMALL_SET[cut:], "d.yaml"), "d.yaml", methods)
