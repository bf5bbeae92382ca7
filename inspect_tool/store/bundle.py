"""Bundles: units and assessments in one versioned JSON file, to carry between stores.

This is how a ward's self-assessment travels to the Department on a USB stick. A bundle
carries a hash of its content, the criteria sets its assessments were made with, and each
assessment's audit log. Importing is idempotent, and a different copy of an assessment
already in the store is refused, never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

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


def _wanted(a: Any, unit: str | None, year: int | None) -> bool:
    return (unit is None or a.unit == unit) and (year is None or a.year == year)


def _entries(store: Store, unit: str | None, year: int | None) -> Iterator[tuple[str, dict]]:
    """The chosen assessments as a bundle holds them, by id, one at a time (never the whole
    store in memory), each with its set's hash. The summaries say which to read (unit and
    year); one without a summary is read to see."""
    summaries = {s.id: s for s in store.summaries()}
    for assessment_id in store.assessment_ids():
        known = summaries.get(assessment_id)
        if known is not None and not _wanted(known, unit, year):
            continue
        a = store.assessment(assessment_id)
        if not _wanted(a, unit, year):
            continue
        try:
            log = store.audit_log(assessment_id)
        except KeyError:  # an assessment with no entries yet
            log = []
        entry = {
            "header": header_to_doc(a),
            "items": [item_to_doc(i) for i in a.items.values()],
            "audit": log,
        }
        yield a.set_hash, entry


def _head(store: Store, unit: str | None, year: int | None, created: str | None) -> dict[str, Any]:
    """What comes before the sets: format, version, when, by whom, the units, and the
    follow-ups of their recommendations when there are some (`bundle_followups`)."""
    from . import bundle_followups

    head = {
        "format": FORMAT,
        "version": VERSION,
        "created": created or audit.now_iso(),
        "by": store.user,
        "units": [asdict(u) for u in store.units() if unit is None or u.code == unit],
    }
    followups = bundle_followups.entries(store, unit, year)
    return head | ({bundle_followups.KEY: followups} if followups else {})


def export_bundle(
    store: Store,
    *,
    unit: str | None = None,
    year: int | None = None,
    created: str | None = None,
) -> dict:
    """The units and assessments chosen, with what is needed to check and score them, in
    memory (a store's worth of it: `stream_bundle` writes a whole store to a file)."""
    head = _head(store, unit, year, created)
    entries = list(_entries(store, unit, year))
    sets = {set_hash: store.pinned_set(set_hash) for set_hash, _entry in entries}
    body = head | {"sets": sets, "assessments": [entry for _hash, entry in entries]}
    return body | {"hash": _digest(body)}


@dataclass(frozen=True)
class Streamed:
    """What `stream_bundle` wrote: how many units and assessments, and the bundle's hash."""

    units: int
    assessments: int
    hash: str


def stream_bundle(
    store: Store,
    target: BinaryIO,
    spool_dir: Path,
    *,
    unit: str | None = None,
    year: int | None = None,
    created: str | None = None,
) -> Streamed:
    """Write to `target` the very bytes `bundle_bytes(export_bundle(...))` would be, holding
    one assessment at a time in memory (a nation's export held the whole bundle as text
    twice: 734 MB for 3,321 units). The file puts the sets before the assessments, and only
    the assessments tell which sets: they go to a spool file in `spool_dir` (beside the
    output, on its disk) while the hash is computed, then follow the sets into `target`."""
    head = _head(store, unit, year, created)
    digest = hashlib.sha256(b'{"assessments": [')
    sets: dict[str, str | None] = {}
    count = 0
    with tempfile.TemporaryFile(dir=spool_dir) as spool:
        for set_hash, entry in _entries(store, unit, year):
            if set_hash not in sets:
                sets[set_hash] = store.pinned_set(set_hash)
            canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False)
            digest.update(((", " if count else "") + canonical).encode("utf-8"))
            text = json.dumps(entry, ensure_ascii=False, indent=1).replace("\n", "\n  ")
            spool.write((",\n  " if count else "\n  ").encode("utf-8") + text.encode("utf-8"))
            count += 1
        # the rest of the canonical text, in sorted key order: by, created, format, sets, …
        rest = json.dumps(head | {"sets": sets}, sort_keys=True, ensure_ascii=False)
        digest.update(b"], " + rest[1:].encode("utf-8"))
        shown = json.dumps(head | {"sets": sets, "assessments": []}, ensure_ascii=False, indent=1)
        target.write(shown[: -len("[]\n}")].encode("utf-8") + b"[")
        spool.seek(0)
        shutil.copyfileobj(spool, target, 1 << 20)
    tail = ("\n ]" if count else "]") + ',\n "hash": ' + json.dumps(digest.hexdigest()) + "\n}"
    target.write(tail.encode("utf-8"))
    return Streamed(len(head["units"]), count, digest.hexdigest())


