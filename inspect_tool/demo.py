"""The built-in demo: a fictional province whose units are scored on the shipped sets.

Everything is deterministic (answers are drawn from a generator seeded by the unit's code), so
the demo shows the same figures on every machine and tests can rely on them.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from .core import Core
from .model import Unit
from .samples import sample_answers
from .scoring import Ranked, rank

DEMO_UNITS = Path(__file__).parent / "demo_data" / "units.csv"
DEMO_SETS = ("cchc-xa-2025", "kiem-tra-mot-cua-2025")


def demo_units() -> list[Unit]:
    with DEMO_UNITS.open(encoding="utf-8-sig", newline="") as f:
        return [Unit(r["code"], r["name"], r["kind"], r["parent"]) for r in csv.DictReader(f)]


def demo_results(core: Core) -> dict[str, list[Ranked]]:
    """Each demo set's units, scored and ranked; `Ranked.unit` holds the Unit itself."""
    units = demo_units()
    results: dict[str, list[Ranked]] = {}
    for set_id in DEMO_SETS:
        engine = core.engine(set_id)
        scored = []
        for unit in units:
            rng = random.Random(f"{set_id}/{unit.code}")
            quality = 0.15 + 0.85 * rng.random()
            scored.append((unit, engine.score(sample_answers(engine, rng, quality=quality))))
        by_code = {unit.code: unit for unit in units}
        ranked = rank((unit.code, scores) for unit, scores in scored)
        results[set_id] = [
            Ranked(by_code[r.unit], r.scores, r.rank, r.of)
            for r in ranked  # type: ignore[arg-type]
        ]
    return results
