"""The built-in scoring methods, registered through the same hook that plugins use.

Each follows a rule seen in real reform criteria sets (see docs/criteria-format.md). Points
are rounded to two decimals, as the sets and the minutes write them. Scorers return plain
`(points, template, args)` tuples rather than `Outcome`s: the same shape, built in C, which
matters when a province's whole year is scored at once.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from typing import Any

from .hookspecs import hookimpl
from .i18n import _
from .inputs import option_pair
from .methods import (
    ParamProblem,
    Result,
    Scorer,
    ScoringMethod,
    entry_keys,
    fmt,
    list_param,
    number_param,
    text_param,
)
from .model import InputSpec


class Manual(ScoringMethod):
    name = "manual"
    description = "Points typed by the assessor, in steps"
    param_names = ("step",)

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        step = number_param(params, "step", problems, default=0.01, low=0.001, high=max_points)
        if step and not problems and abs(max_points / step - round(max_points / step)) > 1e-6:
            problems.append(
                ParamProblem(
                    "step",
                    _("max_points {max} is not a multiple of step {step}").format(
                        max=fmt(max_points), step=fmt(step)
                    ),
                )
            )
        return problems

    def inputs(self, params, max_points):
        step = float(params.get("step", 0.01))
        label = _("Points (0 to {max})").format(max=fmt(max_points))
        return (InputSpec("points", "number", label, min=0, max=max_points, step=step),)

    def compile(self, params, max_points):
        why = _("points given by the assessor: {0}")

        def score(values: Mapping[str, Any]) -> Result:
            points = round(values["points"], 2)
            return (points, why, (points,))

        return score


class YesNo(ScoringMethod):
    name = "yes_no"
    description = "Done → full points (or `yes`), not done → 0 (or `no`)"
    param_names = ("question", "yes", "no")

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        number_param(params, "yes", problems, default=max_points, low=0, high=max_points)
        number_param(params, "no", problems, default=0, low=0, high=max_points)
        return problems

    def inputs(self, params, max_points):
        return (InputSpec("done", "yes_no", text_param(params, "question", _("Done?"))),)

    def compile(self, params, max_points):
        yes, no = float(params.get("yes", max_points)), float(params.get("no", 0))
        done, not_done = (yes, _("done"), ()), (no, _("not done"), ())

        def score(values: Mapping[str, Any]) -> Result:
            return done if values["done"] else not_done

        return score


class Choice(ScoringMethod):
    name = "choice"
    description = "One of several labelled options, each with its points"
    param_names = ("options", "question")
    required_params = ("options",)

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        options = list_param(params, "options", problems)
        seen: set[str] = set()
        best = 0.0
        for i, option in enumerate(options):
            if not isinstance(option, Mapping) or "key" not in option or "points" not in option:
                problems.append(
                    ParamProblem(("options", i), _("an option needs 'key', 'label' and 'points'"))
                )
                continue
            entry_keys(option, ("key", "label", "points"), ("options", i), problems)
            key = str(option["key"])
            if key in seen:
                problems.append(
                    ParamProblem(("options", i), _("duplicate option '{key}'").format(key=key))
                )
            seen.add(key)
            points = number_param(
                option, "points", problems, low=0, high=max_points, path=("options", i)
            )
            best = max(best, points or 0)
        if options and not problems and abs(best - max_points) > 1e-6:
            problems.append(
                ParamProblem(
                    "options",
                    _("no option gives the maximum of {max} points").format(max=fmt(max_points)),
                )
            )
        return problems

    def inputs(self, params, max_points):
        options = tuple(option_pair(o) for o in params["options"])
        return (
            InputSpec(
                "choice", "choice", text_param(params, "question", _("Choice")), options=options
            ),
        )

    def compile(self, params, max_points):
        table = {
            str(o["key"]): (float(o["points"]), str(o.get("label") or o["key"]))
            for o in params["options"]
        }
        why = _("{0} → {1}")

        def score(values: Mapping[str, Any]) -> Result:
            points, label = table[values["choice"]]
            return (points, why, (label, points))

        return score


class Checklist(ScoringMethod):
    name = "checklist"
    description = "Points for each element satisfied, capped at the maximum"
    param_names = ("items", "points_each", "question")
    required_params = ("items",)

    def _points(self, params) -> list[tuple[str, str, float]]:
        each = params.get("points_each")
        rows = []
        for item in params["items"]:
            key, label = option_pair(item)
            points = item.get("points", each) if isinstance(item, Mapping) else each
            rows.append((key, label, float(points)))
        return rows

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        items = list_param(params, "items", problems)
        if "points_each" in params:
            number_param(params, "points_each", problems, low=0, high=max_points)
        keys: set[str] = set()
        for i, item in enumerate(items):
            key = option_pair(item)[0]
            if isinstance(item, Mapping):
                entry_keys(item, ("key", "label", "points"), ("items", i), problems)
            if key in keys:
                problems.append(
                    ParamProblem(("items", i), _("duplicate item '{key}'").format(key=key))
                )
            keys.add(key)
            if isinstance(item, Mapping) and "points" in item:
                number_param(item, "points", problems, low=0, high=max_points, path=("items", i))
            elif "points_each" not in params:
                problems.append(
                    ParamProblem(("items", i), _("no 'points' for this item and no 'points_each'"))
                )
        if problems:
            return problems
        reachable = sum(points for _k, _l, points in self._points(params))
        if reachable < max_points - 1e-6:
            problems.append(
                ParamProblem(
                    "items",
                    _("the items give at most {reach} of the {max} points").format(
                        reach=fmt(reachable), max=fmt(max_points)
                    ),
                )
            )
        return problems

    def inputs(self, params, max_points):
        options = tuple((key, label) for key, label, _p in self._points(params))
        label = text_param(params, "question", _("Elements satisfied"))
        return (InputSpec("ticked", "checklist", label, options=options, required=False),)

    def compile(self, params, max_points):
        points_of = {key: points for key, _label, points in self._points(params)}
        total = len(points_of)
        why = _("{0} of {1} elements → {2}")

        def score(values: Mapping[str, Any]) -> Result:
            ticked = values["ticked"]
            points = round(min(max_points, sum(map(points_of.__getitem__, ticked))), 2)
            return (points, why, (len(ticked), total, points))

        return score


class Ratio(ScoringMethod):
    name = "ratio"
    description = "Share of a count against a target percentage, scaled to the maximum"
    param_names = ("numerator", "denominator", "excused", "target", "when_empty")
    required_params = ("numerator", "denominator")

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        number_param(params, "target", problems, default=100, low=1, high=100)
        if params.get("when_empty", "full") not in ("full", "zero"):
            problems.append(ParamProblem("when_empty", _("'when_empty' must be full or zero")))
        return problems

    def inputs(self, params, max_points):
        specs = [
            InputSpec("numerator", "count", str(params["numerator"])),
            InputSpec("denominator", "count", str(params["denominator"])),
        ]
        if params.get("excused"):
            specs.append(InputSpec("excused", "count", str(params["excused"]), required=False))
        return tuple(specs)

    def check_inputs(self, params, values):
        den = values.get("denominator") or 0
        excused = values.get("excused") or 0
        if excused > den:
            return [
                (
                    "excused",
                    _("cannot exceed {label} ({n})").format(label=params["denominator"], n=den),
                )
            ]
        if (values.get("numerator") or 0) > den - excused:
            return [
                (
                    "numerator",
                    _("cannot exceed {label} less those excused ({n})").format(
                        label=params["denominator"], n=den - excused
                    ),
                )
            ]
        return []

    def sample(self, params, max_points, rng: random.Random):
        den = rng.randint(0, 500)
        excused = rng.randint(0, den // 20) if params.get("excused") else 0
        num = int((den - excused) * rng.triangular(0.6, 1, 1))
        values = {"numerator": num, "denominator": den}
        if params.get("excused"):
            values["excused"] = excused
        return values

    def compile(self, params, max_points):
        target = float(params.get("target", 100))
        empty = max_points if params.get("when_empty", "full") == "full" else 0.0
        why = _("{0}/{1} = {2}% (target {3}%) → {4}")
        why_empty = _("nothing to count → {0}")

        def score(values: Mapping[str, Any]) -> Result:
            num = values["numerator"]
            den = values["denominator"] - (values.get("excused") or 0)
            if den <= 0:
                return (empty, why_empty, (empty,))
            rate = num * 100.0 / den
            points = round(max_points * min(1.0, rate / target), 2)
            return (points, why, (num, den, rate, target, points))

        return score


class Tiers(ScoringMethod):
    name = "tiers"
    description = "A figure against thresholds, each giving its points"
    param_names = ("input", "tiers", "below")
    required_params = ("tiers",)

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        spec = params.get("input", {})
        if not isinstance(spec, Mapping):
            problems.append(ParamProblem("input", _("'input' must be a mapping with a label")))
        else:
            entry_keys(spec, ("label", "type", "min", "max"), "input", problems)
        if isinstance(spec, Mapping) and spec.get("type", "percent") not in (
            "percent",
            "number",
            "count",
        ):
            problems.append(
                ParamProblem(("input", "type"), _("'type' must be percent, number or count"))
            )
        number_param(params, "below", problems, default=0, low=0, high=max_points)
        previous = None
        for i, tier in enumerate(list_param(params, "tiers", problems)):
            if not isinstance(tier, Mapping) or "min" not in tier or "points" not in tier:
                problems.append(ParamProblem(("tiers", i), _("a tier needs 'min' and 'points'")))
                continue
            entry_keys(tier, ("min", "points"), ("tiers", i), problems)
            low = number_param(tier, "min", problems, path=("tiers", i))
            number_param(tier, "points", problems, low=0, high=max_points, path=("tiers", i))
            if low is not None and previous is not None and low >= previous:
                problems.append(
                    ParamProblem(("tiers", i), _("tiers must be listed highest 'min' first"))
                )
            previous = low if low is not None else previous
        return problems

    def inputs(self, params, max_points):
        spec = params.get("input") or {}
        return (
            InputSpec(
                "value",
                str(spec.get("type", "percent")),
                str(spec.get("label", _("Value"))),
                min=spec.get("min"),
                max=spec.get("max"),
            ),
        )

    def sample(self, params, max_points, rng):
        """A value in a random band between thresholds, so every tier gets visited."""
        (spec,) = self.inputs(params, max_points)
        top = spec.max if spec.max is not None else 100 if spec.type == "percent" else None
        low = spec.min if spec.min is not None else 0
        bounds = [float(t["min"]) for t in params["tiers"]]
        edges = [top if top is not None else bounds[0] * 1.2, *bounds, low]
        i = rng.randrange(len(edges) - 1)
        lo, hi = sorted((edges[i], edges[i + 1]))
        value = rng.uniform(max(lo, low), hi if top is None else min(hi, top))
        return {"value": int(value) if spec.type == "count" else round(value, 1)}

    def compile(self, params, max_points):
        tiers = [(float(t["min"]), float(t["points"])) for t in params["tiers"]]
        below = float(params.get("below", 0))
        why, why_below = _("{0} ≥ {1} → {2}"), _("{0} below every threshold → {1}")

        def score(values: Mapping[str, Any]) -> Result:
            value = values["value"]
            for low, points in tiers:
                if value >= low:
                    return (points, why, (value, low, points))
            return (below, why_below, (value, below))

        return score


class Deduction(ScoringMethod):
    name = "deduction"
    description = "Points off per occurrence, never below 0"
    param_names = ("per", "label")
    required_params = ("per",)

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        number_param(params, "per", problems, low=0.001, high=max_points)
        return problems

    def inputs(self, params, max_points):
        return (InputSpec("count", "count", text_param(params, "label", _("Occurrences"))),)

    def sample(self, params, max_points, rng):
        return {"count": int(rng.triangular(0, 6, 0))}

    def compile(self, params, max_points):
        per = float(params["per"])
        why = _("{0} × −{1} → {2}")

        def score(values: Mapping[str, Any]) -> Result:
            count = values["count"]
            points = round(max(0.0, max_points - per * count), 2)
            return (points, why, (count, per, points))

        return score


class Deadline(ScoringMethod):
    name = "deadline"
    description = "A date against a deadline: on time full points, late by tiers, never 0"
    param_names = ("deadline", "late", "label")
    required_params = ("deadline",)

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        if not isinstance(params["deadline"], dt.date):
            problems.append(
                ParamProblem("deadline", _("'deadline' must be a date such as 2025-01-31"))
            )
        previous = 0
        for i, tier in enumerate(params.get("late") or []):
            if not isinstance(tier, Mapping) or "days" not in tier or "points" not in tier:
                problems.append(
                    ParamProblem(("late", i), _("a late tier needs 'days' and 'points'"))
                )
                continue
            entry_keys(tier, ("days", "points"), ("late", i), problems)
            days = number_param(tier, "days", problems, low=1, path=("late", i))
            number_param(tier, "points", problems, low=0, high=max_points, path=("late", i))
            if days is not None and days <= previous:
                problems.append(ParamProblem(("late", i), _("late tiers must list 'days' rising")))
            previous = days if days is not None else previous
        return problems

    def inputs(self, params, max_points):
        label = text_param(params, "label", _("Date done (empty if not done)"))
        return (InputSpec("date", "date", label, required=False),)

    def sample(self, params, max_points, rng):
        if rng.random() < 0.1:
            return {"date": None}
        return {"date": params["deadline"] + dt.timedelta(days=int(rng.triangular(-25, 60, -5)))}

    def compile(self, params, max_points):
        deadline: dt.date = params["deadline"]
        late = [(int(t["days"]), float(t["points"])) for t in params.get("late") or []]
        on_time, not_done = _("done {0}, by the deadline {1}"), _("not done → 0")
        late_why = _("done {0}, {1} days after the deadline {2} → {3}")

        def score(values: Mapping[str, Any]) -> Result:
            done = values["date"]
            if done is None:
                return (0.0, not_done, ())
            if done <= deadline:
                return (max_points, on_time, (done, deadline))
            days = (done - deadline).days
            points = next((p for limit, p in late if days <= limit), 0.0)
            return (points, late_why, (done, days, deadline, points))

        return score


class BonusPenalty(ScoringMethod):
    name = "bonus_penalty"
    description = "Signed points per occurrence, for bonus/penalty areas"
    param_names = ("direction", "per", "label")
    required_params = ("direction",)
    signed = True

    def check_params(self, params, max_points):
        problems: list[ParamProblem] = []
        if params["direction"] not in ("bonus", "penalty"):
            problems.append(ParamProblem("direction", _("'direction' must be bonus or penalty")))
        number_param(params, "per", problems, default=max_points, low=0.001, high=max_points)
        return problems

    def inputs(self, params, max_points):
        return (InputSpec("count", "count", text_param(params, "label", _("Occurrences"))),)

    def sample(self, params, max_points, rng):
        return {"count": int(rng.triangular(0, 3, 0))}

    def compile(self, params, max_points):
        per = float(params.get("per", max_points))
        sign = 1.0 if params["direction"] == "bonus" else -1.0
        why = _("{0} × {1} → {2}")

        def score(values: Mapping[str, Any]) -> Result:
            count = values["count"]
            points = round(sign * min(max_points, per * count), 2)
            return (points, why, (count, sign * per, points))

        return score


BUILTIN_METHODS: tuple[type[ScoringMethod], ...] = (
    Manual,
    YesNo,
    Choice,
    Checklist,
    Ratio,
    Tiers,
    Deduction,
    Deadline,
    BonusPenalty,
)


@hookimpl
def register_methods(register: Callable[[ScoringMethod], None]) -> None:
    for method in BUILTIN_METHODS:
        register(method())


__all__ = ["BUILTIN_METHODS", "Scorer", "register_methods"]