def bundle_bytes(bundle: dict) -> bytes:
    """The bytes of a bundle file (what `export --sign` signs)."""
    return json.dumps(bundle, ensure_ascii=False, indent=1).encode("utf-8")


def write_bundle(path: Path, bundle: dict, *, force: bool = False) -> None:
    """Whole or not at all; an existing file is replaced only with `force`."""
    write_bytes(path, bundle_bytes(bundle), force=force)


def read_bundle(path: Path) -> dict:
    """A bundle file, read within limits and checked: its shape (every key and type), its
    hash and its audit logs; BundleError naming the file and what is wrong otherwise."""
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
    version = data.get("version", 0)
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise BundleError(
            _("{path}: bundle version {v} is newer than this inspect-tool reads ({known})").format(
                path=path, v=data.get("version"), known=VERSION
            )
        )
    problems = check_schema(data)
    if problems:
        raise BundleError(_refused(path, problems))
    body = {k: v for k, v in data.items() if k != "hash"}
    if data.get("hash") != _digest(body):
        raise BundleError(
            _(
                "{path}: the content does not match its hash: the file was changed or damaged"
            ).format(path=path)
        )
    for entry in data["assessments"]:
        broken = audit.verify(entry["header"]["id"], entry.get("audit", []))
        if broken:
            raise BundleError(
                _("{path}: audit log broken: {broken}").format(path=path, broken=broken)
            )
    from .bundle_followups import KEY, broken_chain

    broken_record = broken_chain(data.get(KEY, []))
    if broken_record:
        raise BundleError(
            _("{path}: audit log broken: {broken}").format(path=path, broken=broken_record)
        )
    return data


def _refused(path: Path | str | None, problems: list[str]) -> str:
    lines = "\n  ".join(problems[:50])
    more = len(problems) - 50
    if more > 0:
        lines += "\n  " + _("… and {n} more").format(n=more)
    if path is None:
        return _("bundle refused, nothing was imported:") + "\n  " + lines
    return _("{path}: bundle refused, nothing was imported:").format(path=path) + "\n  " + lines


# -- the shape of a bundle -------------------------------------------------------------------

_TOP = {"format", "version", "created", "by", "units", "sets", "assessments", "hash"}
_UNIT = {f: str for f in ("code", "name", "kind", "parent", "valid_from", "valid_to", "successor")}
_HEADER = {
    "id": str,
    "unit": str,
    "year": int,
    "kind": str,
    "set_id": str,
    "set_version": str,
    "set_hash": str,
    "state": str,
    "base": str,
    "place": str,
    "started": str,
    "ended": str,
    "created": str,
    "updated": str,
    "findings": list,
    "recommendations": list,
    "participants": list,
    "unit_opinion": str,
    "signed_by": list,
    "header_conflicts": dict,
}


def _header_shape() -> dict[str, type]:
    """The header's keys: the Assessment's fields (but its items), each of its kind."""
    from dataclasses import MISSING, fields

    from ..model import Assessment

    shape = {}
    for f in fields(Assessment):
        if f.name == "items":
            continue
        default = type(f.default) if f.default is not MISSING else str
        shape[f.name] = _HEADER.get(f.name, default if default in (str, int, bool) else str)
    return shape


