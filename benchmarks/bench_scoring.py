"""Scoring speed: 10,000 units with random answers on the commune set.

Prints the engine's time and its ratio to a plain-Python floor measured in the same run: the
same points and sums computed directly, with the methods' rules written inline (no plugin
dispatch, no closures, no result objects). The floor is checked against the engine's totals,
so it cannot drift into computing something cheaper.

Goal (issue 2): under 1 s and at most 3x the floor. Last line:
    scoring: <units> units, <items> items, <seconds> s, <ratio>x floor
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_tool.core import open_core  # noqa: E402
from inspect_tool.model import Answer, CriteriaSet, Criterion  # noqa: E402
from inspect_tool.samples import sample_answers  # noqa: E402
from inspect_tool.scoring import Engine  # noqa: E402


def _plain_rule(c: Criterion) -> Callable[[dict], float]:
    """The item's rule written out directly, as a hand-made scorer would."""
    p, top = c.params, c.max_points
    if c.method == "manual":
        return lambda v: round(v["points"], 2)
    if c.method == "yes_no":
        yes, no = p.get("yes", top), p.get("no", 0)
        return lambda v: yes if v["done"] else no
    if c.method == "choice":
        table = {str(o["key"]): o["points"] for o in p["options"]}
        return lambda v: table[v["choice"]]
    if c.method == "checklist":
        each = p.get("points_each")
        pts = {
            str(i["key"] if isinstance(i, dict) else i): (
                i.get("points", each) if isinstance(i, dict) else each
            )
            for i in p["items"]
        }
        return lambda v: round(min(top, sum(pts[k] for k in v["ticked"])), 2)
    if c.method == "ratio":
        target = p.get("target", 100)
        empty = top if p.get("when_empty", "full") == "full" else 0.0

        def ratio(v: dict) -> float:
            den = v["denominator"] - (v.get("excused") or 0)
            return (
                empty if den <= 0 else round(top * min(1.0, v["numerator"] * 100 / den / target), 2)
            )

        return ratio
    if c.method == "tiers":
        tiers = [(t["min"], t["points"]) for t in p["tiers"]]
        below = p.get("below", 0)
        return lambda v: next((pt for low, pt in tiers if v["value"] >= low), below)
    if c.method == "deduction":
        per = p["per"]
        return lambda v: round(max(0.0, top - per * v["count"]), 2)
    if c.method == "deadline":
        deadline = p["deadline"]
        late = [(t["days"], t["points"]) for t in p.get("late") or []]

        def dl(v: dict) -> float:
            d = v["date"]
            if d is None:
                return 0.0
            if d <= deadline:
                return top
            return next((pt for lim, pt in late if (d - deadline).days <= lim), 0.0)

        return dl
    if c.method == "bonus_penalty":
        per = p.get("per", top)
        sign = 1 if p["direction"] == "bonus" else -1
        return lambda v: round(sign * min(top, per * v["count"]), 2)
    raise SystemExit(f"the floor has no rule for method {c.method}")


def plain_floor(cset: CriteriaSet, units: list[dict[str, Answer]]) -> list[float]:
    """Totals computed directly: a nested walk of the tree, sums and caps inline."""
    rules = {c.code: _plain_rule(c) for c in cset.items()}

    def node(c: Criterion, answers: dict[str, Answer]) -> tuple[float, float]:
        if c.children:
            pts = top = 0.0
            for child in c.children:
                a, b = node(child, answers)
                pts += a
                top += b
            return min(pts, top), top
        answer = answers.get(c.code)
        if answer is None:
            return 0.0, c.max_points
        if answer.na:
            return (c.max_points, c.max_points) if c.na_policy == "full" else (0.0, 0.0)
        return rules[c.code](answer.inputs), c.max_points

    totals = []
    for answers in units:
        regular = bonus = maximum = 0.0
        for area in cset.areas:
            pts = top = 0.0
            for c in area.criteria:
                a, b = node(c, answers)
                pts += a
                top += b
            if area.is_bonus_penalty:
                bonus += min(area.max_points, max(area.min_points, pts))
            else:
                regular += min(pts, top)
                maximum += top
        totals.append(min(maximum, max(0.0, round(regular + bonus, 2))))
    return totals


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--set", default="cchc-xa-2025")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    core = open_core(entry_points=False)
    cset = core.criteria_set(args.set)
    items = sum(1 for _ in cset.items())
    rng = random.Random(2026)
    engine = core.engine(cset)
    t0 = time.perf_counter()
    units = [sample_answers(engine, rng, quality=rng.random()) for _ in range(args.units)]
    gc.freeze()  # the inputs are long-lived; keep the collector from rescanning them
    print(f"generated {args.units} units' answers in {time.perf_counter() - t0:.2f} s")

    t0 = time.perf_counter()
    Engine(cset, core.registry.methods)
    print(f"compile: {(time.perf_counter() - t0) * 1000:.2f} ms")

    engine_s, scores = timed(lambda: [engine.score(a) for a in units], args.repeat)
    floor_s, floor_totals = timed(lambda: plain_floor(cset, units), args.repeat)
    mismatches = sum(
        1 for s, f in zip(scores, floor_totals, strict=True) if abs(s.total - f) > 0.011
    )
    if mismatches:
        raise SystemExit(f"floor and engine disagree on {mismatches} units")
    print(f"engine: {engine_s:.3f} s ({engine_s / args.units * 1e6:.1f} us/unit)")
    print(f"floor:  {floor_s:.3f} s ({floor_s / args.units * 1e6:.1f} us/unit)")
    print(
        f"scoring: {args.units} units, {items} items, {engine_s:.3f} s, "
        f"{engine_s / floor_s:.2f}x floor"
    )


if __name__ == "__main__":
    main()
