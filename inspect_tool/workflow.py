"""The life of an assessment: create, answer, submit, finalize, reopen, appraise.

This is the one place that decides what may change and when: an answer is checked by the
engine of the set the assessment is pinned to; a finalized assessment is locked; reopening
needs a reason; an appraisal starts from the unit's submitted self-assessment and every score
it changes needs a reason. The CLI and the app call this; the store only keeps what it says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from . import labels
from .campaign import Campaign, deadline_of, may_change_self, vietnam_today
from .core import Core
from .criteria import parse_set, set_as_dict
from .i18n import _, count
from .inputs import InputError, parse_date, parse_moment, parse_value
from .model import (
    HEADER_FIELDS,
    KINDS,
    Answer,
    Assessment,
    CriteriaSet,
    Criterion,
    Evidence,
    Finding,
    InputSpec,
    ItemRecord,
    Participant,
    Recommendation,
)
from .scoring import AnswerError, Engine, Scores
from .store import Change, Store, StoreError, audit
from .store.audit import now_iso
from .store.interface import Summary
from .text_rules import NAME, PLACE, TEXT, TextError, clean
from .vn_format import date_short
from .yaml_lines import ProblemsError, load_text

# move: (the state it leads to, the states it may start from)
MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "submit": ("submitted", ("draft",)),
    "finalize": ("finalized", ("submitted",)),
    "reopen": ("draft", ("submitted", "finalized")),
}


class WorkflowError(ValueError):
    """A request refused, with the reason; nothing was changed.

    For a refused answer, `problems` also gives each reason with the input it concerns, so a
    form can name the field by its label where the command line names it by its key."""

    def __init__(self, message: str, problems: list[tuple[str | None, str]] | None = None):
        super().__init__(message)
        self.problems = problems or []


class DuplicateError(WorkflowError):
    """A second self-assessment of the same unit, year and set (or a second appraisal of the
    same self-assessment) was asked for; `existing` is the one to open instead."""

    existing: Assessment

    def __init__(self, message: str, existing: Assessment):
        super().__init__(message)
        self.existing = existing


def changed(before: float, after: float) -> bool:
    """Whether an item's points differ (an appraisal against the self-assessment), beyond the
    noise of float sums."""
    return abs(before - after) > 1e-9


WHEN_NONZERO = "when_nonzero"
CHECKS_KEPT = 50_000  # checked answers a Workflow remembers (see Workflow._checked)


def evidence_missing(criterion: Criterion, record: ItemRecord) -> bool:
    """Whether the item needs evidence and has none. `evidence_required: when_nonzero` asks
    for it only when one of the recorded figures is not 0 (a count of 0 has nothing to
    prove); an item not answered yet needs none yet."""
    required = criterion.evidence_required
    if not required or record.na or record.evidence:
        return False
    if required == WHEN_NONZERO:
        return any(
            isinstance(v, int | float) and not isinstance(v, bool) and v != 0
            for v in record.inputs.values()
        )
    return True


def answered(record: ItemRecord | None) -> bool:
    """Whether a record may hold an answer: not only a pending entry (some methods are
    answered with no inputs at all, e.g. a penalty with nothing to count)."""
    return record is not None and (record.na or bool(record.inputs) or not record.pending)


def item_state(
    criterion: Criterion, record: ItemRecord | None, points: float, base_points: float | None
) -> str:
    """How an item stands, for marks and lists: unanswered, differs (from the self-assessment
    it appraises), na, evidence (required and missing) or answered; the first that applies.
    A record holding only a pending entry is unanswered (`record.pending` says there is one)."""
    if not answered(record):
        return "unanswered"
    if base_points is not None and changed(base_points, points):
        return "differs"
    if record.na:
        return "na"
    if evidence_missing(criterion, record):
        return "evidence"
    return "answered"


def _written(text: str, what: str) -> str:
    """Free text the minutes will print: trimmed, and not empty."""
    if not text or not text.strip():
        raise WorkflowError(_("write {what}").format(what=what))
    return text.strip()


def _kept(text: str, limit: int, what: str) -> str:
    """Typed text as it is kept: bidi controls removed, within its limit (text_rules)."""
    try:
        return clean(text, limit, what)
    except TextError as exc:
        raise WorkflowError(str(exc)) from None


def _checked_header(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Header fields as they are kept, checked as typed ones are (from the app, the command
    line, or a side of a sync conflict)."""
    unknown = set(fields) - set(HEADER_FIELDS)
    if unknown:
        raise WorkflowError(f"cannot change {', '.join(sorted(unknown))}")
    fields = dict(fields)
    for key in ("started", "ended"):
        if fields.get(key):  # typed as 20/11/2025 08:30 or ISO, kept as ISO
            try:
                fields[key] = parse_moment(str(fields[key]))
            except InputError as exc:
                raise WorkflowError(str(exc)) from None
    return {name: _kept_header(name, value) for name, value in fields.items()}


def _kept_header(name: str, value: Any) -> Any:
    """A header field as it is kept (see _kept); other fields unchanged."""
    if name == "place":
        return _kept(value or "", PLACE, _("the place"))
    if name == "unit_opinion":
        return _kept(value or "", TEXT, _("the unit's opinion"))
    if name == "findings":
        return tuple(
            dataclasses.replace(f, text=_kept(f.text, TEXT, _("a finding"))) for f in value
        )
    if name == "recommendations":
        return tuple(
            dataclasses.replace(r, text=_kept(r.text, TEXT, _("a recommendation"))) for r in value
        )
    if name == "participants":
        return tuple(
            dataclasses.replace(
                p, name=_kept(p.name, NAME, _("the name")), role=_kept(p.role, NAME, _("the role"))
            )
            for p in value
        )
    return value


def _kept_evidence(evidence: list[Evidence]) -> tuple[Evidence, ...]:
    return tuple(
        dataclasses.replace(
            e,
            number=_kept(e.number, NAME, _("the evidence's number")),
            issuer=_kept(e.issuer, NAME, _("the evidence's issuer")),
        )
        for e in evidence
    )


