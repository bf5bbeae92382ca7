"""The codec between the model and stored documents: the one shape an assessment has in every
store (embedded, PostgreSQL), in bundles and in the data attached to the minutes.

An item is written out field by field rather than with dataclasses.asdict, which deep-copies:
this runs on every save.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from ..model import Assessment, Evidence, Finding, ItemRecord, Participant, Recommendation


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
    return ItemRecord(
        code=doc["code"],
        inputs=dict(doc.get("inputs") or {}),
        na=bool(doc.get("na")),
        evidence=tuple(Evidence(**e) for e in doc.get("evidence") or ()),
        note=doc.get("note", ""),
        reason=doc.get("reason", ""),
        pending={str(k): str(v) for k, v in (doc.get("pending") or {}).items()},
        conflict=dict(doc.get("conflict") or {}),
    )


def header_to_doc(a: Assessment) -> dict[str, Any]:
    doc = {f.name: getattr(a, f.name) for f in fields(a) if f.name not in _LISTS + ("items",)}
    for key in _LISTS:
        doc[key] = [asdict(x) for x in getattr(a, key)]
    return doc


_LISTS = ("findings", "recommendations", "participants")


def assessment_from_docs(header: dict[str, Any], items: list[dict[str, Any]]) -> Assessment:
    scalars = {k: v for k, v in header.items() if k not in _LISTS}
    scalars["signed_by"] = tuple(scalars.get("signed_by") or ())
    return Assessment(
        **scalars,
        items={d["code"]: item_from_doc(d) for d in items},
        findings=tuple(Finding(**f) for f in header.get("findings") or ()),
        recommendations=tuple(Recommendation(**r) for r in header.get("recommendations") or ()),
        participants=tuple(Participant(**p) for p in header.get("participants") or ()),
    )
