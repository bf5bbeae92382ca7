"""Bundles: units and assessments in one versioned JSON file, to carry between stores.

This is how a ward's self-assessment travels to the Department on a USB stick. A bundle
carries a hash of its content, the criteria sets its assessments were made with, and each
assessment's audit log. Importing is idempotent, and a different copy of an assessment
already in the store is refused, never overwritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..i18n import _
from ..model import Unit
from ..output import write_bytes
from ..yaml_lines import ProblemsError
from . import audit
from .codec import assessment_from_docs, header_to_doc, item_to_doc
from .interface import Change, Store

FORMAT = "inspect-tool-bundle"
VERSION = 1


class BundleError(ValueError):
    """A bundle refused, with every reason; nothing was imported."""


def _digest(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def export_bundle(store: Store, *, unit: str | None = None, year: int | None = None) -> dict:
    """The units and assessments chosen, with what is needed to check and score them."""
    chosen = [
        a
        for a in store.assessments()
        if (unit is None or a.unit == unit) and (year is None or a.year == year)
    ]
    logs = {Path(name).stem: entries for name, entries in store.audit_logs()}
    units = [u for u in store.units() if unit is None or u.code == unit]
    sets = {a.set_hash: store.pinned_set(a.set_hash) for a in chosen}
    body = {
        "format": FORMAT,
        "version": VERSION,
        "created": audit.now_iso(),
        "by": store.user,
        "units": [asdict(u) for u in units],
        "sets": sets,
        "assessments": [
            {
                "header": header_to_doc(a),
                "items": [item_to_doc(i) for i in a.items.values()],
                "audit": logs.get(a.id, []),
            }
            for a in chosen
        ],
    }
    return body | {"hash": _digest(body)}


def write_bundle(path: Path, bundle: dict, *, force: bool = False) -> None:
    """Whole or not at all; an existing file is replaced only with `force`."""
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    write_bytes(path, text.encode("utf-8"), force=force)


def read_bundle(path: Path) -> dict:
    from ..limits import MAX_DEPTH, depth, read_limited

    try:
        data = json.loads(read_limited(path, "bundle").decode("utf-8"))
    except ProblemsError as exc:
        raise BundleError(str(exc)) from None
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested without end
        error = _("nested too deeply") if isinstance(exc, RecursionError) else exc
        raise BundleError(
            _("{path}: not a readable bundle ({error})").format(path=path, error=error)
        ) from None
    if depth(data) > MAX_DEPTH:
        raise BundleError(
            _("{path}: not a readable bundle ({error})").format(
                path=path, error=_("nested too deeply")
            )
        )
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleError(_("{path}: not an inspect-tool bundle").format(path=path))
    if data.get("version", 0) > VERSION:
        raise BundleError(
            _("{path}: bundle version {v} is newer than this inspect-tool reads ({known})").format(
                path=path, v=data.get("version"), known=VERSION
            )
        )
    body = {k: v for k, v in data.items() if k != "hash"}
    if data.get("hash") != _digest(body):
        raise BundleError(
            _(
                "{path}: the content does not match its hash: the file was changed or damaged"
            ).format(path=path)
        )
    for entry in data.get("assessments", []):
        broken = audit.verify(entry["header"]["id"], entry.get("audit", []))
        if broken:
            raise BundleError(
                _("{path}: audit log broken: {broken}").format(path=path, broken=broken)
            )
    return data


def import_bundle(store: Store, data: dict) -> dict[str, int]:
    """Load a checked bundle; return counts. Raise BundleError (importing nothing) on conflict."""
    conflicts: list[str] = []
    new_units: list[Unit] = []
    for doc in data.get("units", []):
        unit = Unit(**doc)
        mine = store.unit(unit.code)
        if mine is None:
            new_units.append(unit)
        elif mine != unit:
            conflicts.append(
                _("unit {code} differs from the one in this store").format(code=unit.code)
            )
    todo = []
    same = 0
    known = set(store.assessment_ids())
    for entry in data.get("assessments", []):
        incoming = assessment_from_docs(entry["header"], entry["items"])
        if incoming.id in known:
            if store.assessment(incoming.id) == incoming:
                same += 1
                continue
            conflicts.append(
                _(
                    "assessment {id} ({unit}, {year}, {kind}) is already in this store with "
                    "different content; it was not overwritten"
                ).format(
                    id=incoming.id[:8], unit=incoming.unit, year=incoming.year, kind=incoming.kind
                )
            )
            continue
        if store.unit(incoming.unit) is None and all(u.code != incoming.unit for u in new_units):
            conflicts.append(
                _("assessment {id}: unit {unit} is neither in the bundle nor in this store").format(
                    id=incoming.id[:8], unit=incoming.unit
                )
            )
            continue
        todo.append((incoming, entry))
    if conflicts:
        raise BundleError("\n".join(conflicts))
    if new_units:
        store.put_units(new_units, [Change(f"unit {u.code}", None, asdict(u)) for u in new_units])
    for set_hash, text in (data.get("sets") or {}).items():
        if text:
            store.pin_set(set_hash, text)
    for incoming, entry in todo:
        note = {
            "from": data.get("by", ""),
            "bundle": data.get("hash", "")[:16],
            "created": data.get("created", ""),
        }
        store.save(incoming, [Change("imported", None, note)], history=entry.get("audit", []))
    return {"units": len(new_units), "assessments": len(todo), "unchanged": same}
