"""What a scoring method is: the contract between the engine and every method, built in or not.

A method is registered once (through the `register_methods` hook) and used by many items. For
each item it checks the item's params when the set is loaded, declares the inputs it needs so a
front end can draw the form, and compiles the params into a small `Scorer` closure: the engine
then calls that closure per answer, with no lookup or hook call on the hot path.
"""

from __future__ import annotations

import math
import numbers
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
        """The sentence, with the arguments formatted by `formatter` (a document's own).

        A template the formatter cannot fill (a plugin's `{0:.1f}` given a text) falls back to
        the plain formatter, then to the template as written: an explanation never stops a
        document."""
        if not self.template:
            return ""
        try:
            return formatter.format(self.template, *self.args)
        except Exception:
            pass
        try:
            return _FORMATTER.format(self.template, *self.args)
        except Exception:
            return str(self.template)


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
    if not is_number(value):
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


# -- the boundary: what a plugin's method returns is checked before the tool uses it ----------

LARGEST = 1_000_000_000  # no point or figure of an assessment comes near; past it is a mistake


def is_number(value: Any) -> bool:
    """A real, finite number of a sane size: not a bool, NaN, infinity or a 400-digit int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return math.isfinite(value) and abs(value) <= LARGEST
    except (OverflowError, TypeError, ValueError):
        return False


def _shown(value: Any, limit: int = 60) -> str:
    """A plugin's value, short enough for a message (its repr may be huge or may raise)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error(exc: BaseException) -> str:
    """An exception as `Type: message`, the message cut short."""
    try:
        message = str(exc)
    except Exception:
        message = ""
    if len(message) > 200:
        message = message[:199] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class PluginMethodError(ValueError):
    """A plugin's method returned something the tool cannot use; the message says what."""