_LIST_KEYS = {
    "findings": {"area": str, "text": str},
    "recommendations": {"area": str, "text": str, "deadline": str},
    "participants": {"name": str, "role": str, "side": str},
}
_ITEM = {
    "code": str,
    "inputs": dict,
    "na": bool,
    "evidence": list,
    "note": str,
    "reason": str,
    "pending": dict,
    "conflict": dict,
}
_EVIDENCE = {"number": str, "date": str, "issuer": str, "file": str, "sha256": str}


def _type_name(kind: type) -> str:
    return {
        str: _("text"),
        int: _("a whole number"),
        bool: _("true or false"),
        list: _("a list"),
        dict: _("an object"),
    }[kind]


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _fields(
    doc: Any, where: str, shape: dict[str, type], required: tuple[str, ...], problems: list[str]
) -> bool:
    """Check an object's keys and their types; False when it is not an object at all."""
    if not isinstance(doc, dict):
        problems.append(_("{where}: must be {type}").format(where=where, type=_type_name(dict)))
        return False
    for key in doc:
        if key not in shape:
            problems.append(_("{where}: unknown key {key!r}").format(where=where, key=key))
    for key in required:
        if key not in doc:
            problems.append(_("{where}: {key!r} is missing").format(where=where, key=key))
    for key, kind in shape.items():
        if key in doc and not _is(doc[key], kind):
            problems.append(
                _("{where}: must be {type}").format(where=f"{where}.{key}", type=_type_name(kind))
            )
    return True


def _conflict_problems(conflict: dict, where: str, field: str = "") -> list[str]:
    """A sync conflict kept on an item, or on the header's `field` (server/sync.py): each
    side's value (an item's document or the field's, or null), who and when."""
    problems: list[str] = []
    value_kind = dict if not field else list if field in _LIST_KEYS else str
    for side, doc in conflict.items():
        if side not in ("server", "laptop"):
            problems.append(_("{where}: unknown key {key!r}").format(where=where, key=side))
            continue
        shape = {"value": value_kind, "who": str, "when": str}
        found = {k: v for k, v in doc.items() if v is not None} if isinstance(doc, dict) else doc
        if not _fields(found, f"{where}.{side}", shape, (), problems) or "value" not in found:
            continue
        value, vw = found["value"], f"{where}.{side}.value"
        if not field:
            item_shape = {k: v for k, v in _ITEM.items() if k != "conflict"}
            _fields(value, vw, item_shape, ("code",), problems)
        elif field in _LIST_KEYS and isinstance(value, list):
            keys = _LIST_KEYS[field]
            for m, record in enumerate(value):
                _fields(record, f"{vw}[{m}]", keys, tuple(keys)[:2], problems)
    return problems


def _header_conflicts_problems(conflicts: Any, where: str) -> list[str]:
    """Conflicts kept on header fields: only the fields a sync merges, each as an item's."""
    from ..model import HEADER_FIELDS

    problems: list[str] = []
    for name, conflict in conflicts.items() if isinstance(conflicts, dict) else ():
        if name not in HEADER_FIELDS:
            problems.append(_("{where}: unknown key {key!r}").format(where=where, key=name))
        elif not isinstance(conflict, dict):
            problems.append(
                _("{where}: must be {type}").format(where=f"{where}.{name}", type=_type_name(dict))
            )
        else:
            problems += _conflict_problems(conflict, f"{where}.{name}", name)
    return problems


