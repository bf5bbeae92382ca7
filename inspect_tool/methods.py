"""What a scoring method is: the contract between the engine and every method, built in or not.

A method is registered once (through the `register_methods` hook) and used by many items. For
each item it checks the item's params when the set is loaded, declares the inputs it needs so a
front end can draw the form, and compiles the params into a small `Scorer` closure: the engine
then calls that closure per answer, with no lookup or hook call on the hot path.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from .i18n import _
from .model import InputSpec

ParamPath = str | tuple[str | int, ...] | None


@dataclass(frozen=True)
class ParamProblem:
    """A param the method rejects; `path` points into params so the loader can give its line."""

    path: ParamPath
    message: str


class Outcome(NamedTuple):
    """Points for one item, with the rule and figures that produced them.

    The explanation is kept as a template and its arguments, formatted only when someone reads
    it: scoring thousands of units must not format thousands of sentences. Float arguments are
    without a format spec are written as points are (`fmt`): 0.3, not 0.30000000000000004.
    """

    points: float
    template: str = ""
    args: tuple[Any, ...] = ()

    @property
    def explanation(self) -> str:
        return self.explain(_FORMATTER)

    def explain(self, formatter: string.Formatter) -> str:
        """The sentence, with the arguments formatted by `formatter` (a document's own)."""
        return formatter.format(self.template, *self.args) if self.template else ""


class _PointsFormatter(string.Formatter):
    """Formats floats without a format spec as points are written (`fmt`)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, float) and not format_spec:
            return fmt(value)
        return super().format_field(value, format_spec)


_FORMATTER = _PointsFormatter()


Result = tuple[float, str, tuple[Any, ...]]  # an Outcome, or a plain tuple of the same three
Scorer = Callable[[Mapping[str, Any]], Result]


def fmt(value: float) -> str:
    """Points as people write them: 0.5, 1.25, 2 (never 2.0, 0.30000000000000004 or -0)."""
    return f"{round(value, 2) + 0.0:g}"  # adding 0.0 turns -0.0 into 0.0


class ScoringMethod:
    """Base class for scoring methods. Subclass it, set `name`, and override what you need.

    - `param_names`: the params the method accepts; anything else is reported as unknown.
    - `check_params`: further checks of the params against the item's `max_points`.
    - `inputs`: the inputs the method needs, drawn as a form by the app.
    - `check_inputs`: checks across inputs (e.g. numerator not above denominator).
    - `compile`: params → a Scorer giving an Outcome for already-parsed inputs.
    - `signed`: True when the method gives negative points (bonus/penalty areas only).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    required_params: ClassVar[tuple[str, ...]] = ()
    signed: ClassVar[bool] = False

    def validate_params(self, params: Mapping[str, Any], max_points: float) -> list[ParamProblem]:
        """Unknown and missing params first; then the method's own checks if those pass."""
        problems = [
            ParamProblem(
                key,
                _("unknown param '{key}' for method '{method}' (accepted: {names})").format(
                    key=key, method=self.name, names=", ".join(self.param_names) or _("none")
                ),
            )
            for key in params
            if key not in self.param_names
        ]
        problems += [
            ParamProblem(
                None,
                _("method '{method}' needs param '{key}'").format(method=self.name, key=key),
            )
            for key in self.required_params
            if key not in params
        ]
        if problems:
            return problems
        try:
            return self.check_params(params, max_points)
        except Exception as exc:  # a method's own bug must not stop the whole catalog
            return [
                ParamProblem(
                    None,
                    _("method '{method}' could not check its params: {error}").format(
                        method=self.name, error=f"{type(exc).__name__}: {exc}"
                    ),
                )
            ]

    def check_params(self, params: Mapping[str, Any], max_points: float) -> list[ParamProblem]:
        return []

    def inputs(self, params: Mapping[str, Any], max_points: float) -> tuple[InputSpec, ...]:
        raise NotImplementedError

    def check_inputs(
        self, params: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[tuple[str | None, str]]:
        return []

    def compile(self, params: Mapping[str, Any], max_points: float) -> Scorer:
        raise NotImplementedError

    def sample(
        self, params: Mapping[str, Any], max_points: float, rng: random.Random
    ) -> dict[str, Any]:
        """Plausible random inputs, for demos, benchmarks and property tests."""
        return {spec.name: sample_value(spec, rng) for spec in self.inputs(params, max_points)}


def sample_value(spec: InputSpec, rng: random.Random) -> Any:
    """A random valid value for one declared input, leaning towards good results."""
    import datetime as dt

    low = spec.min if spec.min is not None else 0
    if spec.type == "yes_no":
        return rng.random() < 0.85
    if spec.type == "choice":
        return rng.choice(spec.options)[0]
    if spec.type == "checklist":
        return [key for key, _label in spec.options if rng.random() < 0.8]
    if spec.type == "date":
        return dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.triangular(0, 120, 10)))
    if spec.type == "percent":
        high = spec.max if spec.max is not None else 100
        return round(rng.triangular(low, high, high), 1)
    if spec.type == "count":
        high = int(spec.max) if spec.max is not None else 10
        return int(rng.triangular(low, high, low))
    high = spec.max if spec.max is not None else 10
    value = rng.uniform(low, high)
    return round(round(value / spec.step) * spec.step, 4) if spec.step else round(value, 2)


# Small helpers for `check_params`, so that methods stay short and their messages alike.


def number_param(
    params: Mapping[str, Any],
    key: str,
    problems: list[ParamProblem],
    *,
    default: float | None = None,
    low: float | None = None,
    high: float | None = None,
    path: ParamPath = None,
) -> float | None:
    value = params.get(key, default)
    where = path if path is not None else key
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(ParamProblem(where, _("'{key}' must be a number").format(key=key)))
        return None
    if low is not None and value < low - 1e-9:
        problems.append(
            ParamProblem(where, _("'{key}' must be at least {low:g}").format(key=key, low=low))
        )
    if high is not None and value > high + 1e-9:
        problems.append(
            ParamProblem(where, _("'{key}' must be at most {high:g}").format(key=key, high=high))
        )
    return float(value)


def entry_keys(
    entry: Mapping[str, Any],
    allowed: tuple[str, ...],
    path: ParamPath,
    problems: list[ParamProblem],
) -> None:
    """Report keys a list entry (an option, a tier) does not have, e.g. from a stray comma."""
    for key in entry:
        if key not in allowed:
            problems.append(
                ParamProblem(
                    path,
                    _(
                        "unknown key '{key}' (accepted: {names}); quote labels that hold commas"
                    ).format(key=key, names=", ".join(allowed)),
                )
            )


def list_param(
    params: Mapping[str, Any], key: str, problems: list[ParamProblem], *, allow_empty: bool = False
) -> Sequence[Any]:
    value = params.get(key)
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.append(ParamProblem(key, _("'{key}' must be a non-empty list").format(key=key)))
        return []
    return value


def text_param(params: Mapping[str, Any], key: str, default: str = "") -> str:
    value = params.get(key)
    return default if value is None else str(value)
