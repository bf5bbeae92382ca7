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
    """One unit's answers. For each item three random answers are drawn and, with probability
    `quality`, the best is kept, else the worst: units spread over the bands as real ones do."""
    answers: dict[str, Answer] = {}
    for item in engine.cset.items():
        if item.na_policy != "forbid" and rng.random() < na_rate:
            answers[item.code] = NOT_APPLICABLE
            continue
        scorer = engine.scorer(item.code)
        drawn = [engine.check(item.code, engine.sample(item.code, rng)) for _ in range(3)]
        ranked = sorted(drawn, key=lambda answer: scorer(answer.inputs)[0])
        answers[item.code] = ranked[-1] if rng.random() < quality else ranked[0]
    return answers