def check_schema(data: dict) -> list[str]:
    """Every way the bundle's shape is wrong, each with where (`assessments[0].header.year`):
    unknown or missing keys, wrong types, names that are not allowed."""
    from ..model import KINDS, LEVELS, STATES
    from ..text_rules import ASSESSMENT_ID, SHA256, file_name_problem, unit_code_problem

    problems: list[str] = []
    shape = {
        "format": str,
        "version": int,
        "created": str,
        "by": str,
        "units": list,
        "sets": dict,
        "assessments": list,
        "hash": str,
        "followups": list,  # only when there are some: a bundle without any is as before
    }
    if not _fields(data, "bundle", shape, tuple(sorted(_TOP)), problems) or problems:
        return problems
    if "followups" in data:
        from .bundle_followups import schema_problems

        problems += schema_problems(data["followups"])
    for n, doc in enumerate(data["units"]):
        where = f"units[{n}]"
        if _fields(doc, where, _UNIT, ("code", "name", "kind"), problems):
            if isinstance(doc.get("code"), str) and unit_code_problem(doc["code"]):
                problems.append(f"{where}: {unit_code_problem(doc['code'])}")
            if isinstance(doc.get("kind"), str) and doc["kind"] not in LEVELS:
                problems.append(
                    _("{where}: unknown kind {kind!r}").format(where=where, kind=doc["kind"])
                )
    for key, text in data["sets"].items():
        if not SHA256.match(key):
            problems.append(_("sets: {key!r} is not a set's hash").format(key=key))
        elif not isinstance(text, str):
            problems.append(
                _("{where}: must be {type}").format(where=f"sets.{key[:12]}", type=_type_name(str))
            )
    seen_ids: set[str] = set()
    for n, entry in enumerate(data["assessments"]):
        where = f"assessments[{n}]"
        shape = {"header": dict, "items": list, "audit": list}
        if not _fields(entry, where, shape, ("header", "items", "audit"), problems):
            continue
        header = entry.get("header")
        hw = f"{where}.header"
        if isinstance(header, dict):
            required = ("id", "unit", "year", "kind", "set_id", "set_version", "set_hash", "state")
            _fields(header, hw, _header_shape(), required, problems)
            ident = header.get("id")
            if isinstance(ident, str):
                if not ASSESSMENT_ID.match(ident):
                    problems.append(
                        _("{where}: {id!r} is not an assessment id").format(
                            where=f"{hw}.id", id=ident
                        )
                    )
                elif ident in seen_ids:
                    problems.append(
                        _("{where}: assessment {id} is twice in the bundle").format(
                            where=hw, id=ident[:8]
                        )
                    )
                seen_ids.add(ident)
            base = header.get("base", "")
            if isinstance(base, str) and base and not ASSESSMENT_ID.match(base):
                problems.append(
                    _("{where}: {id!r} is not an assessment id").format(where=f"{hw}.base", id=base)
                )
            if isinstance(header.get("unit"), str) and unit_code_problem(header["unit"]):
                problems.append(f"{hw}.unit: {unit_code_problem(header['unit'])}")
            if isinstance(header.get("set_hash"), str) and not SHA256.match(header["set_hash"]):
                problems.append(_("{where}: not a set's hash").format(where=f"{hw}.set_hash"))
            if isinstance(header.get("kind"), str) and header["kind"] not in KINDS:
                problems.append(
                    _("{where}: unknown kind {kind!r}").format(
                        where=f"{hw}.kind", kind=header["kind"]
                    )
                )
            if isinstance(header.get("state"), str) and header["state"] not in STATES:
                problems.append(
                    _("{where}: unknown state {state!r}").format(
                        where=f"{hw}.state", state=header["state"]
                    )
                )
            for key, fields in _LIST_KEYS.items():
                for m, doc in enumerate(
                    header.get(key) or [] if isinstance(header.get(key), list) else []
                ):
                    _fields(doc, f"{hw}.{key}[{m}]", fields, tuple(fields)[:2], problems)
            problems += _header_conflicts_problems(
                header.get("header_conflicts"), f"{hw}.header_conflicts"
            )
            if isinstance(header.get("signed_by"), list) and not all(
                isinstance(x, str) for x in header["signed_by"]
            ):
                problems.append(
                    _("{where}: must be {type}").format(
                        where=f"{hw}.signed_by", type=_type_name(list)
                    )
                )
        codes: set[str] = set()
        for m, item in enumerate(
            entry.get("items") if isinstance(entry.get("items"), list) else []
        ):
            iw = f"{where}.items[{m}]"
            if not _fields(item, iw, _ITEM, ("code",), problems):
                continue
            code = item.get("code")
            if isinstance(code, str):
                if code in codes:
                    problems.append(_("{where}: item {code} is twice").format(where=iw, code=code))
                codes.add(code)
            for k, v in (
                (item.get("pending") or {}).items() if isinstance(item.get("pending"), dict) else ()
            ):
                if not isinstance(v, str):
                    problems.append(
                        _("{where}: must be {type}").format(
                            where=f"{iw}.pending.{k}", type=_type_name(str)
                        )
                    )
            if isinstance(item.get("conflict"), dict):
                problems += _conflict_problems(item["conflict"], f"{iw}.conflict")
            if isinstance(item.get("inputs"), dict):
                for k, v in item["inputs"].items():
                    if isinstance(v, dict) or (
                        isinstance(v, list) and not all(isinstance(x, str) for x in v)
                    ):
                        problems.append(_("{where}: not a value").format(where=f"{iw}.inputs.{k}"))
            for e, doc in enumerate(
                item.get("evidence") if isinstance(item.get("evidence"), list) else []
            ):
                ew = f"{iw}.evidence[{e}]"
                if _fields(doc, ew, _EVIDENCE, (), problems):
                    sha = doc.get("sha256", "")
                    if isinstance(sha, str) and sha and not SHA256.match(sha):
                        problems.append(
                            _("{where}: not a file's hash").format(where=f"{ew}.sha256")
                        )
                    name = doc.get("file", "")
                    if isinstance(name, str) and name and file_name_problem(name):
                        problems.append(f"{ew}.file: {file_name_problem(name)}")
        for m, log_entry in enumerate(
            entry.get("audit") if isinstance(entry.get("audit"), list) else []
        ):
            if not isinstance(log_entry, dict):
                problems.append(
                    _("{where}: must be {type}").format(
                        where=f"{where}.audit[{m}]", type=_type_name(dict)
                    )
                )
    return problems


