"""Follow-ups (the records of recommendations followed up) in a bundle, and so in `db load`.

A bundle carries each chosen unit's follow-up records, each with its own audit chain, in a
top-level `followups` list (only when there are some: a bundle without any is as before).
On import each is checked as the follow-up's own steps would have checked it: its shape, its
chain unbroken and ending with its data, its texts as typing takes them, its states legal, and
the finalized inspection or appraisal whose recommendation it follows (in the store or in the
bundle) saying the same unit, year, kind and recommendation. Any problem refuses the whole
bundle; a record already in the store is skipped when it is the same and refused otherwise.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from ..i18n import _
from ..model import FOLLOW_STATES, FOLLOWED_KINDS, FollowUp
from . import audit
from .bundle import _EVIDENCE, _fields, _type_name
from .codec import followup_from_doc, followup_to_doc
from .interface import Change, Store

KEY = "followups"
FOLLOWUP_ID = re.compile(r"^([0-9a-f]{32})-([1-9][0-9]{0,3})$")
_RECORD = {
    "id": str,
    "assessment": str,
    "unit": str,
    "year": int,
    "kind": str,
    "area": str,
    "area_title": str,
    "text": str,
    "deadline": str,
    "state": str,
    "created": str,
    "updated": str,
    "history": list,
    "version": int,
}
_STEP = {
    "at": str,
    "by": str,
    "state": str,
    "text": str,
    "day": str,
    "evidence": list,
    "reason": str,
}


def entries(store: Store, unit: str | None, year: int | None) -> list[dict[str, Any]]:
    """The chosen units' records as a bundle holds them: the record and its audit log."""
    return [
        {"record": followup_to_doc(r), "audit": store.followup_log(r.id)}
        for r in store.followups(unit)
        if year is None or r.year == year
    ]


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else []


def schema_problems(docs: Any) -> list[str]:
    """Every way the `followups` list's shape is wrong, each with where."""
    if not isinstance(docs, list):
        return [_("{where}: must be {type}").format(where=KEY, type=_type_name(list))]
    problems: list[str] = []
    seen: set[str] = set()
    shape = {"record": dict, "audit": list}
    for n, entry in enumerate(docs):
        where = f"{KEY}[{n}]"
        if not _fields(entry, where, shape, tuple(shape), problems):
            continue
        if isinstance(entry.get("record"), dict):
            problems += _record_problems(entry["record"], f"{where}.record", seen)
        for m, log_entry in enumerate(_listed(entry.get("audit"))):
            if not isinstance(log_entry, dict):
                problems.append(
                    _("{where}: must be {type}").format(
                        where=f"{where}.audit[{m}]", type=_type_name(dict)
                    )
                )
    return problems


def _record_problems(record: dict, where: str, seen: set[str]) -> list[str]:
    """One record's shape: its keys and types, its id, unit code, kind, state and steps."""
    from ..text_rules import unit_code_problem

    problems: list[str] = []
    _fields(record, where, _RECORD, tuple(_RECORD), problems)
    ident = record.get("id")
    if isinstance(ident, str):
        found = FOLLOWUP_ID.match(ident)
        if not found or found.group(1) != record.get("assessment"):
            problems.append(
                _("{where}: {id!r} is not a recommendation's id").format(
                    where=f"{where}.id", id=ident
                )
            )
        elif ident in seen:
            problems.append(
                _("{where}: recommendation {id} is twice in the bundle").format(
                    where=where, id=ident
                )
            )
        seen.add(ident)
    if isinstance(record.get("unit"), str) and unit_code_problem(record["unit"]):
        problems.append(f"{where}.unit: {unit_code_problem(record['unit'])}")
    if record.get("kind") not in FOLLOWED_KINDS:
        problems.append(
            _("{where}: unknown kind {kind!r}").format(
                where=f"{where}.kind", kind=record.get("kind")
            )
        )
    if isinstance(record.get("state"), str) and record["state"] not in FOLLOW_STATES:
        problems.append(
            _("{where}: unknown state {state!r}").format(
                where=f"{where}.state", state=record["state"]
            )
        )
    for m, step in enumerate(_listed(record.get("history"))):
        sw = f"{where}.history[{m}]"
        if _fields(step, sw, _STEP, ("at", "by", "state"), problems):
            for e, doc in enumerate(_listed(step.get("evidence"))):
                _fields(doc, f"{sw}.evidence[{e}]", _EVIDENCE, (), problems)
    return problems


