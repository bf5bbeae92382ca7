"""The scoring engine: a pure function of (criteria set, methods, answers).

No I/O and no UI here, so scoring is easy to test and fast. A set is compiled once into an
`Engine`: every item's method is resolved and its params turned into a scorer closure, and the
tree is flattened into index lists, so scoring a unit is two tight loops over plain lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .i18n import _
from .inputs import parse_inputs
from .methods import Outcome, Scorer, ScoringMethod
from .model import Answer, Band, CriteriaSet, Criterion, InputSpec

UNANSWERED, ANSWERED, NOT_APPLICABLE = "unanswered", "answered", "na"


class AnswerError(ValueError):
    """An answer refused: `problems` lists (input name or None, reason)."""

    def __init__(self, code: str, problems: list[tuple[str | None, str]]):
        self.code = code
        self.problems = problems
        text = "; ".join(f"{name}: {why}" if name else why for name, why in problems)
        super().__init__(_("item {code}: {problems}").format(code=code, problems=text))


@dataclass(frozen=True, slots=True)
class Scores:
    """The result for one unit: points and effective maxima for every node, and the totals."""

    set_key: str
    points: dict[str, float]  # every code (item, criterion, area) → points
    maxima: dict[str, float]  # every code → maximum after N/A exclusions
    status: dict[str, str]  # item code → answered / na / unanswered
    outcomes: dict[str, Outcome]  # answered item code → how its points came about
    total: float
    max_points: float
    index: float
    band: Band | None

    def explanation(self, code: str) -> str:
        outcome = self.outcomes.get(code)
        if outcome is not None:
            return outcome.explanation
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


@dataclass(frozen=True, slots=True)
class _Item:
    code: str
    slot: int
    max_points: float
    scorer: Scorer
    na_full: bool


@dataclass(frozen=True, slots=True)
class _Group:
    code: str
    slot: int
    children: tuple[int, ...]
    low: float  # the net of a bonus/penalty group may go down to `low`
    high: float
    bonus: bool


class Engine:
    """A criteria set compiled against the registered methods, ready to check and score."""

    def __init__(self, cset: CriteriaSet, methods: Mapping[str, ScoringMethod]):
        self.cset = cset
        self._methods: dict[str, ScoringMethod] = {}
        self._leaves: dict[str, Criterion] = {}
        self._items: list[_Item] = []
        self._groups: list[_Group] = []  # children before parents
        self._codes: list[str] = []
        self._areas: list[tuple[int, bool, float, float]] = []  # slot, bonus, min, max
        for area in cset.areas:
            bonus = area.is_bonus_penalty
            slots = tuple(self._compile(c, methods, bonus) for c in area.criteria)
            slot = self._slot(area.code)
            low = area.min_points if bonus else 0.0
            self._groups.append(_Group(area.code, slot, slots, low, area.max_points, bonus))
            self._areas.append((slot, bonus, low, area.max_points))

    def _slot(self, code: str) -> int:
        self._codes.append(code)
        return len(self._codes) - 1

    def _compile(self, node: Criterion, methods: Mapping[str, ScoringMethod], bonus: bool) -> int:
        if node.children:
            slots = tuple(self._compile(c, methods, bonus) for c in node.children)
            slot = self._slot(node.code)
            low = -node.max_points if bonus else 0.0
            self._groups.append(_Group(node.code, slot, slots, low, node.max_points, bonus))
            return slot
        method = methods[node.method or ""]
        self._methods[node.code] = method
        self._leaves[node.code] = node
        slot = self._slot(node.code)
        scorer = method.compile(node.params, node.max_points)
        self._items.append(_Item(node.code, slot, node.max_points, scorer, node.na_policy == "full"))
        return slot

    # -- what front ends need -----------------------------------------------------------------

    def item(self, code: str) -> Criterion:
        try:
            return self._leaves[code]
        except KeyError:
            raise KeyError(_("no scorable item '{code}' in {set}").format(
                code=code, set=self.cset.key)) from None

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

    def scorer(self, code: str) -> Scorer:
        return next(i.scorer for i in self._items if i.code == code)

    def sample(self, code: str, rng: Any) -> dict[str, Any]:
        item = self.item(code)
        return self._methods[code].sample(item.params, item.max_points, rng)

    # -- scoring ------------------------------------------------------------------------------

    def score(self, answers: Mapping[str, Answer]) -> Scores:
        """Score one unit. `answers` must have passed `check`; missing items are unanswered."""
        n = len(self._codes)
        points = [0.0] * n
        maxima = [0.0] * n
        status: dict[str, str] = {}
        outcomes: dict[str, Outcome] = {}
        get = answers.get
        for item in self._items:
            answer = get(item.code)
            slot = item.slot
            if answer is None:
                status[item.code] = UNANSWERED
                maxima[slot] = item.max_points
            elif answer.na:
                status[item.code] = NOT_APPLICABLE
                if item.na_full:
                    points[slot] = maxima[slot] = item.max_points
            else:
                status[item.code] = ANSWERED
                outcome = item.scorer(answer.inputs)
                outcomes[item.code] = outcome
                points[slot] = outcome.points
                maxima[slot] = item.max_points
        for group in self._groups:
            total = 0.0
            top = 0.0
            for child in group.children:
                total += points[child]
                top += maxima[child]
            if group.bonus:
                points[group.slot] = round(min(group.high, max(group.low, total)), 2)
                maxima[group.slot] = group.high
            else:
                points[group.slot] = round(min(top, total), 2)
                maxima[group.slot] = round(top, 2)
        regular = bonus = maximum = 0.0
        for slot, is_bonus, _low, _high in self._areas:
            if is_bonus:
                bonus += points[slot]
            else:
                regular += points[slot]
                maximum += maxima[slot]
        total = min(maximum, max(0.0, round(regular + bonus, 2)))
        index = round(total * 100.0 / maximum, 2) if maximum else 0.0
        cset = self.cset
        return Scores(
            set_key=cset.key,
            points=dict(zip(self._codes, points, strict=True)),
            maxima=dict(zip(self._codes, maxima, strict=True)),
            status=status,
            outcomes=outcomes,
            total=total,
            max_points=round(maximum, 2),
            index=index,
            band=cset.band_for(index),
        )


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