# -- importing: everything checked as if typed, then written, or nothing ----------------------


class _Staged:
    """The store as it would be after the import, for the checks: reads see the bundle's units,
    sets and assessments over the store's own; nothing can be written through it."""

    def __init__(self, store: Store, units: dict[str, Unit], sets: dict[str, str], incoming):
        self.path, self.user = store.path, store.user
        self._store, self._units, self._sets = store, units, sets
        self._incoming = incoming  # id -> (Assessment, audit entries)

    def units(self) -> list[Unit]:
        mine = {u.code: u for u in self._store.units()}
        return sorted((mine | self._units).values(), key=lambda u: u.code)

    def unit(self, code: str) -> Unit | None:
        return self._store.unit(code) or self._units.get(code)

    def assessment_ids(self) -> list[str]:
        return sorted(set(self._store.assessment_ids()) | set(self._incoming))

    def assessment(self, assessment_id: str):
        if assessment_id in self._incoming:
            return self._incoming[assessment_id][0]
        return self._store.assessment(assessment_id)

    def assessments(self) -> list:
        return [self.assessment(i) for i in self.assessment_ids()]

    def audit_log(self, assessment_id: str) -> list[dict]:
        if assessment_id in self._incoming:
            return list(self._incoming[assessment_id][1])
        return self._store.audit_log(assessment_id)

    def pinned_set(self, set_hash: str) -> str | None:
        return self._store.pinned_set(set_hash) or self._sets.get(set_hash)

    def evidence_file(self, sha256: str):
        return self._store.evidence_file(sha256)