def _plain(value: Any) -> Any:
    """Checked input values as JSON keeps them: dates as ISO text, tuples as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def record_dict(item: ItemRecord | None) -> dict[str, Any] | None:
    from .store.codec import item_to_doc

    return None if item is None else item_to_doc(item)


def item_from_doc(doc: dict[str, Any]) -> ItemRecord:
    from .store.codec import item_from_doc as from_doc

    return from_doc(doc)


def parse_evidence(text: str) -> list[Evidence]:
    """Evidence typed as `NUMBER;DATE;ISSUER`, several separated by `|`."""
    found: list[Evidence] = []
    for part in (p.strip() for p in text.split("|")):
        if not part:
            continue
        number, date, issuer = ([p.strip() for p in part.split(";")] + ["", ""])[:3]
        if date:
            try:
                date = parse_value(InputSpec("date", "date", "date"), date).isoformat()
            except InputError:
                raise WorkflowError(
                    _(
                        "evidence '{text}': '{date}' is not a date (write NUMBER;2025-01-31;ISSUER)"
                    ).format(text=part, date=date)
                ) from None
        found.append(Evidence(number=number, date=date, issuer=issuer))
    return found


def evidence_text(evidence: tuple[Evidence, ...]) -> str:
    """The inverse of parse_evidence, for editing (attached files are listed elsewhere)."""
    return " | ".join(
        ";".join(filter(None, (e.number, e.date, e.issuer)))
        for e in evidence
        if e.number or e.date or e.issuer
    )


def record_from_answer(
    code: str, answer: Answer, evidence: tuple[Evidence, ...] = ()
) -> ItemRecord:
    """An ItemRecord for an answer the engine has already checked."""
    if answer.na:
        return ItemRecord(code, na=True, evidence=evidence)
    inputs = {k: _plain(v) for k, v in answer.inputs.items() if v is not None}
    return ItemRecord(code, inputs=inputs, evidence=evidence)


def item_change(code: str, old: ItemRecord | None, new: ItemRecord | None) -> Change:
    """The audit entry of an item: only the fields that changed, so that an assessment's log
    (written with it on every save) stays small however often a figure is corrected."""
    before, after = record_dict(old), record_dict(new)
    if before is not None and after is not None:
        keys = [k for k in {**before, **after} if k != "code" and before.get(k) != after.get(k)]
        before = {k: before.get(k) for k in keys}
        after = {k: after.get(k) for k in keys}
    return Change(f"item {code}", before, after)


def pinned_set_text(cset: CriteriaSet) -> str:
    """A criteria set as YAML that reads back to the same content hash."""
    data = set_as_dict(cset)
    data.pop("source")
    data.pop("hash")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


class Workflow:
    def __init__(self, core: Core, store: Store):
        self.core = core
        self.store = store
        self._pinned: dict[str, Engine] = {}
        self._checks: dict[tuple, Answer] = {}  # see _checked
        if getattr(store, "unsummarized", False) and getattr(store, "writable", False):
            self.summaries()  # a store just upgraded to summaries: computed once, and kept
            store.unsummarized = False

    # -- summaries -----------------------------------------------------------------------------

    def summary(self, assessment: Assessment, scores: Scores | None = None) -> Summary:
        """What lists and reports read of an assessment, from its scores; saved with it."""
        s = scores if scores is not None else self.scores(assessment)
        return Summary(
            id=assessment.id,
            unit=assessment.unit,
            kind=assessment.kind,
            year=assessment.year,
            set_id=assessment.set_id,
            set_version=assessment.set_version,
            state=assessment.state,
            base=assessment.base,
            answered=s.answered,
            items=len(s.status),
            total=s.total,
            max_points=s.max_points,
            index=s.index,
            band=s.band_label,
            updated=assessment.updated,
            created=assessment.created,
            areas=tuple(
                (area.code, s.points[area.code], s.maxima[area.code])
                for area in self.engine(assessment).cset.areas
            ),
        )

    def _summary_or_none(self, assessment: Assessment) -> Summary | None:
        """None when the assessment cannot be scored here (its set's plugin gone): the
        store then keeps no summary, and `summaries` names it instead of listing it."""
        try:
            return self.summary(assessment)
        except (ValueError, LookupError):  # WorkflowError is a ValueError
            return None

    def summaries(self, problems: dict[str, str] | None = None) -> list[Summary]:
        """Every assessment's summary, by id, as the store keeps them (one read).

        Every save through the workflow passes its summary. A store may lack some: saved by a
        path that cannot score (a bundle imported: `bundle.import_bundle` calls `Store.save`
        without one), or made before summaries existed. Those are computed here from the
        assessment and, when the store is open for writing, kept with it (saved again with no
        audit entry: nothing in it changed); a reader computes them in memory each time until
        a writer has kept them. One that cannot be scored is left out and named in `problems`
        (id → why)."""
        have = self.store.summaries()
        known = {s.id for s in have}
        missing = [i for i in self.store.assessment_ids() if i not in known]
        if not missing:
            return have
        keep = getattr(self.store, "writable", False)
        for assessment_id in missing:
            assessment = self.store.assessment(assessment_id)
            try:
                summary = self.summary(assessment)
            except (ValueError, LookupError) as exc:
                if problems is not None:
                    problems[assessment_id] = str(exc) or type(exc).__name__
                continue
            if keep:
                self.store.save(assessment, [], summary=summary)
            have.append(summary)
        return sorted(have, key=lambda s: s.id)

    def _listed(self) -> list[Summary | Assessment]:
        """Every assessment's header fields (unit, year, kind, set_id, state, base,
        updated): its summary, or the assessment itself when it cannot be scored."""
        problems: dict[str, str] = {}
        listed: list[Summary | Assessment] = list(self.summaries(problems))
        listed.extend(self.store.assessment(i) for i in problems)
        return listed

    # -- finding things ----------------------------------------------------------------------

    def get(self, ref: str) -> Assessment:
        """An assessment by id or by a unique prefix of it, as git takes commits."""
        try:
            return self.store.assessment(ref)  # a full id: no need to list the store
        except KeyError:
            pass
        ids = self.store.assessment_ids()
        matches = [i for i in ids if i.startswith(ref)]
        if not matches or not ref:
            raise WorkflowError(_("no assessment '{ref}'").format(ref=ref))
        if len(matches) > 1:
            raise WorkflowError(
                _("'{ref}' matches {n} assessments; give more of the id").format(
                    ref=ref, n=len(matches)
                )
            )
        return self.store.assessment(matches[0])

    def sets_for(self, unit_code: str | None, year: int | None) -> list[CriteriaSet]:
        """The sets that can score the unit (all, when no unit is given): the year's first,
        then the newest."""
        unit = self.store.unit(unit_code) if unit_code else None
        fitting = [s for s in self.core.catalog.sets if unit is None or unit.kind in s.levels]
        return sorted(fitting, key=lambda s: (s.year != year, -s.year))

    def engine(self, assessment: Assessment) -> Engine:
        """The engine of the exact set the assessment was made with, never a later edit."""
        key = assessment.set_hash
        if key in self._pinned:
            return self._pinned[key]
        cset = next((s for s in self.core.catalog.sets if s.hash == key), None)
        if cset is None:
            text = self.store.pinned_set(key)
            if text is None:
                raise WorkflowError(
                    _("criteria set {set} (hash {hash}) is no longer available").format(
                        set=assessment.set_key, hash=key[:12]
                    )
                )
            try:
                cset = parse_set(
                    load_text(text, f"pinned {assessment.set_key}"),
                    f"pinned {assessment.set_key}",
                    self.core.registry.methods,
                )
            except ProblemsError as exc:  # e.g. a plugin's method no longer installed
                raise WorkflowError(
                    _("criteria set {set} of this assessment cannot be used here: {why}").format(
                        set=assessment.set_key, why=exc
                    )
                ) from None
        engine = self._pinned[key] = Engine(cset, self.core.registry.methods)
        return engine

    def answers(self, assessment: Assessment) -> dict[str, Answer]:
        engine = self.engine(assessment)
        out: dict[str, Answer] = {}
        for code, item in assessment.items.items():
            if item.na:
                out[code] = Answer(na=True)
            elif item.inputs:
                out[code] = self._checked(engine, assessment.set_hash, code, item.inputs)
        return out

    # -- checked answers, remembered -----------------------------------------------------------

    def _checked(self, engine: Engine, set_hash: str, code: str, inputs: Mapping) -> Answer:
        """`engine.check` of recorded inputs, remembered: checking is pure, and every save
        scores the whole assessment for its summary, so without this a save costs a check of
        every item (most of a save's time on the central store) instead of the one changed.
        Inputs that cannot be a key (a list) are checked each time; a refusal is not kept."""
        try:
            key = (set_hash, code, tuple(sorted(inputs.items())))
            found = self._checks.get(key)
        except TypeError:
            return engine.check(code, inputs)
        if found is None:
            found = engine.check(code, inputs)
            if len(self._checks) >= CHECKS_KEPT:
                self._checks.clear()
            self._checks[key] = found
        return found

    def scores(self, assessment: Assessment) -> Scores:
        return self.engine(assessment).score(self.answers(assessment))

    # -- creating ------------------------------------------------------------------------------

    def new(self, unit_code: str, set_ref: str, year: int, kind: str) -> Assessment:
        if kind not in KINDS:
            raise WorkflowError(_("kind must be one of {kinds}").format(kinds=", ".join(KINDS)))
        unit = self.store.unit(unit_code)
        if unit is None:
            raise WorkflowError(
                _("no unit '{code}': import the units first").format(code=unit_code)
            )
        cset = self.core.criteria_set(set_ref)
        if cset.year != year:
            raise WorkflowError(
                _("criteria set {set} is for {set_year}, not {year}").format(
                    set=cset.key, set_year=cset.year, year=year
                )
            )
        if unit.kind not in cset.levels:
            raise WorkflowError(
                _("criteria set {set} scores {levels}, and {unit} is a {kind}").format(
                    set=cset.key,
                    levels=", ".join(labels.level(x) for x in cset.levels),
                    unit=unit.code,
                    kind=labels.level(unit.kind),
                )
            )
        base: Assessment | None = None
        if kind == "appraisal":
            base = self._self_assessment_to_appraise(unit_code, cset, year)
        self._refuse_duplicate(unit.code, cset, year, kind, base)
        stamp = now_iso()
        assessment = Assessment(
            id=uuid.uuid4().hex,
            unit=unit.code,
            year=year,
            kind=kind,
            set_id=cset.id,
            set_version=cset.version,
            set_hash=cset.hash,
            base=base.id if base else "",
            created=stamp,
            updated=stamp,
            items=dict(base.items) if base else {},
        )
        self.store.pin_set(cset.hash, pinned_set_text(cset))
        self.store.save(
            assessment,
            summary=self._summary_or_none(assessment),
            changes=[
                Change(
                    "created",
                    None,
                    {
                        "unit": unit.code,
                        "year": year,
                        "kind": kind,
                        "set": cset.key,
                        "hash": cset.hash,
                        "base": assessment.base,
                    },
                )
            ],
        )
        return assessment

    def _refuse_duplicate(
        self, unit: str, cset: CriteriaSet, year: int, kind: str, base: Assessment | None
    ) -> None:
        """One self-assessment per unit, year and set; one appraisal per self-assessment.
        Inspections may be repeated (a team can come back)."""
        if kind == "inspection":
            return
        for a in self._listed():
            if a.kind != kind:
                continue
            if kind == "self" and (a.unit, a.year, a.set_id) == (unit, year, cset.id):
                message = _(
                    "unit {unit} already has a self-assessment for {year} on {set}: {id} ({state})"
                )
            elif kind == "appraisal" and base is not None and a.base == base.id:
                message = _(
                    "the self-assessment of unit {unit} for {year} on {set} is already being "
                    "appraised: {id} ({state})"
                )
            else:
                continue
            a = self.store.assessment(a.id)  # the one found, whole
            raise DuplicateError(
                message.format(
                    unit=unit,
                    year=year,
                    set=a.set_key,
                    id=a.id[:8],
                    state=labels.state(a.state),
                ),
                a,
            )

    def delete(self, ref: str) -> None:
        """Delete a draft in which nothing was recorded (no answers, pending entries,
        findings, recommendations, participants, place or time; an appraisal: nothing changed
        from the self-assessment it was made from), logged in the store's audit trail."""
        assessment = self.get(ref)
        if assessment.state != "draft":
            raise WorkflowError(
                _("assessment {id} is {state}: only a draft can be deleted").format(
                    id=assessment.id[:8], state=labels.state(assessment.state)
                )
            )
        base_items = dict(self.store.assessment(assessment.base).items) if assessment.base else {}
        recorded = []
        if dict(assessment.items) != base_items:
            recorded.append(_("answers"))
        if assessment.findings:
            recorded.append(_("findings"))
        if assessment.recommendations:
            recorded.append(_("recommendations"))
        if assessment.participants:
            recorded.append(_("participants"))
        if assessment.place or assessment.started or assessment.ended or assessment.unit_opinion:
            recorded.append(_("the visit or the unit's opinion"))
        if recorded:
            raise WorkflowError(
                _("assessment {id} cannot be deleted: it has {what} recorded").format(
                    id=assessment.id[:8], what=", ".join(recorded)
                )
            )
        if any(a.base == assessment.id for a in self._listed()):
            raise WorkflowError(
                _("assessment {id} cannot be deleted: an appraisal is based on it").format(
                    id=assessment.id[:8]
                )
            )
        self.store.delete(
            assessment.id,
            [
                Change(
                    f"assessment {assessment.id} deleted",
                    {
                        "id": assessment.id,
                        "unit": assessment.unit,
                        "year": assessment.year,
                        "kind": assessment.kind,
                        "set": assessment.set_key,
                        "base": assessment.base,
                    },
                    None,
                )
            ],
        )

    def _self_assessment_to_appraise(self, unit: str, cset: CriteriaSet, year: int) -> Assessment:
        # found by their summaries, then only those read whole: the set's exact hash is there
        found = [
            a.id
            for a in self._listed()
            if a.unit == unit
            and a.year == year
            and a.kind == "self"
            and a.set_id == cset.id
            and a.state in ("submitted", "finalized")
        ]
        candidates = [a for a in map(self.store.assessment, found) if a.set_hash == cset.hash]
        if not candidates:
            raise WorkflowError(
                _("unit {unit} has no submitted self-assessment for {year} on {set}").format(
                    unit=unit, year=year, set=cset.key
                )
            )
        return max(candidates, key=lambda a: a.updated)

    # -- changing ------------------------------------------------------------------------------

    @staticmethod
    def editable(assessment: Assessment) -> bool:
        """Only a draft changes; a submitted or final assessment is reopened first."""
        return assessment.state == "draft"

    @staticmethod
    def can(assessment: Assessment, move: str) -> bool:
        """Whether `move` (submit, finalize or reopen) may start from the assessment's state."""
        return assessment.state in MOVES[move][1]

    def _editable(self, assessment: Assessment) -> None:
        self.campaign_lock(assessment)
        if not self.editable(assessment):
            raise WorkflowError(
                _("assessment {id} is {state}: reopen it (with a reason) to change it").format(
                    id=assessment.id[:8], state=labels.state(assessment.state)
                )
            )

    def _commit(self, after: Assessment, changes: list[Change]) -> Assessment:
        after = dataclasses.replace(after, updated=now_iso(), version=after.version + 1)
        self.store.save(after, changes, summary=self._summary_or_none(after))
        return after

    def answer(
        self,
        ref: str,
        code: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        points: float | str | None = None,
        na: bool = False,
        note: str | None = None,
        evidence: list[Evidence] | None = None,
        reason: str | None = None,
    ) -> Assessment:
        """Record an answer for one item; raise WorkflowError (changing nothing) if it is wrong.

        Inputs given are merged into those already recorded, so a figure can be corrected
        alone. `points` is how a manual item's points are typed.
        """
        assessment = self.get(ref)
        self._editable(assessment)
        old, new = self._new_record(
            assessment,
            code,
            inputs,
            points=points,
            na=na,
            note=note,
            evidence=evidence,
            reason=reason,
        )
        if new == old:
            return assessment  # nothing changed: nothing to write or log
        items = dict(assessment.items)
        items[code] = new
        after = dataclasses.replace(assessment, items=items)
        return self._commit(after, [item_change(code, old, new)])

    def answer_many(self, ref: str, entries: Mapping[str, Mapping[str, Any]]) -> Assessment:
        """Record many items at once, all or nothing: every entry (code → the keyword
        arguments of `answer`: inputs, points, na, note, evidence, reason) is checked first;
        one refused entry refuses them all, with a WorkflowError whose `problems` are
        (item code, reason) for every refusal. One save, one audit entry per changed item."""
        assessment = self.get(ref)
        self._editable(assessment)
        items = dict(assessment.items)
        changes: list[Change] = []
        problems: list[tuple[str | None, str]] = []
        for code, entry in entries.items():
            try:
                old, new = self._new_record(assessment, code, **entry)
            except WorkflowError as exc:
                problems.append((code, str(exc)))
                continue
            if new != old:
                items[code] = new
                changes.append(item_change(code, old, new))
        if problems:
            raise WorkflowError("\n".join(p for _c, p in problems), problems)  # each names its item
        if not changes:
            return assessment
        return self._commit(dataclasses.replace(assessment, items=items), changes)

    def _new_record(
        self,
        assessment: Assessment,
        code: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        points: float | str | None = None,
        na: bool = False,
        note: str | None = None,
        evidence: list[Evidence] | None = None,
        reason: str | None = None,
    ) -> tuple[ItemRecord | None, ItemRecord]:
        """The item's record before and after an answer, checked; nothing is written."""
        engine = self.engine(assessment)
        try:
            criterion = engine.item(code)
        except KeyError as exc:
            raise WorkflowError(str(exc.args[0])) from None
        old = assessment.items.get(code)
        raw = dict(old.inputs) if old and not old.na else {}
        raw.update(inputs or {})
        if points is not None:
            if criterion.method != "manual":
                raise WorkflowError(
                    _(
                        "item {code} is scored by '{method}' from its inputs ({names}); points "
                        "are typed only for manual items"
                    ).format(
                        code=code,
                        method=criterion.method,
                        names=", ".join(s.name for s in engine.inputs(code)),
                    )
                )
            raw["points"] = points
        try:
            answer = engine.check(code, raw, na=na)
        except AnswerError as exc:
            raise WorkflowError(str(exc), exc.problems) from None
        new = ItemRecord(
            code=code,
            inputs={} if na else {k: _plain(v) for k, v in answer.inputs.items() if v is not None},
            na=na,
            evidence=_kept_evidence(evidence)
            if evidence is not None
            else (old.evidence if old else ()),
            note=_kept(note, TEXT, _("the note"))
            if note is not None
            else (old.note if old else ""),
            reason=_kept(reason, TEXT, _("the reason"))
            if reason is not None
            else (old.reason if old else ""),
            conflict=old.conflict if old else {},  # typing never resolves a conflict
        )
        if assessment.kind == "appraisal":
            self._check_reason(assessment, engine, code, answer, new)
        return old, new

    def _check_reason(
        self, assessment: Assessment, engine: Engine, code: str, answer: Answer, new: ItemRecord
    ) -> None:
        base = self.store.assessment(assessment.base)
        before = self.scores(base).points.get(code, 0.0)
        after = engine.score({code: answer}).points[code]
        if changed(before, after) and not new.reason.strip():
            raise WorkflowError(
                _(
                    "item {code}: the self-assessment gave {before}, this gives {after}: give the "
                    "reason for the change"
                ).format(code=code, before=before, after=after)
            )

    def clear(self, ref: str, code: str) -> Assessment:
        """Remove everything recorded for the item (answer, pending entry, evidence, note),
        logged like every change, so `undo` can bring it back."""
        assessment = self.get(ref)
        self._editable(assessment)
        if code not in assessment.items:
            return assessment
        items = dict(assessment.items)
        old = items.pop(code)
        if old.conflict:  # cleared, its sync conflict stays until resolved
            if old == ItemRecord(code, conflict=old.conflict):
                return assessment
            items[code] = ItemRecord(code, conflict=old.conflict)
        return self._commit(
            dataclasses.replace(assessment, items=items),
            [item_change(code, old, items.get(code))],
        )

    def undo(self, ref: str, code: str) -> Assessment:
        """Put the item back as it was before its last change, read from the assessment's
        audit trail; the undo is logged as a change itself (so undoing again redoes)."""
        assessment = self.get(ref)
        self._editable(assessment)
        try:
            self.engine(assessment).item(code)
        except KeyError as exc:
            raise WorkflowError(str(exc.args[0])) from None
        try:
            log = self.store.audit_log(assessment.id)
        except KeyError:
            log = []
        what = f"item {code}"
        last = next((e for e in reversed(log) if e.get("what") == what), None)
        if last is None:
            raise WorkflowError(
                _("item {code}: nothing to undo (it has not been changed here)").format(code=code)
            )
        current = assessment.items.get(code)
        before = last.get("old")
        if before is None:
            restored = None  # the item did not exist before
        elif last.get("new") is None or current is None:
            restored = item_from_doc({"code": code, **before})
        else:
            doc = record_dict(current) or {}
            for key, value in before.items():
                if value is None:
                    doc.pop(key, None)
                else:
                    doc[key] = value
            restored = item_from_doc(doc)
        if current is not None and current.conflict:  # undoing never resolves a conflict
            restored = dataclasses.replace(restored or ItemRecord(code), conflict=current.conflict)
        if restored == current:
            raise WorkflowError(_("item {code}: nothing to undo").format(code=code))
        items = dict(assessment.items)
        if restored is None:
            items.pop(code, None)
        else:
            items[code] = restored
        return self._commit(
            dataclasses.replace(assessment, items=items), [item_change(code, current, restored)]
        )

    def keep_pending(self, ref: str, code: str, raw: dict[str, str]) -> Assessment:
        """Keep what was typed for an item but not accepted (a partial or refused entry) as
        its pending entry, raw text as typed, so nothing typed is lost; logged. It is never
        scored, `missing_items` lists it, and a successful `answer` of the item clears it.
        An empty `raw` drops the pending entry."""
        assessment = self.get(ref)
        self._editable(assessment)
        try:
            self.engine(assessment).item(code)
        except KeyError as exc:
            raise WorkflowError(str(exc.args[0])) from None
        pending = {
            str(k): _kept(str(v), TEXT, str(k))
            for k, v in raw.items()
            if v is not None and str(v) != ""
        }
        old = assessment.items.get(code)
        new = (
            dataclasses.replace(old, pending=pending) if old else ItemRecord(code, pending=pending)
        )
        if new == ItemRecord(code):
            new = None  # nothing left to keep
        if new == old:
            return assessment
        items = dict(assessment.items)
        if new is None:
            items.pop(code, None)
        else:
            items[code] = new
        return self._commit(
            dataclasses.replace(assessment, items=items), [item_change(code, old, new)]
        )

    @staticmethod
    def pending(assessment: Assessment) -> dict[str, dict[str, str]]:
        """Item code → its pending entry (raw text per input), for items that have one."""
        return {code: dict(i.pending) for code, i in assessment.items.items() if i.pending}

    def attach(self, ref: str, code: str, path: Path) -> Assessment:
        """Attach a file as evidence of an item: it is copied into the store's evidence folder
        (by its SHA-256, atomically, up to the store's size limit) and recorded as
        Evidence(file=its name, sha256=…); attaching the same file twice records it once."""
        assessment = self.get(ref)
        self._editable(assessment)
        try:
            self.engine(assessment).item(code)
        except KeyError as exc:
            raise WorkflowError(str(exc.args[0])) from None
        path = Path(path)
        if not path.is_file():
            raise WorkflowError(_("{path}: no such file").format(path=path))
        try:
            sha = self.store.keep_file(path)
        except OSError as exc:
            raise WorkflowError(
                _("{path} cannot be read: {why}").format(path=path, why=exc.strerror or exc)
            ) from None
        except StoreError as exc:
            raise WorkflowError(str(exc)) from None
        old = assessment.items.get(code) or ItemRecord(code)
        if any(e.sha256 == sha for e in old.evidence):
            return assessment
        new = dataclasses.replace(
            old, evidence=(*old.evidence, Evidence(file=path.name, sha256=sha))
        )
        items = dict(assessment.items)
        items[code] = new
        return self._commit(
            dataclasses.replace(assessment, items=items),
            [item_change(code, assessment.items.get(code), new)],
        )

    def update_header(self, ref: str, **fields: Any) -> Assessment:
        """Place, time, participants, findings, recommendations and the unit's opinion."""
        assessment = self.get(ref)
        self._editable(assessment)
        fields = _checked_header(fields)
        changes = [
            Change(name, _jsonable(getattr(assessment, name)), _jsonable(value))
            for name, value in fields.items()
            if getattr(assessment, name) != value
        ]
        if not changes:
            return assessment
        return self._commit(dataclasses.replace(assessment, **fields), changes)

    def add_finding(self, ref: str, area: str, text: str) -> Assessment:
        a = self.get(ref)
        self._area(a, area)
        text = _written(text, _("the text"))
        return self.update_header(ref, findings=(*a.findings, Finding(area, text)))

    def add_recommendation(self, ref: str, area: str, text: str, deadline: str = "") -> Assessment:
        a = self.get(ref)
        self._area(a, area)
        text = _written(text, _("the text"))
        if deadline:  # typed as 31/01/2026 or 2026-01-31, kept as ISO
            try:
                deadline = parse_date(deadline).isoformat()
            except InputError as exc:
                raise WorkflowError(str(exc)) from None
        return self.update_header(
            ref, recommendations=(*a.recommendations, Recommendation(area, text, deadline))
        )

    def add_participant(self, ref: str, name: str, role: str, side: str = "team") -> Assessment:
        if side not in ("team", "unit"):
            raise WorkflowError(_("side must be team or unit"))
        a = self.get(ref)
        name, role = _written(name, _("the name")), _written(role, _("the role"))
        return self.update_header(
            ref, participants=(*a.participants, Participant(name, role, side))
        )

    def _area(self, assessment: Assessment, area: str) -> None:
        codes = [a.code for a in self.engine(assessment).cset.areas]
        if area not in codes:
            raise WorkflowError(
                _("no area '{area}' (areas: {codes})").format(area=area, codes=", ".join(codes))
            )

    # -- undo of one edit (the app: a field typed in, from focus to leaving it) ---------------

    def restore(self, ref: str, code: str, record: ItemRecord | None) -> Assessment:
        """Put the item back to `record`, what it was when an edit began (None: it had
        nothing), as one change, logged. The app saves every key typed (nothing typed is
        lost) but undoes what the person meant: a whole edit, not its last key. Restoring
        again to what it replaced redoes it."""
        assessment = self.get(ref)
        self._editable(assessment)
        try:
            self.engine(assessment).item(code)
        except KeyError as exc:
            raise WorkflowError(str(exc.args[0])) from None
        if record is not None and record.code != code:
            raise WorkflowError(_("item {code}: nothing to undo").format(code=code))
        current = assessment.items.get(code)
        if record == current:
            raise WorkflowError(_("item {code}: nothing to undo").format(code=code))
        items = dict(assessment.items)
        if record is None:
            items.pop(code, None)
        else:
            items[code] = record
        return self._commit(
            dataclasses.replace(assessment, items=items), [item_change(code, current, record)]
        )

    # -- life ------------------------------------------------------------------------------------

    def missing(self, assessment: Assessment) -> list[str]:
        """What must be done before submitting: each problem in words."""
        return [text for _code, text in self.missing_items(assessment)]

    def missing_items(self, assessment: Assessment) -> list[tuple[str, str]]:
        """What must be done before submitting, as (item code, problem in words)."""
        engine = self.engine(assessment)
        problems = []
        optional = {c.code for a in engine.cset.areas if a.is_bonus_penalty for c in a.walk()}
        for name in sorted(assessment.header_conflicts):  # resolved in F4's screen
            problems.append(("", self.conflict_text(name)))
        for criterion in engine.cset.items():
            item = assessment.items.get(criterion.code)
            if item is not None and item.conflict:
                problems.append((criterion.code, self.conflict_text(criterion.code)))
                continue
            if item is not None and item.pending:
                text = _("item {code}: an entry not yet accepted").format(code=criterion.code)
                problems.append((criterion.code, text))
                continue
            unanswered = not answered(item) or (
                item is not None and not item.na and not item.inputs and not _valid(engine, item)
            )
            if unanswered and criterion.code in optional:
                continue  # no bonus or penalty to record is a normal answer
            if unanswered:
                problems.append(
                    (criterion.code, _("item {code}: not answered").format(code=criterion.code))
                )
            elif evidence_missing(criterion, item):
                text = _("item {code}: evidence required").format(code=criterion.code)
                problems.append((criterion.code, text))
        for plugin, found in self.core.registry.call_each(
            "check_assessment", assessment=assessment, criteria_set=engine.cset
        ):
            problems += [
                ("", _("{plugin}: {problem}").format(plugin=plugin, problem=text)) for text in found
            ]
        for code, _before, _after, reason in self.changes_from_base(assessment):
            if code in assessment.items and not reason.strip():  # unanswered: listed above
                text = _("item {code}: changed score without a reason").format(code=code)
                problems.append((code, text))
        return problems

    def changes_from_base(self, assessment: Assessment) -> list[tuple[str, float, float, str]]:
        """For an appraisal: (item, self-assessed points, appraised points, reason) for every
        item whose points it changed, in the set's order."""
        if not assessment.base:
            return []
        base = self.store.assessment(assessment.base)
        return self.changes_between(base, assessment, self.scores(base), self.scores(assessment))

    def changes_between(
        self, base: Assessment, assessment: Assessment, base_scores: Scores, scores: Scores
    ) -> list[tuple[str, float, float, str]]:
        """`changes_from_base` with both read and scored already (a report of every unit)."""
        before, after = base_scores.points, scores.points
        changes = []
        for criterion in self.engine(assessment).cset.items():
            code = criterion.code
            if changed(before[code], after[code]):
                item = assessment.items.get(code)
                changes.append((code, before[code], after[code], item.reason if item else ""))
        return changes

    def _move(
        self, ref: str, to: str, allowed_from: tuple[str, ...], reason: str = ""
    ) -> Assessment:
        assessment = self.get(ref)
        if assessment.state not in allowed_from:
            raise WorkflowError(
                _("assessment {id} is {state}; it cannot become {to}").format(
                    id=assessment.id[:8], state=labels.state(assessment.state), to=labels.state(to)
                )
            )
        self.campaign_lock(assessment)
        self.check_intact(assessment)
        change = Change("state", assessment.state, to)
        if reason:
            change = Change("state", assessment.state, {"state": to, "reason": reason})
        after = self._commit(dataclasses.replace(assessment, state=to), [change])
        event = {"submitted": "submitted", "finalized": "finalized", "draft": "reopened"}[to]
        self.core.registry.call_each("assessment_event", event=event, assessment=after)
        return after

    def check_intact(self, assessment: Assessment) -> None:
        """Refuse to write over damaged data: the assessment's audit chain must hold and its
        data be the data of the last entry. A damaged copy is left as it is (with its last
        good copy) for someone to look at, never written back as if it were good."""
        try:
            log = self.store.audit_log(assessment.id)
        except KeyError:
            return
        problem = audit.verify(assessment.id[:8], log)
        why = str(problem) if problem else None
        if why is None:
            why = audit.check_content(assessment.id[:8], log, audit.assessment_hash(assessment))
        if why:
            raise WorkflowError(
                _(
                    "assessment {id} is damaged and was left as it is ({why}); nothing was "
                    "written: check it with audit verify"
                ).format(id=assessment.id[:8], why=why)
            )

    def submit(self, ref: str) -> Assessment:
        assessment = self.get(ref)
        problems = self.missing(assessment) if assessment.state == "draft" else []
        if problems:
            raise WorkflowError(
                count(
                    "cannot submit, {n} thing missing:",
                    "cannot submit, {n} things missing:",
                    len(problems),
                )
                + "\n  "
                + "\n  ".join(problems)
            )
        if assessment.kind == "self" and not assessment.started and self.editable(assessment):
            # the unit's report is dated the day it is submitted, unless a date was recorded
            self.update_header(ref, started=now_iso())
        return self._move(ref, *MOVES["submit"])

    def finalize(self, ref: str) -> Assessment:
        """Final documents carry the recorded date (and place, where a meeting was held):
        a finalized assessment cannot be changed, so they are asked for before, not after."""
        assessment = self.get(ref)
        self._refuse_conflicted(assessment, list(self.conflicts(assessment)))
        lacking = self.record_missing(assessment)
        if any(not r.deadline for r in assessment.recommendations):  # followed up by its date
            lacking.append(_("a deadline for every recommendation"))
        if lacking and assessment.state in MOVES["finalize"][1]:
            raise WorkflowError(
                _("cannot finalize: record {what} first (F4 in the app, or assess visit)").format(
                    what=_(" and ").join(lacking)
                )
            )
        after = self._move(ref, *MOVES["finalize"])
        self.follow_up(after)
        return after

    def record_missing(self, assessment: Assessment) -> list[str]:
        """What the final document needs that is not recorded: the date of the meeting (of
        the report, for a self-assessment) and, for a meeting, its place."""
        lacking = []
        if not assessment.started:
            lacking.append(_("the date"))
        if assessment.kind != "self" and not assessment.place.strip():
            lacking.append(_("the place"))
        return lacking

    # -- recommendations -----------------------------------------------------------------------

    def follow_up(self, assessment: Assessment) -> None:
        """A finalized inspection's or appraisal's recommendations get their follow-up records
        (recommendations.py): the assessment stays locked, the follow-up lives beside it."""
        from .recommendations import FollowUps

        FollowUps(self).open_for(assessment)

    def reopen(self, ref: str, reason: str) -> Assessment:
        if not reason or not reason.strip():
            raise WorkflowError(_("reopening needs a reason"))
        return self._move(ref, *MOVES["reopen"], reason.strip())

    # -- campaigns -------------------------------------------------------------------------
    # An assessment of a campaign (campaign.py) obeys its dates: a self-assessment changes
    # only until its unit's deadline (or extension) and until its appraisal starts, and
    # nothing of a published campaign changes until the campaign is reopened. `today` is the
    # clock (a test, or a CampaignFlow, sets its own).

    today: Callable[[], dt.date] = staticmethod(vietnam_today)

    def campaigns_of(self, assessment: Assessment) -> list[Campaign]:
        """The campaigns the assessment belongs to: its unit takes part, the same year, and it
        is the track's self-assessment or appraisal (a self-assessment on the campaign's set
        of its unit's kind counts before it is linked)."""
        found = []
        listed = getattr(self.store, "campaign_ids", None)  # a staged view (import) has none
        for campaign_id in listed() if listed else ():
            campaign = self.store.campaign(campaign_id)
            track = campaign.tracks.get(assessment.unit)
            if track is None or campaign.year != assessment.year:
                continue
            linked = assessment.id in (track.self_id, track.appraisal_id)
            unlinked = (
                assessment.kind == "self"
                and not track.self_id
                and assessment.set_id in campaign.sets.values()
            )
            if linked or unlinked:
                found.append(campaign)
        return found

    def campaign_lock(self, assessment: Assessment) -> None:
        """Refuse (WorkflowError) a change its campaign's dates or publication forbid, by
        `today`: typing, a state move, and a laptop's push on the server all ask here."""
        if assessment.kind == "inspection":
            return
        for campaign in self.campaigns_of(assessment):
            if campaign.published:
                raise WorkflowError(
                    _(
                        "assessment {id} belongs to campaign {campaign}, published on {day}: "
                        "nothing changes until the campaign is reopened (with a reason)"
                    ).format(id=assessment.id[:8], campaign=campaign.id, day=campaign.published)
                )
            track = campaign.tracks[assessment.unit]
            if assessment.kind == "self" and track.appraisal_id and assessment.id == track.self_id:
                raise WorkflowError(
                    _(
                        "the appraisal of unit {unit} in campaign {campaign} has started from "
                        "this self-assessment: it no longer changes"
                    ).format(unit=assessment.unit, campaign=campaign.id)
                )
            today = self.today()
            if assessment.kind == "self" and not may_change_self(campaign, track, today):
                raise WorkflowError(
                    _(
                        "the self-scoring deadline of unit {unit} in campaign {campaign} was "
                        "{deadline}: the self-assessment cannot change unless the Department "
                        "grants an extension"
                    ).format(
                        unit=assessment.unit,
                        campaign=campaign.id,
                        deadline=date_short(deadline_of(campaign, track)),
                    )
                )

    def council_change(self, ref: str, code: str, reason: str) -> Assessment:
        """The council upholds a unit's contest of an item of its (sent) appraisal: the item
        goes back to the record of the self-assessment, with the council's reason; the
        appraisal stays submitted. Audited like every change."""
        assessment = self.get(ref)
        if assessment.kind != "appraisal" or assessment.state != "submitted":
            raise WorkflowError(
                _("assessment {id} is not a submitted appraisal").format(id=assessment.id[:8])
            )
        self.campaign_lock(assessment)
        self.check_intact(assessment)
        base = self.store.assessment(assessment.base).items.get(code)
        old = assessment.items.get(code)
        new = (
            dataclasses.replace(base, reason=_kept(reason, TEXT, _("the reason"))) if base else None
        )
        items = dict(assessment.items)
        if new is None:
            items.pop(code, None)
        else:
            items[code] = new
        return self._commit(
            dataclasses.replace(assessment, items=items), [item_change(code, old, new)]
        )

    def campaign_move(self, ref: str, to: str, allowed_from: tuple[str, ...], reason: str):
        """A move a campaign step makes (sending back, final again), with its reason."""
        return self._move(ref, to, allowed_from, reason)

    # -- conflicts (sync) --------------------------------------------------------------------
    #
    # An item changed on the province server and on a laptop to different values since their
    # last sync keeps both (ItemRecord.conflict, made by inspect_tool/server/sync.py). Nothing
    # resolves it but `resolve_conflict`, by a named person with a reason, an audited act:
    # typing keeps it, clearing and submitting and finalizing are refused while it is there.

    @staticmethod
    def conflicts(assessment: Assessment) -> dict[str, Mapping[str, Any]]:
        """Item code, or header field, → its conflict ({"server": {...}, "laptop": {...}}):
        the conflicted items, then the conflicted header fields."""
        found = {code: i.conflict for code, i in sorted(assessment.items.items()) if i.conflict}
        return {**found, **dict(sorted(assessment.header_conflicts.items()))}

    @staticmethod
    def conflict_text(code: str) -> str:
        return _(
            "{where}: changed on the server and on a laptop (a sync conflict): resolve it"
        ).format(where=labels.conflict_place(code))

    def _refuse_conflicted(self, assessment: Assessment, codes: list[str]) -> None:
        found = [c for c in codes if c in self.conflicts(assessment)]
        if found:
            raise WorkflowError(
                "\n".join(self.conflict_text(c) for c in found),
                [(c, self.conflict_text(c)) for c in found],
            )

    def resolve_conflict(
        self,
        ref: str,
        code: str,
        take: str | None = None,
        *,
        reason: str,
        inputs: Mapping[str, Any] | None = None,
        points: float | str | None = None,
        na: bool = False,
        note: str | None = None,
    ) -> Assessment:
        """Resolve an item's conflict: `take` "server" or "laptop" keeps that side's value, or
        a third value is given (inputs, points, na, note; checked as any answer). A reason is
        required; the act is one audit entry ("conflict CODE": both sides, what was chosen,
        why), so a conflict is never resolved silently."""
        assessment = self.get(ref)
        self._editable(assessment)
        if code in HEADER_FIELDS:
            return self._resolve_header_conflict(assessment, code, take, reason)
        current = assessment.items.get(code)
        if current is None or not current.conflict:
            raise WorkflowError(_("item {code} has no conflict to resolve").format(code=code))
        reason = _written(reason or "", _("the reason"))
        if take is not None:
            if take not in ("server", "laptop") or inputs is not None or points is not None:
                raise WorkflowError(
                    _("take 'server' or 'laptop', or give a value of your own, not both")
                )
            value = (current.conflict.get(take) or {}).get("value")
            new = None if value is None else item_from_doc({**value, "code": code})
        else:
            if inputs is None and points is None and not na:
                raise WorkflowError(
                    _("take 'server' or 'laptop', or give a value of your own, not both")
                )
            plain = dataclasses.replace(current, conflict={})
            unlocked = dataclasses.replace(assessment, items={**assessment.items, code: plain})
            _old, new = self._new_record(unlocked, code, inputs, points=points, na=na, note=note)
            new = dataclasses.replace(new, conflict={})
        items = dict(assessment.items)
        if new is None:
            items.pop(code)
        else:
            items[code] = dataclasses.replace(new, conflict={})
        change = Change(
            f"conflict {code}",
            dict(current.conflict),
            {"take": take or "typed", "value": record_dict(items.get(code)), "reason": reason},
        )
        return self._commit(dataclasses.replace(assessment, items=items), [change])

    def _resolve_header_conflict(
        self, assessment: Assessment, name: str, take: str | None, reason: str
    ) -> Assessment:
        """A header field's conflict: the server's value, the laptop's, or (take None) what
        the field holds now, edited since; checked as typed, one audit entry."""
        from .store.codec import header_value_from_doc

        conflict = assessment.header_conflicts.get(name)
        if not conflict:
            raise WorkflowError(
                _("{where} has no conflict to resolve").format(where=labels.conflict_place(name))
            )
        reason = _written(reason or "", _("the reason"))
        if take not in (None, "server", "laptop"):
            raise WorkflowError(
                _("take 'server' or 'laptop' for {where}").format(where=labels.conflict_place(name))
            )
        value = getattr(assessment, name)
        if take is not None:
            side = (conflict.get(take) or {}).get("value")
            value = _checked_header({name: header_value_from_doc(name, side)})[name]
        rest = {k: v for k, v in assessment.header_conflicts.items() if k != name}
        change = Change(
            f"conflict {name}",
            dict(conflict),
            {"take": take or "current", "value": _jsonable(value), "reason": reason},
        )
        return self._commit(
            dataclasses.replace(assessment, **{name: value}, header_conflicts=rest), [change]
        )


def _valid(engine: Engine, item: ItemRecord) -> bool:
    """Whether the item's recorded inputs make an answer (a record may hold only evidence)."""
    try:
        engine.check(item.code, item.inputs)
    except AnswerError:
        return False
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return value
