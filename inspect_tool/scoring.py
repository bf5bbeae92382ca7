"""The scoring engine: a pure function of (criteria set, methods, answers).

No I/O and no UI here, so scoring is easy to test and fast. A set is compiled once into an
`Engine`: every item's method is resolved and its params turned into a scorer closure, and the
tree is flattened into index lists, so scoring a unit is two tight loops over plain lists.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any, NamedTuple

from .i18n import _
from .inputs import parse_inputs
from .methods import Outcome, Scorer, ScoringMethod, sample_value
from .model import Answer, Band, CriteriaSet, Criterion, InputSpec

UNANSWERED, ANSWERED, NOT_APPLICABLE = "unanswered", "answered", "na"


class AnswerError(ValueError):
    """An answer refused: `problems` lists (input name or None, reason)."""

    def __init__(self, code: str, problems: list[tuple[str | None, str]]):
        self.code = code
        self.problems = problems
        text = "; ".join(f"{name}: {why}" if name else why for name, why in problems)
        super().__init__(_("item {code}: {problems}").format(code=code, problems=text))


class Scores:
    """The result for one unit: the totals at once, the detail of every node on demand.

    Ranking thousands of units needs only totals, so the per-code views (`points`, `maxima`,
    `status`, `outcomes`) are built the first time they are read, from the engine's lists and
    the answers the unit was scored with. Both are immutable, so the views cannot drift.
    """

    def __init__(
        self,
        engine: Engine,
        answers: Mapping[str, Answer],
        points: list[float],
        maxima: list[float],
        total: float,
        max_points: float,
        index: float,
        band: Band | None,
    ):
        self.engine = engine
        self.answers = answers
        self._points = points
        self._maxima = maxima
        self.total = total
        self.max_points = max_points
        self.index = index
        self.band = band

    @property
    def set_key(self) -> str:
        return self.engine.cset.key

    @cached_property
    def points(self) -> dict[str, float]:
        """Every code (item, criterion, area) → points."""
        return {c: round(p, 2) for c, p in zip(self.engine.codes, self._points, strict=True)}

    @cached_property
    def maxima(self) -> dict[str, float]:
        """Every code → its maximum after N/A exclusions."""
        return {c: round(m, 2) for c, m in zip(self.engine.codes, self._maxima, strict=True)}

    @cached_property
    def status(self) -> dict[str, str]:
        """Item code → answered / na / unanswered, in the set's order."""
        get = self.answers.get
        return {
            code: UNANSWERED if (a := get(code)) is None else NOT_APPLICABLE if a.na else ANSWERED
            for code in self.engine.item_codes
        }

    @cached_property
    def outcomes(self) -> dict[str, Outcome]:
        """Answered item code → how its points came about (the scorer is pure: run it again)."""
        return {
            code: self.engine.outcome(code, self.answers[code])
            for code, state in self.status.items()
            if state == ANSWERED
        }

    def explanation(self, code: str, formatter: string.Formatter | None = None) -> str:
        """How the item's points came about; `formatter` formats the figures (a document
        writes 99,91 and 20/11/2025)."""
        outcome = self.outcomes.get(code)
        if outcome is not None:
            return outcome.explain(formatter) if formatter else outcome.explanation
        if self.status.get(code) == NOT_APPLICABLE:
            if self.maxima.get(code):
                return _("not applicable, counted as full points")
            return _("not applicable, left out of the maximum")
        return _("not answered") if code in self.status else ""

    @property
    def answered(self) -> int:
        return sum(1 for s in self.status.values() if s != UNANSWERED)

    @property
    def band_label(self) -> str:
        return self.band.label if self.band else ""


class _Item(NamedTuple):
    code: str
    slot: int
    max_points: float
    scorer: Scorer
    na_full: bool


class _Group(NamedTuple):
    slot: int
    children: Callable[[list[float]], tuple[float, ...]]  # picks the children's values
    low: float  # the net of a bonus/penalty group may go down to `low`
    high: float
    bonus: bool


def _picker(slots: tuple[int, ...]) -> Callable[[list[float]], tuple[float, ...]]:
    """A C-level getter of the children's values (itemgetter returns a bare value for one)."""
    if len(slots) == 1:
        only = slots[0]
        return lambda values: (values[only],)
    return itemgetter(*slots)


def _failing(method: str, exc: Exception) -> Scorer:
    """The scorer of a method that could not compile: 0 points, and why."""
    outcome = Outcome(
        0.0, _("method '{0}' failed: {1}; counted as 0"), (method, f"{type(exc).__name__}: {exc}")
    )
    return lambda values: outcome