def _state_problem(a, log: list[dict]) -> str | None:
    """Whether the states in the log are legal moves ending in the assessment's state."""
    from ..workflow import MOVES

    if not log:
        return _("it has no audit log")
    state = "draft"
    for entry in log:
        if entry.get("what") == "imported signed minutes":
            state = "finalized"  # the minutes' own state, checked when they were imported
        if entry.get("what") != "state":
            continue
        old, new = entry.get("old"), entry.get("new")
        new = new.get("state") if isinstance(new, dict) else new
        legal = any(to == new and old in starts for to, starts in MOVES.values())
        if old != state or not legal:
            return _(
                "audit entry {seq}: {old} → {new} is not a step an assessment can take"
            ).format(seq=entry.get("seq"), old=old, new=new)
        state = new
    if state != a.state:
        return _("it is {state}, but its audit log ends {logged}").format(
            state=a.state, logged=state
        )
    return None


def _text_problems(a, flow) -> list[str]:
    """Texts too long, or with bidi controls or hidden characters, as typing would refuse."""
    from ..text_rules import NAME, PLACE, TEXT, strip_bidi

    texts: list[tuple[str, str, int]] = [
        ("place", a.place, PLACE),
        ("unit_opinion", a.unit_opinion, TEXT),
    ]
    texts += [(f"findings[{n}]", f.text, TEXT) for n, f in enumerate(a.findings)]
    texts += [(f"recommendations[{n}]", r.text, TEXT) for n, r in enumerate(a.recommendations)]
    for n, p in enumerate(a.participants):
        texts += [
            (f"participants[{n}].name", p.name, NAME),
            (f"participants[{n}].role", p.role, NAME),
        ]
    for code, item in a.items.items():
        texts += [
            (f"item {code} note", item.note, TEXT),
            (f"item {code} reason", item.reason, TEXT),
        ]
        texts += [(f"item {code} pending", v, TEXT) for v in item.pending.values()]
        for e in item.evidence:
            texts += [
                (f"item {code} evidence", e.number, NAME),
                (f"item {code} evidence", e.issuer, NAME),
            ]
    problems = []
    for what, text, limit in texts:
        if strip_bidi(text) != text:
            problems.append(
                _("{what}: contains bidirectional control characters").format(what=what)
            )
        elif len(text) > limit:
            problems.append(
                _("{what} is {n} characters long; at most {limit} are allowed").format(
                    what=what, n=len(text), limit=limit
                )
            )
    return problems


def _set_problems(
    data: dict, flow, accept_unknown: bool, warnings: list[str]
) -> tuple[list[str], dict[str, str]]:
    """Each set of the bundle: its text must read as a set hashing to its key and be a set
    the catalog knows (or one already pinned here, or accepted with `accept_unknown`)."""
    from ..criteria import content_hash, parse_set
    from ..workflow import pinned_set_text
    from ..yaml_lines import load_text

    problems: list[str] = []
    texts: dict[str, str] = {}  # what will be pinned, by hash
    catalog = {s.hash: s for s in flow.core.catalog.sets}
    used = {e["header"]["set_hash"] for e in data["assessments"]}
    for key in sorted(set(data["sets"]) | used):
        text = data["sets"].get(key)
        if text is not None:
            try:
                cset = parse_set(
                    load_text(text, f"set {key[:12]}"),
                    f"set {key[:12]}",
                    flow.core.registry.methods,
                )
            except ProblemsError as exc:
                problems.append(
                    _("set {hash}: not a criteria set this tool can use: {why}").format(
                        hash=key[:12], why=exc
                    )
                )
                continue
            if content_hash(cset) != key:
                problems.append(
                    _("set {hash}: its text does not hash to its key").format(hash=key[:12])
                )
                continue
        if key in catalog:
            texts[key] = pinned_set_text(catalog[key])
        elif flow.store.pinned_set(key) is not None:
            continue  # accepted here before
        elif text is None:
            problems.append(
                _(
                    "set {hash}: used by an assessment but neither in the bundle nor known here"
                ).format(hash=key[:12])
            )
        elif accept_unknown:
            texts[key] = text
            warnings.append(
                _(
                    "set {hash} ({set}) is not one this tool knows; accepted as asked "
                    "(--accept-unknown-sets)"
                ).format(hash=key[:12], set=cset.key)
            )
        else:
            problems.append(
                _(
                    "set {hash} ({set}) is not one this tool knows (not in the catalog): refused; "
                    "import --accept-unknown-sets takes it, if you trust where it came from"
                ).format(hash=key[:12], set=cset.key)
            )
    return problems, texts


