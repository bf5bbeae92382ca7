"""Recommendations followed up: what the unit did about each recommendation, until the
Department accepts it done.

A finalized inspection or appraisal is locked, so the follow-up of its recommendations lives in
records of its own (`FollowUp`, one per recommendation, each with its own audit chain in the
store). The unit reports progress (in progress, or done with evidence); the Department accepts
a reported "done" or sends it back with a reason. "Overdue" is never stored: it is derived
from the deadline and a date given by an injected clock, so a test (or a document dated in the
past) says what it was on that day. Next year's inspection of the unit starts from the
recommendations not done (`carried`), in the app and in its minutes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .i18n import _
from .inputs import InputError, parse_date
from .model import FOLLOWED_KINDS, Assessment, Evidence, FollowUp, Progress
from .store import Change, StoreError
from .store.audit import VIETNAM, now_iso
from .store.codec import followup_to_doc, progress_to_doc
from .text_rules import TEXT, TextError, clean
from .workflow import Workflow, WorkflowError, _kept_evidence, parse_evidence

NOT_DONE = ("open", "in_progress", "reported")
# the order of a report: overdue first, then the rest as a follow-up advances
STATUS_ORDER = ("overdue", "open", "in_progress", "reported", "done", "withdrawn")
STATUSES = STATUS_ORDER
Clock = Callable[[], dt.date]


def vietnam_today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def status(record: FollowUp, day: dt.date) -> str:
    """The state shown on `day`: "overdue" when its deadline has passed and the unit has not
    reported it done; else the stored state."""
    late = bool(record.deadline) and record.deadline < day.isoformat()
    return "overdue" if late and record.state in ("open", "in_progress") else record.state


def state_on(record: FollowUp, day: dt.date) -> str:
    """The stored state as it was on `day`, from the dates of the steps (the day the unit gave
    for its work, the day the Department decided): a document dated then says what was known
    then, however much was reported since."""
    steps = steps_on(record, day)
    return steps[-1].state if steps else "open"


def steps_on(record: FollowUp, day: dt.date) -> list[Progress]:
    """The steps of the follow-up taken by `day` (by the date each gives)."""
    return [s for s in record.history if (s.day or s.at[:10]) <= day.isoformat()]


def status_on(record: FollowUp, day: dt.date) -> str:
    """`status` of the record as it was on `day`."""
    return status(dataclasses.replace(record, state=state_on(record, day)), day)


def status_label(value: str) -> str:
    return {
        "open": _("open"),
        "in_progress": _("in progress"),
        "reported": _("reported done, awaiting acceptance"),
        "done": _("done"),
        "withdrawn": _("withdrawn"),
        "overdue": _("overdue"),
    }.get(value, value)


@dataclass(frozen=True)
class Row:
    """A record as a report lists it: with its status on the report's day and the unit's name."""

    record: FollowUp
    status: str
    unit_name: str

    @property
    def last_step(self) -> Progress | None:
        return self.record.history[-1] if self.record.history else None


def _kept(text: str, what: str) -> str:
    if not text or not text.strip():
        raise WorkflowError(_("write {what}").format(what=what))
    try:
        return clean(text.strip(), TEXT, what)
    except TextError as exc:
        raise WorkflowError(str(exc)) from None


class FollowUps:
    """The follow-up of recommendations, over a workflow's store, with a clock."""

    def __init__(self, flow: Workflow, today: Clock | None = None):
        self.flow = flow
        self.store = flow.store
        self.today = today or vietnam_today

    # -- records from assessments --------------------------------------------------------------

    def open_for(self, assessment: Assessment) -> list[FollowUp]:
        """Make (or bring in line) the records of a finalized inspection's or appraisal's
        recommendations: new ones open, changed ones updated, ones taken out withdrawn; each
        change audited in the record's own log. Called when it is finalized."""
        if assessment.kind not in FOLLOWED_KINDS or assessment.state != "finalized":
            return []
        titles = self._area_titles(assessment)
        stored = {r.id: r for r in self.store.followups(assessment.unit)}
        made = []
        for n, rec in enumerate(assessment.recommendations, start=1):
            wanted = FollowUp(
                id=f"{assessment.id}-{n}",
                assessment=assessment.id,
                unit=assessment.unit,
                year=assessment.year,
                kind=assessment.kind,
                area=rec.area,
                area_title=titles.get(rec.area, rec.area),
                text=rec.text,
                deadline=rec.deadline,
            )
            made.append(self._bring_in_line(stored.pop(wanted.id, None), wanted))
        for left in stored.values():
            if left.assessment == assessment.id and left.state != "withdrawn":
                self._write(left, "withdrawn", [Change("withdrawn", left.state, "withdrawn")])
        return made

    def _area_titles(self, assessment: Assessment) -> dict[str, str]:
        try:
            return {a.code: a.title for a in self.flow.engine(assessment).cset.areas}
        except (ValueError, LookupError):  # its set is gone: the codes stand in for titles
            return {}

    def _bring_in_line(self, old: FollowUp | None, wanted: FollowUp) -> FollowUp:
        fields = ("area", "area_title", "text", "deadline")
        if old is None:
            stamp = now_iso()
            record = dataclasses.replace(wanted, created=stamp, updated=stamp, version=1)
            new = {f: getattr(record, f) for f in ("assessment", "unit", "year", *fields)}
            self.store.save_followup(record, [Change("created", None, new)])
            return record
        differ = [f for f in fields if getattr(old, f) != getattr(wanted, f)]
        if not differ and old.state != "withdrawn":
            return old
        record = dataclasses.replace(old, **{f: getattr(wanted, f) for f in fields})
        changes = [Change(f, getattr(old, f), getattr(wanted, f)) for f in differ]
        state = "open" if old.state == "withdrawn" else old.state
        if state != old.state:
            changes.append(Change("state", old.state, state))
        return self._write(record, state, changes)

    def _write(self, record: FollowUp, state: str, changes: list[Change], step=None) -> FollowUp:
        history = (*record.history, step) if step is not None else record.history
        after = dataclasses.replace(
            record, state=state, history=history, updated=now_iso(), version=record.version + 1
        )
        self.store.save_followup(after, changes)
        return after

    def records(self) -> list[FollowUp]:
        """Every record the store lets this account see, those of finalized assessments made
        before follow-ups existed (or imported) included: their records are made here when the
        store is writable, else shown as open without being kept."""
        have = self.store.followups()
        known = {r.assessment for r in have}
        for summary in self.flow._listed():
            if summary.kind not in FOLLOWED_KINDS or summary.state != "finalized":
                continue
            if summary.id in known:
                continue
            assessment = self.store.assessment(summary.id)
            if not assessment.recommendations:
                continue
            have.extend(self._kept_or_shown(assessment))
        return sorted(have, key=lambda r: r.id)

    def _kept_or_shown(self, assessment: Assessment) -> list[FollowUp]:
        """Its records made and kept; shown without being kept where this store or account
        may not write them (read-only, a viewer)."""
        if getattr(self.store, "writable", False) and self.store.account_kind() != "viewer":
            try:
                return self.open_for(assessment)
            except StoreError:
                pass
        return self._unkept(assessment)

    def _unkept(self, assessment: Assessment) -> list[FollowUp]:
        titles = self._area_titles(assessment)
        return [
            FollowUp(
                f"{assessment.id}-{n}",
                assessment.id,
                assessment.unit,
                assessment.year,
                assessment.kind,
                r.area,
                titles.get(r.area, r.area),
                r.text,
                r.deadline,
            )  # fmt: skip
            for n, r in enumerate(assessment.recommendations, start=1)
        ]

    def get(self, ref: str) -> FollowUp:
        """A record by its id or a unique prefix of it (as assessments are found)."""
        try:
            return self.store.followup(ref)
        except KeyError:
            pass
        matches = [r for r in self.records() if ref and _matches(r, ref)]
        if not matches:
            raise WorkflowError(_("no recommendation '{ref}'").format(ref=ref))
        if len(matches) > 1:
            raise WorkflowError(
                _("'{ref}' matches {n} recommendations; give more of the id").format(
                    ref=ref, n=len(matches)
                )
            )
        return matches[0]

    # -- the unit reports, the Department decides ----------------------------------------------

    def progress(
        self,
        ref: str,
        text: str,
        *,
        done: bool = False,
        day: str = "",
        evidence: str = "",
        files: Iterable[Path] = (),
    ) -> FollowUp:
        """The unit's report: what was done, on which day (today when not given, never in the
        future); `done` reports it done, which needs evidence, and waits for the Department."""
        self._may("unit")
        record = self.get(ref)
        if record.state not in NOT_DONE:
            raise WorkflowError(
                _("recommendation {id} is {state}: nothing more can be reported").format(
                    id=record.id, state=status_label(record.state)
                )
            )
        text = _kept(text, _("what was done"))
        when = self._day(day)
        found = _kept_evidence(parse_evidence(evidence))
        found += tuple(self._kept_file(Path(f)) for f in files)
        if done and not found:
            raise WorkflowError(_("a recommendation reported done needs its evidence"))
        state = "reported" if done else "in_progress"
        step = Progress(now_iso(), self.store.user, state, text, when, found)
        change = Change("progress", record.state, progress_to_doc(step))
        return self._write(record, state, [change], step)

    def accept(self, ref: str, note: str = "") -> FollowUp:
        """The Department accepts a reported "done"."""
        self._may("department")
        record = self._reported(self.get(ref))
        text = note.strip() and _kept(note, _("the note"))
        step = Progress(now_iso(), self.store.user, "done", text, self.today().isoformat())
        change = Change("accepted", record.state, progress_to_doc(step))
        return self._write(record, "done", [change], step)

    def send_back(self, ref: str, reason: str) -> FollowUp:
        """The Department sends a reported "done" back to the unit, with the reason."""
        self._may("department")
        record = self._reported(self.get(ref))
        reason = _kept(reason, _("the reason"))
        step = Progress(
            now_iso(), self.store.user, "in_progress", day=self.today().isoformat(), reason=reason
        )
        change = Change("sent back", record.state, progress_to_doc(step))
        return self._write(record, "in_progress", [change], step)

    def _reported(self, record: FollowUp) -> FollowUp:
        if record.state != "reported":
            raise WorkflowError(
                _("recommendation {id} is {state}: only one reported done is decided").format(
                    id=record.id, state=status_label(record.state)
                )
            )
        return record

    def _may(self, who: str) -> None:
        """A unit reports, the Department decides; a viewer does neither. A laptop's store
        (no account) does what its user asks."""
        kind = self.store.account_kind()
        if kind == "viewer" or (who == "department" and kind == "unit"):
            message = (
                _("only the Department accepts a recommendation done or sends it back")
                if who == "department"
                else _("this account may only read")
            )
            raise WorkflowError(message)

    def _day(self, text: str) -> str:
        today = self.today()
        if not text:
            return today.isoformat()
        try:
            day = parse_date(text)
        except InputError as exc:
            raise WorkflowError(str(exc)) from None
        if day > today:
            raise WorkflowError(
                _("{day} is in the future: report what was done").format(day=day.isoformat())
            )
        return day.isoformat()

    def _kept_file(self, path: Path) -> Evidence:
        if not path.is_file():
            raise WorkflowError(_("{path}: no such file").format(path=path))
        try:
            return Evidence(file=path.name, sha256=self.store.keep_file(path))
        except OSError as exc:
            raise WorkflowError(
                _("{path} cannot be read: {why}").format(path=path, why=exc.strerror or exc)
            ) from None
        except StoreError as exc:
            raise WorkflowError(str(exc)) from None

    # -- what is shown -------------------------------------------------------------------------

    def carried(self, unit: str, year: int, day: dt.date | None = None) -> list[Row]:
        """The unit's recommendations of earlier years not done on `day` (today when not
        given), as next year's inspection starts from them: overdue first, then by deadline."""
        day = day or self.today()
        rows = []
        for record in self.store.followups(unit):
            if record.year >= year or record.state == "withdrawn":
                continue
            shown = status_on(record, day)
            if shown in ("done", "withdrawn"):
                continue
            rows.append(Row(record, shown, self._unit_name(record.unit)))
        return sorted(rows, key=lambda r: (r.status != "overdue", r.record.deadline, r.record.id))

    def rows(
        self,
        *,
        unit: str | None = None,
        state: str | None = None,
        area: str | None = None,
        year: int | None = None,
    ) -> list[Row]:
        """The report across the province: by unit, state and area, overdue first; withdrawn
        ones only when asked for by state."""
        day = self.today()
        found = []
        for record in self.records():
            shown = status(record, day)
            if state is None and shown == "withdrawn":
                continue
            if (unit and record.unit != unit) or (state and shown != state):
                continue
            if (area and record.area != area) or (year and record.year != year):
                continue
            found.append(Row(record, shown, self._unit_name(record.unit)))
        return sorted(found, key=_report_order)

    def _unit_name(self, code: str) -> str:
        unit = self.store.unit(code)
        return unit.name if unit else code


def said(step: Progress) -> str:
    """What a step says: the unit's report, or why the Department sent it back."""
    return _("sent back: {reason}").format(reason=step.reason) if step.reason else step.text


def record_json(record: FollowUp, shown: str) -> dict:
    """A follow-up as JSON, with its state on the day asked (`recommendations … --json`, the
    server's GET /recommendations)."""
    return followup_to_doc(record) | {"status": shown, "short_id": short_id(record)}


def short_id(record: FollowUp) -> str:
    """How lists show a record: its assessment's short id and its number, `9adcfe8d-2`."""
    return f"{record.assessment[:8]}-{record.id.rsplit('-', 1)[1]}"


def _matches(record: FollowUp, ref: str) -> bool:
    """A prefix of the id, or a short id (a prefix of the assessment's id, and the number)."""
    if record.id.startswith(ref):
        return True
    prefix, _sep, number = ref.rpartition("-")
    return (
        bool(prefix)
        and record.id == f"{record.assessment}-{number}"
        and (record.assessment.startswith(prefix))
    )


def _report_order(row: Row) -> tuple:
    r = row.record
    return (
        row.status != "overdue",
        r.unit,
        STATUS_ORDER.index(row.status),
        r.area,
        r.deadline or "9999",
        r.id,
    )
