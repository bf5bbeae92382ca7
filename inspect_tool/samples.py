"""Plausible answers for demos, benchmarks and property tests, made from the methods' own
declarations so that any set, including a plugin's, can be filled in without hand-written data.
"""

from __future__ import annotations

import random

from .model import NOT_APPLICABLE, Answer
from .scoring import Engine


def sample_answers(
    engine: Engine, rng: random.Random, *, quality: float = 0.8, na_rate: float = 0.02
) -> dict[str, Answer]:
    """One unit's answers. `quality` in [0, 1]: the lower, the more often the worse of two
    random answers is kept, so units spread over the bands as real ones do."""
    answers: dict[str, Answer] = {}
    for item in engine.cset.items():
        if item.na_policy != "forbid" and rng.random() < na_rate:
            answers[item.code] = NOT_APPLICABLE
            continue
        first = engine.check(item.code, engine.sample(item.code, rng))
        if rng.random() > quality:
            second = engine.check(item.code, engine.sample(item.code, rng))
            scorer = engine.scorer(item.code)
            if scorer(second.inputs).points < scorer(first.inputs).points:
                first = second
        answers[item.code] = first
    return answers