def _assessment_problems(flow, a, given, log: list[dict]) -> list[str]:
    """Everything typing would have checked, for one incoming assessment (`given`: as the
    bundle has it, signed_by included, for the audit's content hash)."""
    from ..workflow import WorkflowError

    problems: list[str] = []
    head = log[-1] if log else {}
    if head.get("content") is not None and head["content"] != audit.assessment_hash(given):
        problems.append(_("its data is not the data its audit log ends with"))
    state = _state_problem(a, log)
    if state:
        problems.append(state)
    try:
        engine = flow.engine(a)
    except WorkflowError as exc:
        return [*problems, str(exc)]
    cset = engine.cset
    if (a.set_id, a.set_version) != (cset.id, cset.version):
        problems.append(
            _("it names set {named}, but its hash is that of {set}").format(
                named=a.set_key, set=cset.key
            )
        )
    if a.year != cset.year:
        problems.append(
            _("year {year}, but set {set} is for {set_year}").format(
                year=a.year, set=cset.key, set_year=cset.year
            )
        )
    unit = flow.store.unit(a.unit)
    if unit is None:
        problems.append(
            _("unit {unit} is neither in the bundle nor in this store").format(unit=a.unit)
        )
    elif unit.kind not in cset.levels:
        problems.append(_("set {set} does not score a {kind}").format(set=cset.key, kind=unit.kind))
    if a.kind == "appraisal":
        base = None
        if a.base in flow.store.assessment_ids():
            base = flow.store.assessment(a.base)
        if (
            base is None
            or base.kind != "self"
            or base.unit != a.unit
            or base.set_hash != a.set_hash
        ):
            problems.append(_("an appraisal without the self-assessment it appraises"))
            return problems
    elif a.base:
        problems.append(_("only an appraisal has a base"))
    problems += _text_problems(a, flow)
    if problems:
        return problems
    empty = type(a)(**{**vars(a), "items": {}})
    for code, item in a.items.items():
        try:
            engine.item(code)
        except KeyError:
            problems.append(
                _("item {code}: not an item of set {set}").format(code=code, set=cset.key)
            )
            continue
        if item.na and item.inputs:
            problems.append(_("item {code}: not applicable, yet with figures").format(code=code))
            continue
        if not (item.na or item.inputs):
            continue  # evidence, a note or a pending entry only: nothing to score
        try:
            _old, checked = flow._new_record(
                empty,
                code,
                dict(item.inputs),
                na=item.na,
                note=item.note,
                evidence=list(item.evidence),
                reason=item.reason,
            )
        except WorkflowError as exc:
            problems.append(_("item {code}: {why}").format(code=code, why=exc))
            continue
        if checked.inputs != item.inputs:
            problems.append(
                _("item {code}: the figures are not as the set reads them").format(code=code)
            )
    if problems:
        return problems
    if a.state in ("submitted", "finalized"):
        for text in flow.missing(a):
            problems.append(_("{state}, yet: {missing}").format(state=a.state, missing=text))
    if a.state == "finalized":
        for what in flow.record_missing(a):
            problems.append(_("finalized without {what}").format(what=what))
    return problems


