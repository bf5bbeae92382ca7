"""The model: criteria sets and answers, as plain immutable data.

Everything else reads these types; nothing here does I/O. A criteria set is a tree of areas
and criteria whose leaves name a scoring method. Immutable, so a loaded set can be shared by
the app, the scorer and the reports without anyone changing it under the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

NaPolicy = Literal["exclude", "full", "forbid"]
NA_POLICIES: tuple[str, ...] = ("exclude", "full", "forbid")
AreaKind = Literal["regular", "bonus_penalty"]
AREA_KINDS: tuple[str, ...] = ("regular", "bonus_penalty")
LEVELS: tuple[str, ...] = ("commune", "ward", "special_zone", "department", "province")


@dataclass(frozen=True)
class InputSpec:
    """One input a scoring method (or a recorded figure) asks for, enough to draw a form."""

    name: str
    type: str  # one of inputs.INPUT_TYPES
    label: str
    min: float | None = None
    max: float | None = None
    options: tuple[tuple[str, str], ...] = ()  # (key, label) for choice/checklist
    required: bool = True
    step: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "type": self.type, "label": self.label}
        for key in ("min", "max", "step"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.options:
            data["options"] = [{"key": k, "label": v} for k, v in self.options]
        data["required"] = self.required
        return data


@dataclass(frozen=True)
class Band:
    """A classification grade: units whose index reaches `min_percent` get `label`."""

    min_percent: float
    label: str
    code: str = ""


@dataclass(frozen=True)
class Criterion:
    """A criterion or sub-criterion. A leaf (no children) is a scorable item with a method."""

    code: str
    title: str
    max_points: float
    children: tuple[Criterion, ...] = ()
    method: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    # True, False, or "when_nonzero": required only when one of the item's figures is not 0
    evidence_required: bool | str = False
    guidance: str = ""
    na_policy: NaPolicy = "exclude"  # effective policy, inherited when not given
    record: tuple[InputSpec, ...] = ()
    line: int = 0

    @property
    def is_item(self) -> bool:
        return not self.children

    def walk(self) -> Iterator[Criterion]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Area:
    """A reform area (lĩnh vực). Bonus/penalty areas sit outside the set's maximum."""

    code: str
    title: str
    criteria: tuple[Criterion, ...]
    max_points: float
    kind: AreaKind = "regular"
    min_points: float = 0.0
    line: int = 0

    @property
    def is_bonus_penalty(self) -> bool:
        return self.kind == "bonus_penalty"

    def walk(self) -> Iterator[Criterion]:
        for criterion in self.criteria:
            yield from criterion.walk()

    def first_item(self) -> str:
        """The code of the area's first scorable item (the loader refuses an area without)."""
        return next(c.code for c in self.walk() if c.is_item)


@dataclass(frozen=True)
class CriteriaSet:
    """A loaded, validated criteria set, identified by id, version and content hash."""

    id: str
    title: str
    version: str
    year: int
    levels: tuple[str, ...]
    basis: str
    max_points: float
    bands: tuple[Band, ...]
    areas: tuple[Area, ...]
    na_policy: NaPolicy = "exclude"
    notes: str = ""
    source: str = ""
    hash: str = ""

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def items(self) -> Iterator[Criterion]:
        """The scorable leaves, in document order."""
        for area in self.areas:
            for criterion in area.walk():
                if criterion.is_item:
                    yield criterion

    def nodes(self) -> Iterator[Criterion]:
        for area in self.areas:
            yield from area.walk()

    def find(self, code: str) -> Criterion | None:
        return next((c for c in self.nodes() if c.code == code), None)

    def area_of(self, code: str) -> Area | None:
        for area in self.areas:
            if area.code == code or any(c.code == code for c in area.walk()):
                return area
        return None

    def band_for(self, index: float) -> Band | None:
        return next((b for b in self.bands if index >= b.min_percent), None)


@dataclass(frozen=True, slots=True)
class Answer:
    """What an assessor entered for one item: the method's inputs, or N/A."""

    inputs: Mapping[str, Any] = field(default_factory=dict)
    na: bool = False


NOT_APPLICABLE = Answer(na=True)


@dataclass(frozen=True)
class Unit:
    """A unit assessed: a commune, ward, special zone or department.

    A unit that was merged or renamed keeps its code and history; `valid_from`/`valid_to`
    (ISO dates, empty when open) say when it existed as such, and `successor` names the unit
    it became part of, so results can be compared across years.
    """

    code: str
    name: str
    kind: str
    parent: str = ""
    valid_from: str = ""
    valid_to: str = ""
    successor: str = ""


# -- assessments ----------------------------------------------------------------------------

KINDS: tuple[str, ...] = ("self", "appraisal", "inspection")
STATES: tuple[str, ...] = ("draft", "submitted", "finalized")