class GuardedMethod(ScoringMethod):
    """A plugin's method behind the boundary.

    The engine and the loader trust what a method returns; a plugin's may return anything. This
    wrapper checks every return value (type, range, finiteness) and turns each bad one into
    that plugin's failure, named, with the reason: a param problem when a set is loaded, a
    refusal of the method's declaration, or 0 points and the reason when scoring. The built-in
    methods are not wrapped.
    """

    def __init__(self, method: ScoringMethod, plugin: str):
        self.inner = method
        self.plugin = plugin
        self.name = str(method.name)  # type: ignore[misc]
        self.description = str(getattr(method, "description", "") or "")  # type: ignore[misc]
        self.param_names = tuple(str(p) for p in method.param_names)  # type: ignore[misc]
        self.required_params = tuple(str(p) for p in method.required_params)  # type: ignore[misc]
        self.signed = bool(method.signed)  # type: ignore[misc]
        self._checks = type(method).check_inputs is not ScoringMethod.check_inputs

    def _who(self, what: str) -> str:
        return _("plugin '{plugin}', method '{method}': {what}").format(
            plugin=self.plugin, method=self.name, what=what
        )

    def __repr__(self) -> str:
        return f"GuardedMethod({self.inner!r}, {self.plugin!r})"

    # -- when a set is loaded ----------------------------------------------------------------

    def validate_params(self, params: Mapping[str, Any], max_points: float) -> list[ParamProblem]:
        try:
            found = self.inner.validate_params(params, max_points)
        except Exception as exc:
            what = _("could not check its params: {error}").format(error=_error(exc))
            return [ParamProblem(None, self._who(what))]
        if not isinstance(found, list | tuple) or not all(
            isinstance(p, ParamProblem) and _good_path(p.path) for p in found
        ):
            what = _("check_params returned {value}, not a list of ParamProblem").format(
                value=_shown(found)
            )
            return [ParamProblem(None, self._who(what))]
        return [ParamProblem(p.path, str(p.message)) for p in found]

    def check_params(self, params: Mapping[str, Any], max_points: float) -> list[ParamProblem]:
        return self.validate_params(params, max_points)

    def inputs(self, params: Mapping[str, Any], max_points: float) -> tuple[InputSpec, ...]:
        """The declared inputs, checked; PluginMethodError says what is wrong with them."""
        specs = self.inner.inputs(params, max_points)
        if not isinstance(specs, list | tuple) or not specs:
            what = _("inputs() returned {value}, not a tuple of InputSpec").format(
                value=_shown(specs)
            )
            raise PluginMethodError(self._who(what))
        names: set[str] = set()
        for spec in specs:
            problem = _spec_problem(spec, names)
            if problem:
                raise PluginMethodError(self._who(problem))
        return tuple(specs)

    # -- when an answer is checked and scored ---------------------------------------------------

    def check_inputs(
        self, params: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[tuple[str | None, str]]:
        """The method's refusals; a method that raises or answers nonsense refuses nothing here
        and gives 0 points with the reason when scored (the inputs already passed their
        declared checks)."""
        if not self._checks:
            return []
        try:
            found = self.inner.check_inputs(params, values)
        except Exception:
            return []
        if found is None:
            return []
        if not isinstance(found, list | tuple) or not all(
            isinstance(p, list | tuple)
            and len(p) == 2
            and (p[0] is None or isinstance(p[0], str))
            and isinstance(p[1], str)
            for p in found
        ):
            return []
        return [
            (name, why if why.strip() else self._who(_("refused without a reason")))
            for name, why in found
        ]

    def compile(self, params: Mapping[str, Any], max_points: float) -> Scorer:
        low = -max_points if self.signed else 0.0
        high = max_points
        inner, checks = self.inner, self._checks
        template = _("plugin '{0}', method '{1}': {2}; counted as 0")
        plugin, name = self.plugin, self.name

        def failed(why: str) -> Outcome:
            return Outcome(0.0, template, (plugin, name, why))

        try:
            scorer = inner.compile(params, max_points)
        except Exception as exc:
            reason = _("compile failed: {error}").format(error=_error(exc))
            return lambda values: failed(reason)
        if not callable(scorer):
            reason = _("compile returned {value}, not a scorer").format(value=_shown(scorer))
            return lambda values: failed(reason)

        def guarded(values: Mapping[str, Any]) -> Outcome:
            if checks:
                try:
                    found = inner.check_inputs(params, values)
                except Exception as exc:
                    return failed(_("check_inputs failed: {error}").format(error=_error(exc)))
                if found is not None and not isinstance(found, list | tuple):
                    return failed(
                        _("check_inputs returned {value}, not a list").format(value=_shown(found))
                    )
            try:
                result = scorer(values)
            except Exception as exc:
                return failed(_("the scorer failed: {error}").format(error=_error(exc)))
            outcome, why = checked_outcome(result, low, high)
            return outcome if why is None else failed(why)

        return guarded

    def sample(
        self, params: Mapping[str, Any], max_points: float, rng: random.Random
    ) -> dict[str, Any]:
        try:
            values = self.inner.sample(params, max_points, rng)
            if isinstance(values, dict):
                return values
        except Exception:
            pass
        return ScoringMethod.sample(self, params, max_points, rng)


def checked_outcome(result: Any, low: float, high: float) -> tuple[Outcome, str | None]:
    """A scorer's result as an Outcome, or (a zero Outcome, why it cannot be used)."""
    zero = Outcome(0.0)
    if not isinstance(result, tuple) or not 1 <= len(result) <= 3:
        return zero, _("the scorer returned {value}, not an Outcome").format(value=_shown(result))
    points = result[0]
    template = result[1] if len(result) > 1 else ""
    args = result[2] if len(result) > 2 else ()
    if not is_number(points):
        return zero, _("the scorer gave {value} as points, not a finite number").format(
            value=_shown(points)
        )
    points = float(points)
    if not low - 1e-9 <= points <= high + 1e-9:
        return zero, _("the scorer gave {points} points, outside {low} to {high}").format(
            points=fmt(points), low=fmt(low), high=fmt(high)
        )
    if not isinstance(template, str) or not isinstance(args, tuple | list):
        return zero, _("the scorer's explanation is not a template and a tuple of values")
    args = tuple(args)
    try:
        _FORMATTER.format(template, *args)
    except Exception as exc:
        return zero, _("the scorer's explanation cannot be written: {error}").format(
            error=_error(exc)
        )
    return Outcome(points, template, args), None


def _good_path(path: Any) -> bool:
    if path is None or isinstance(path, str):
        return True
    return isinstance(path, tuple) and all(
        isinstance(step, str) or (isinstance(step, int) and not isinstance(step, bool))
        for step in path
    )


def _spec_problem(spec: Any, names: set[str]) -> str:
    """What is wrong with one declared input, or ""."""
    from .inputs import INPUT_TYPES

    if not isinstance(spec, InputSpec):
        return _("inputs() returned {value}, not a tuple of InputSpec").format(value=_shown(spec))
    if not isinstance(spec.name, str) or not spec.name or spec.name in names:
        return _("input name {name} is empty, not a text or used twice").format(
            name=_shown(spec.name)
        )
    names.add(spec.name)
    if spec.type not in INPUT_TYPES:
        return _("input '{name}' has unknown type {type}").format(
            name=spec.name, type=_shown(spec.type)
        )
    for key in ("min", "max", "step"):
        value = getattr(spec, key)
        if value is not None and not is_number(value):
            return _("input '{name}': '{key}' must be a finite number, not {value}").format(
                name=spec.name, key=key, value=_shown(value)
            )
    if spec.step is not None and spec.step <= 0:
        return _("input '{name}': '{key}' must be a finite number, not {value}").format(
            name=spec.name, key="step", value=_shown(spec.step)
        )
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        return _("input '{name}': 'min' is above 'max'").format(name=spec.name)
    options = spec.options
    if not isinstance(options, tuple) or not all(
        isinstance(o, tuple) and len(o) == 2 and all(isinstance(t, str) for t in o) for o in options
    ):
        return _("input '{name}': options must be (key, label) pairs of texts").format(
            name=spec.name
        )
    if spec.type in ("choice", "checklist") and not options:
        return _("input '{name}' of type {type} needs options").format(
            name=spec.name, type=spec.type
        )
    return ""