def import_bundle(
    store: Store,
    data: dict,
    *,
    core: Any = None,
    accept_unknown_sets: bool = False,
    warnings: list[str] | None = None,
) -> dict[str, int]:
    """Load a bundle read by `read_bundle`, checking everything as if a person had typed it;
    return counts. Any problem refuses the whole bundle (BundleError with every reason) and
    nothing is written. `signed_by` is never taken from a bundle. Warnings (a set accepted
    with `accept_unknown_sets`) are added to `warnings`."""
    import dataclasses

    from ..workflow import Workflow

    problems = check_schema(data) if isinstance(data, dict) else [_("not a bundle")]
    if problems:
        raise BundleError(_refused(None, problems))
    if core is None:
        from ..core import open_core

        core = open_core()
    said: list[str] = [] if warnings is None else warnings
    conflicts: list[str] = []
    new_units: dict[str, Unit] = {}
    for doc in data["units"]:
        unit = Unit(**doc)
        from ..text_rules import NAME, strip_bidi

        for key in ("name", "parent", "successor"):
            text = getattr(unit, key)
            if strip_bidi(text) != text or len(text) > NAME:
                conflicts.append(
                    _(
                        "unit {code}: its {what} is too long or has bidirectional control "
                        "characters"
                    ).format(code=unit.code, what=key)
                )
        mine = store.unit(unit.code)
        if mine is None:
            new_units[unit.code] = unit
        elif mine != unit:
            conflicts.append(
                _("unit {code} differs from the one in this store").format(code=unit.code)
            )
    flow = Workflow(core, store)
    set_problems, set_texts = _set_problems(data, flow, accept_unknown_sets, said)
    conflicts += set_problems
    incoming: dict[str, tuple[Any, list[dict]]] = {}
    given: dict[str, Any] = {}
    same = 0
    known = set(store.assessment_ids())
    for entry in data["assessments"]:
        try:
            raw = assessment_from_docs(entry["header"], entry["items"])
        except (TypeError, ValueError) as exc:
            conflicts.append(
                _("assessment {id}: {why}").format(id=entry["header"]["id"][:8], why=exc)
            )
            continue
        a = dataclasses.replace(raw, signed_by=())  # who signed is never taken from a bundle
        if a.id in known:
            mine = store.assessment(a.id)
            if dataclasses.replace(mine, signed_by=()) == a:
                same += 1
                continue
            conflicts.append(
                _(
                    "assessment {id} ({unit}, {year}, {kind}) is already in this store with "
                    "different content; it was not overwritten"
                ).format(id=a.id[:8], unit=a.unit, year=a.year, kind=a.kind)
            )
            continue
        incoming[a.id] = (a, entry.get("audit", []))
        given[a.id] = raw
    if not conflicts:
        staged = _Staged(store, new_units, set_texts, incoming)
        check = Workflow(core, staged)  # type: ignore[arg-type]
        refused: set[str] = set()
        # the self-assessments first: an appraisal is checked against its base, which must
        # have passed its own checks (a poisoned base cannot be scored)
        for a, log in sorted(incoming.values(), key=lambda pair: pair[0].kind == "appraisal"):
            if a.base in refused:
                whys = [_("the self-assessment it appraises is refused")]
            else:
                whys = _assessment_problems(check, a, given[a.id], log)
            if whys:
                refused.add(a.id)
            for why in whys:
                conflicts.append(
                    _("assessment {id} ({unit}, {year}, {kind}): {why}").format(
                        id=a.id[:8], unit=a.unit, year=a.year, kind=a.kind, why=why
                    )
                )
    from . import bundle_followups

    records, same_records, record_problems = bundle_followups.problems_of(
        store, data.get(bundle_followups.KEY, []), {i: a for i, (a, _log) in incoming.items()}
    )
    conflicts += record_problems
    if conflicts:
        raise BundleError(_refused(None, conflicts))
    # every check has passed: now, and only now, the store is written
    units = list(new_units.values())
    if units:
        store.put_units(units, [Change(f"unit {u.code}", None, asdict(u)) for u in units])
    for set_hash, text in set_texts.items():
        if store.pinned_set(set_hash) is None:
            store.pin_set(set_hash, text)
    for a, log in incoming.values():
        store.save(a, [Change("imported", None, _import_note(data))], history=log)
    bundle_followups.write(store, records, _import_note(data))
    return {
        "units": len(units),
        "assessments": len(incoming),
        "unchanged": same,
        "followups": len(records),
        "followups_unchanged": same_records,
    }


def _import_note(data: dict) -> dict[str, str]:
    """What an imported record's log says of where it came from."""
    return {
        "from": data.get("by", ""),
        "bundle": data.get("hash", "")[:16],
        "created": data.get("created", ""),
    }