@dataclass(frozen=True)
class Evidence:
    """A document cited as evidence (tài liệu kiểm chứng)."""

    number: str = ""  # e.g. "12/KH-UBND"
    date: str = ""  # ISO date
    issuer: str = ""
    file: str = ""  # a file the assessor attached, by name
    sha256: str = ""  # of that file, so a later copy can be checked against it


@dataclass(frozen=True)
class ItemRecord:
    """Everything recorded for one item of an assessment."""

    code: str
    inputs: Mapping[str, Any] = field(default_factory=dict)  # JSON-ready (dates as ISO text)
    na: bool = False
    evidence: tuple[Evidence, ...] = ()
    note: str = ""
    reason: str = ""  # why an appraisal's points differ from the self-assessment's
    # what was typed but not accepted yet (a partial or refused entry), input name -> raw text:
    # kept so that nothing typed is lost; never scored, listed as missing until answered
    pending: Mapping[str, str] = field(default_factory=dict)
    # changed on the province server and on a laptop since their last sync, to different
    # values: both kept ({"server": {...}, "laptop": {...}}, each with its value, who and when,
    # see inspect_tool/server/sync.py) until a named person resolves it; the item keeps the
    # server's value meanwhile, and submit and finalize are refused
    conflict: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """A shortcoming (tồn tại, hạn chế) found in an area."""

    area: str
    text: str


@dataclass(frozen=True)
class Recommendation:
    """A recommendation (đề nghị) for an area, with its deadline."""

    area: str
    text: str
    deadline: str = ""  # ISO date


@dataclass(frozen=True)
class Participant:
    name: str
    role: str  # e.g. "Trưởng đoàn", "Chủ tịch UBND xã"
    side: str = "team"  # "team" (the inspecting side) or "unit"


# What a person edits of an assessment besides its items (Workflow.update_header), and what a
# sync merges field by field (server/sync.py)
HEADER_FIELDS: tuple[str, ...] = (
    "place",
    "started",
    "ended",
    "findings",
    "recommendations",
    "participants",
    "unit_opinion",
)


@dataclass(frozen=True)
class Assessment:
    """One unit, one year, one criteria set (pinned by id, version and hash), of one kind."""

    id: str
    unit: str
    year: int
    kind: str  # one of KINDS
    set_id: str
    set_version: str
    set_hash: str
    state: str = "draft"  # one of STATES
    base: str = ""  # for an appraisal: the self-assessment it starts from
    place: str = ""
    started: str = ""  # ISO date-time of the visit
    ended: str = ""
    created: str = ""
    updated: str = ""
    items: Mapping[str, ItemRecord] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    participants: tuple[Participant, ...] = ()
    unit_opinion: str = ""  # ý kiến của đơn vị, printed in the minutes as it was said
    signed_by: tuple[str, ...] = ()  # signers of the minutes it was imported from, if any
    # header fields changed on the server and on a laptop (server/sync.py): field name ->
    # {"server": {value, who, when}, "laptop": {...}}; the field holds the server's value
    # until a named person resolves it (Workflow.resolve_conflict), so neither is lost
    header_conflicts: Mapping[str, Any] = field(default_factory=dict)
    # saves so far: a save names the version it was read at, and a central store refuses one
    # based on a copy someone else has changed since (no write is lost to another)
    version: int = 0

    @property
    def set_key(self) -> str:
        return f"{self.set_id}@{self.set_version}"


# -- recommendations followed up ------------------------------------------------------------

# Stored states of a recommendation's follow-up. "reported": the unit reports it done and the
# Department has not yet accepted it; "withdrawn": the assessment was reopened and the
# recommendation taken out of it. "overdue" is never stored: it is derived from the deadline
# and a date (recommendations.status), so it cannot go stale.
FOLLOW_STATES: tuple[str, ...] = ("open", "in_progress", "reported", "done", "withdrawn")
#: the kinds of assessment whose recommendations are followed up
FOLLOWED_KINDS: tuple[str, ...] = ("inspection", "appraisal")


@dataclass(frozen=True)
class Progress:
    """One step of a recommendation's follow-up: a report by the unit, or the Department's
    acceptance or return of it. `at` is when it was recorded, `day` the date the unit gives
    for the work; `state` is the state the step leads to."""

    at: str
    by: str
    state: str
    text: str = ""
    day: str = ""  # ISO date
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""  # why the Department sent a reported "done" back


@dataclass(frozen=True)
class FollowUp:
    """A recommendation of a finalized inspection or appraisal, followed up in its own record
    (the assessment itself stays locked). Its id is the assessment's id and the
    recommendation's place in it, `<assessment id>-<n>`; it has its own audit chain."""

    id: str
    assessment: str
    unit: str
    year: int
    kind: str  # the assessment's kind: inspection or appraisal
    area: str
    area_title: str
    text: str
    deadline: str  # ISO date
    state: str = "open"  # one of FOLLOW_STATES
    created: str = ""
    updated: str = ""
    history: tuple[Progress, ...] = ()
    version: int = 0  # saves so far; a central store refuses a save based on a stale copy
