"""The codec between the model and stored documents: the one shape an assessment has in every
store (embedded, PostgreSQL), in bundles and in the data attached to the minutes.

An item is written out field by field rather than with dataclasses.asdict, which deep-copies:
this runs on every save.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from ..campaign import Campaign, Decision, Explanation, Extension, Result, Track
from ..model import (
    Assessment,
    Evidence,
    Finding,
    FollowUp,
    ItemRecord,
    Participant,
    Progress,
    Recommendation,
)


def _evidence_doc(e: Evidence) -> dict[str, str]:
    return {
        "number": e.number,
        "date": e.date,
        "issuer": e.issuer,
        "file": e.file,
        "sha256": e.sha256,
    }


def item_to_doc(item: ItemRecord) -> dict[str, Any]:
    # written out rather than dataclasses.asdict, which deep-copies: this runs on every save
    doc = {
        "code": item.code,
        "inputs": dict(item.inputs),
        "na": item.na,
        "evidence": [_evidence_doc(e) for e in item.evidence],
        "note": item.note,
        "reason": item.reason,
    }
    if item.pending:  # only when there is some: stored items and bundles stay as they were
        doc["pending"] = dict(item.pending)
    if item.conflict:  # likewise: only an item changed on two sides since a sync has one
        doc["conflict"] = dict(item.conflict)
    return doc


def item_from_doc(doc: dict[str, Any]) -> ItemRecord:
    # the empty parts (most items' evidence, pending, conflict) skipped rather than iterated:
    # a nation's store decodes a quarter of a million items for `audit verify`
    evidence, pending, conflict = doc.get("evidence"), doc.get("pending"), doc.get("conflict")
    return ItemRecord(
        doc["code"],
        dict(doc.get("inputs") or {}),
        bool(doc.get("na")),
        tuple([Evidence(**e) for e in evidence]) if evidence else (),
        doc.get("note", ""),
        doc.get("reason", ""),
        {str(k): str(v) for k, v in pending.items()} if pending else {},
        dict(conflict) if conflict else {},
    )


def header_to_doc(a: Assessment) -> dict[str, Any]:
    doc = {f.name: getattr(a, f.name) for f in fields(a) if f.name not in _LISTS + ("items",)}
    for key in _LISTS:
        doc[key] = [asdict(x) for x in getattr(a, key)]
    if not a.header_conflicts:  # absent when there are none: the documents (and the hashes
        del doc["header_conflicts"]  # of every chain) of assessments without one unchanged
    else:
        doc["header_conflicts"] = dict(a.header_conflicts)
    return doc


def header_value_doc(name: str, value: Any) -> Any:
    """A header field's value as its document holds it (lists of records as dicts)."""
    return [asdict(x) for x in value] if name in _LISTS else value


def header_value_from_doc(name: str, value: Any) -> Any:
    """The document form of a header field back to the model's."""
    kinds = {"findings": Finding, "recommendations": Recommendation, "participants": Participant}
    return tuple(kinds[name](**x) for x in value or ()) if name in kinds else value


_LISTS = ("findings", "recommendations", "participants")


def assessment_from_docs(header: dict[str, Any], items: list[dict[str, Any]]) -> Assessment:
    scalars = {k: v for k, v in header.items() if k not in _LISTS}
    scalars["signed_by"] = tuple(scalars.get("signed_by") or ())
    scalars["header_conflicts"] = dict(scalars.get("header_conflicts") or {})
    return Assessment(
        **scalars,
        items={d["code"]: item_from_doc(d) for d in items},
        **{name: header_value_from_doc(name, header.get(name)) for name in _LISTS},
    )


# -- campaigns ------------------------------------------------------------------------------


def campaign_header_doc(c: Campaign) -> dict[str, Any]:
    """A campaign without its tracks (those are kept one per unit: a unit's account writes
    only its own)."""
    doc = {f.name: getattr(c, f.name) for f in fields(c) if f.name not in ("tracks", "results")}
    doc["sets"] = dict(c.sets)
    doc["results"] = [asdict(r) for r in c.results]
    return doc


def track_doc(t: Track) -> dict[str, Any]:
    return {
        "unit": t.unit,
        "self_id": t.self_id,
        "appraisal_id": t.appraisal_id,
        "sent": t.sent,
        "final": t.final,
        "extensions": [asdict(e) for e in t.extensions],
        "explanations": {k: asdict(e) for k, e in t.explanations.items()},
        "decisions": {k: asdict(d) for k, d in t.decisions.items()},
        "version": t.version,
    }


def track_from_doc(doc: dict[str, Any]) -> Track:
    return Track(
        unit=doc["unit"],
        self_id=doc.get("self_id", ""),
        appraisal_id=doc.get("appraisal_id", ""),
        sent=doc.get("sent", ""),
        final=doc.get("final", ""),
        extensions=tuple(Extension(**e) for e in doc.get("extensions") or ()),
        explanations={k: Explanation(**e) for k, e in (doc.get("explanations") or {}).items()},
        decisions={k: Decision(**d) for k, d in (doc.get("decisions") or {}).items()},
        version=int(doc.get("version") or 0),
    )


def campaign_from_docs(header: dict[str, Any], tracks: list[dict[str, Any]]) -> Campaign:
    scalars = {k: v for k, v in header.items() if k not in ("results", "sets")}
    return Campaign(
        **scalars,
        sets=dict(header.get("sets") or {}),
        results=tuple(Result(**r) for r in header.get("results") or ()),
        tracks={d["unit"]: track_from_doc(d) for d in tracks},
    )


# -- recommendations followed up --------------------------------------------------------------


def progress_to_doc(step: Progress) -> dict[str, Any]:
    doc = {f.name: getattr(step, f.name) for f in fields(step) if f.name != "evidence"}
    return doc | {"evidence": [_evidence_doc(e) for e in step.evidence]}


def followup_to_doc(record: FollowUp) -> dict[str, Any]:
    doc = {f.name: getattr(record, f.name) for f in fields(record) if f.name != "history"}
    doc["history"] = [progress_to_doc(p) for p in record.history]
    return doc


def followup_from_doc(doc: dict[str, Any]) -> FollowUp:
    scalars = {k: v for k, v in doc.items() if k != "history"}
    history = tuple(
        Progress(
            **{k: v for k, v in p.items() if k != "evidence"},
            evidence=tuple(Evidence(**e) for e in p.get("evidence") or ()),
        )
        for p in doc.get("history") or ()
    )
    return FollowUp(**scalars, history=history)