def broken_chain(docs: list[dict[str, Any]]) -> str | None:
    """The first record whose audit chain is broken, in words (None when all hold)."""
    for entry in docs:
        broken = audit.verify(entry["record"]["id"], entry["audit"])
        if broken:
            return str(broken)
    return None


def _content(doc: Mapping[str, Any]) -> str:
    """The content hash a store records with a follow-up's audit entry."""
    return hashlib.sha256(audit.canonical(doc)).hexdigest()


def _text_problems(record: FollowUp) -> list[str]:
    """Texts as typing would refuse them: too long, bidi controls, hidden characters."""
    from ..text_rules import NAME, TEXT, TextError, clean

    texts = [(record.text, TEXT), (record.area_title, NAME), (record.area, NAME)]
    for step in record.history:
        texts += [(step.text, TEXT), (step.reason, TEXT), (step.by, NAME)]
        for e in step.evidence:
            texts += [(e.number, NAME), (e.issuer, NAME)]
    problems = []
    for text, limit in texts:
        try:
            clean(text, limit, _("a text"))
        except TextError as exc:
            problems.append(str(exc))
    return problems


def _step_problems(record: FollowUp) -> list[str]:
    """The states of its steps are follow-up states, and the last is the record's."""
    problems = [
        _("step {n}: unknown state {state!r}").format(n=n, state=step.state)
        for n, step in enumerate(record.history, start=1)
        if step.state not in FOLLOW_STATES
    ]
    last = record.history[-1].state if record.history else "open"
    if record.state not in (last, "withdrawn"):
        problems.append(
            _("it is {state}, but its steps end {logged}").format(state=record.state, logged=last)
        )
    return problems


def _source_problems(record: FollowUp, source: Any) -> list[str]:
    """The assessment it follows: there, finalized, of its unit, year and kind, with the
    recommendation it names (as it is, unless the record was withdrawn when it changed)."""
    if source is None:
        return [_("its inspection or appraisal is neither in the bundle nor in this store")]
    if source.state != "finalized" or source.kind not in FOLLOWED_KINDS:
        return [_("its inspection or appraisal is not finalized")]
    if (source.unit, source.year, source.kind) != (record.unit, record.year, record.kind):
        return [_("its unit, year or kind is not its inspection's")]
    n = int(record.id.rsplit("-", 1)[1])
    if n > len(source.recommendations):
        return [_("its inspection has no recommendation {n}").format(n=n)]
    rec = source.recommendations[n - 1]
    if record.state != "withdrawn" and (rec.area, rec.text, rec.deadline) != (
        record.area,
        record.text,
        record.deadline,
    ):
        return [_("it is not the recommendation its inspection makes")]
    return []


def problems_of(
    store: Store, docs: list[dict[str, Any]], incoming: Mapping[str, Any]
) -> tuple[list[tuple[FollowUp, list[dict]]], int, list[str]]:
    """The records to write (with their logs), how many are already here, and every reason
    to refuse; `incoming` are the bundle's assessments by id, checked already."""
    known = set(store.assessment_ids())
    write: list[tuple[FollowUp, list[dict]]] = []
    same = 0
    problems: list[str] = []
    for entry in docs:
        doc, log = entry["record"], entry["audit"]
        try:
            record = followup_from_doc(doc)
        except (TypeError, ValueError) as exc:
            problems.append(_("recommendation {id}: {why}").format(id=doc.get("id"), why=exc))
            continue
        whys: list[str] = []
        head = log[-1] if log else {}
        if not log or head.get("content") != _content(doc):
            whys.append(_("its data is not the data its audit log ends with"))
        whys += _step_problems(record) + _text_problems(record)
        source = incoming.get(record.assessment)
        if source is None and record.assessment in known:
            source = store.assessment(record.assessment)
        whys += _source_problems(record, source)
        if not whys:
            try:
                mine = store.followup(record.id)
            except KeyError:
                mine = None
            if mine == record:
                same += 1
                continue
            if mine is not None:
                whys.append(_("it is already in this store with different content"))
        problems += [
            _("recommendation {id} ({unit}): {why}").format(id=record.id, unit=record.unit, why=w)
            for w in whys
        ]
        if not whys:
            write.append((record, log))
    return write, same, problems


def write(store: Store, records: list[tuple[FollowUp, list[dict]]], note: dict[str, Any]) -> None:
    """Write the checked records, each with its log carried and an entry for the import."""
    for record, log in records:
        store.save_followup(record, [Change("imported", None, note)], history=log)