class Engine:
    """A criteria set compiled against the registered methods, ready to check and score."""

    def __init__(self, cset: CriteriaSet, methods: Mapping[str, ScoringMethod]):
        self.cset = cset
        self._methods: dict[str, ScoringMethod] = {}
        self._leaves: dict[str, Criterion] = {}
        self._items: list[_Item] = []
        self._groups: list[_Group] = []  # children before parents
        self.codes: list[str] = []
        regular: list[int] = []
        bonus_areas: list[int] = []
        for area in cset.areas:
            bonus = area.is_bonus_penalty
            slots = tuple(self._compile(c, methods, bonus) for c in area.criteria)
            slot = self._slot(area.code)
            low = area.min_points if bonus else 0.0
            self._groups.append(_Group(slot, _picker(slots), low, area.max_points, bonus))
            (bonus_areas if bonus else regular).append(slot)
        self._regular = _picker(tuple(regular)) if regular else (lambda values: ())
        self._bonus = _picker(tuple(bonus_areas)) if bonus_areas else (lambda values: ())
        self._scorers = {item.code: item.scorer for item in self._items}
        self.item_codes = tuple(item.code for item in self._items)
        full = {c.code: c.max_points for c in cset.nodes()}
        full.update((a.code, a.max_points) for a in cset.areas)
        self._full_maxima = [full[code] for code in self.codes]

    def _slot(self, code: str) -> int:
        self.codes.append(code)
        return len(self.codes) - 1

    def _compile(self, node: Criterion, methods: Mapping[str, ScoringMethod], bonus: bool) -> int:
        if node.children:
            slots = tuple(self._compile(c, methods, bonus) for c in node.children)
            slot = self._slot(node.code)
            low = -node.max_points if bonus else 0.0
            self._groups.append(_Group(slot, _picker(slots), low, node.max_points, bonus))
            return slot
        method = methods[node.method or ""]
        self._methods[node.code] = method
        self._leaves[node.code] = node
        slot = self._slot(node.code)
        try:  # a plugin's method is guarded (methods.GuardedMethod); this is the last net
            scorer = method.compile(node.params, node.max_points)
        except Exception as exc:
            scorer = _failing(method.name, exc)
        self._items.append(
            _Item(node.code, slot, node.max_points, scorer, node.na_policy == "full")
        )
        return slot

    # -- what front ends need -----------------------------------------------------------------

    def item(self, code: str) -> Criterion:
        try:
            return self._leaves[code]
        except KeyError:
            raise KeyError(
                _("no scorable item '{code}' in {set}").format(code=code, set=self.cset.key)
            ) from None

    def method(self, code: str) -> ScoringMethod:
        self.item(code)
        return self._methods[code]

    def inputs(self, code: str) -> tuple[InputSpec, ...]:
        """The form for one item: the method's declared inputs, then the recorded figures."""
        item = self.item(code)
        return self._methods[code].inputs(item.params, item.max_points) + item.record

    def check(self, code: str, raw: Mapping[str, Any] | None, *, na: bool = False) -> Answer:
        """Turn raw inputs into a valid Answer for one item, or raise AnswerError with reasons."""
        item = self.item(code)
        if na:
            if item.na_policy == "forbid":
                raise AnswerError(code, [(None, _("this item may not be marked not applicable"))])
            return Answer(na=True)
        values, problems = parse_inputs(self.inputs(code), raw or {})
        if not problems:
            problems = self._methods[code].check_inputs(item.params, values)
        if problems:
            raise AnswerError(code, problems)
        return Answer(inputs=values)

    def outcome(self, code: str, answer: Answer) -> Outcome:
        """How an answer scores; a method that raises gives 0 points and says so."""
        try:
            return Outcome._make(self.scorer(code)(answer.inputs))
        except Exception as exc:
            method = self._methods[code].name
            return Outcome(
                0.0,
                _("method '{0}' failed: {1}; counted as 0"),
                (method, f"{type(exc).__name__}: {exc}"),
            )

    def scorer(self, code: str) -> Scorer:
        self.item(code)
        return self._scorers[code]

    def sample(self, code: str, rng: Any) -> dict[str, Any]:
        """Random valid inputs for one item (method inputs and recorded figures)."""
        item = self.item(code)
        values = self._methods[code].sample(item.params, item.max_points, rng)
        return values | {spec.name: sample_value(spec, rng) for spec in item.record}

    # -- scoring ------------------------------------------------------------------------------

    def score(self, answers: Mapping[str, Answer]) -> Scores:
        """Score one unit. `answers` must have passed `check`; missing items are unanswered."""
        points = [0.0] * len(self.codes)
        maxima = self._full_maxima  # shared until an N/A item leaves the maximum
        get = answers.get
        for code, slot, top, scorer, na_full in self._items:
            answer = get(code)
            if answer is None:
                continue
            if not answer.na:
                try:  # free when nothing raises; a plugin's bug must not stop the scoring
                    points[slot] = scorer(answer.inputs)[0]
                except Exception:
                    points[slot] = 0.0  # the explanation says why (see Scores.outcomes)
            elif na_full:
                points[slot] = top
            else:
                if maxima is self._full_maxima:
                    maxima = list(maxima)
                maxima[slot] = 0.0
        reduced = maxima is not self._full_maxima
        for slot, children, low, high, bonus in self._groups:
            total = sum(children(points))
            if bonus:
                points[slot] = min(high, max(low, total))
            elif reduced:
                maxima[slot] = top = sum(children(maxima))
                points[slot] = min(top, total)
            else:
                points[slot] = min(high, total)
        maximum = round(sum(self._regular(maxima)), 2)
        total = round(sum(self._regular(points)) + sum(self._bonus(points)), 2)
        total = min(maximum, max(0.0, total))
        index = round(total * 100.0 / maximum, 2) if maximum else 0.0
        band = self.cset.band_for(index) if answers else None  # no band before any answer
        return Scores(self, answers, points, maxima, total, maximum, index, band)


@dataclass(frozen=True)
class Ranked:
    unit: str
    scores: Scores
    rank: int
    of: int

    @property
    def label(self) -> str:
        return f"{self.rank}/{self.of}"


def rank(results: Iterable[tuple[str, Scores]]) -> list[Ranked]:
    """Rank units by index, highest first; equal indices (to two decimals) share a rank."""
    ordered = sorted(results, key=lambda r: (-round(r[1].index, 2), r[0]))
    ranked: list[Ranked] = []
    for position, (unit, scores) in enumerate(ordered, start=1):
        previous = ranked[-1] if ranked else None
        same = previous is not None and round(previous.scores.index, 2) == round(scores.index, 2)
        ranked.append(Ranked(unit, scores, previous.rank if same else position, len(ordered)))
    return ranked
