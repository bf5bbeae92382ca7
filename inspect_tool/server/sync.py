"""Sync on the province server: what laptops push, merged into the central store, and what they
pull (docs/architecture.md, "Sync"; the laptop's side is inspect_tool/sync.py).

A push names, per assessment, the audit head the laptop last synced (`base`, "" for a new
one), the audit entries it made since, and its documents (codec header and items). The server
keeps every assessment's chain (its audit log), and:

- entries it already has (the same hashes in its chain, or named by a merge it made) are
  skipped: a push sent twice changes nothing;
- entries that do not carry on the chain from `base` (changed, reordered, out of time order),
  documents that are not the data the last entry recorded, a `base` it never had, or a laptop
  pushing from an older entry than the server acknowledged to it (`sync_devices`), are
  refused: tampered or rewritten history;
- changes to an assessment its campaign locks (a self-assessment after its unit's deadline or
  once its appraisal started, anything of a published campaign) are refused, by the server's
  clock and as typing would be (Workflow.campaign_lock); the laptop keeps them;
- `base` is the head: a fast-forward. The documents are checked as an import checks them
  (store/bundle.py) and stored, and the entries appended byte for byte: one unbroken chain;
- the server moved on since `base`: a merge per item. Items changed on one side only are
  taken; an item changed on both sides to different values keeps both (a conflict, see
  Workflow.resolve_conflict), and so does a header field (place, findings…) both changed
  (`Assessment.header_conflicts`). The merge is ONE audit entry by the server ("sync merge")
  that carries the laptop's entries whole and names their hashes, so nothing is lost and the
  chain stays unbroken. A state move (submit) made on the laptop meanwhile is not applied;
  the answer lists it ("not_applied").

Each assessment is written in its own transaction under its lock: what the server
acknowledged is in the database; a push cut short is sent again whole, and what was already
written is skipped. The checks run as the account (its role: row-level security holds).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict
from typing import Any

from ..core import Core
from ..i18n import _
from ..model import HEADER_FIELDS, Assessment, ItemRecord
from ..store import audit
from ..store.bundle import FORMAT, VERSION, _assessment_problems, _set_problems, _Staged
from ..store.bundle import check_schema as bundle_schema
from ..store.codec import assessment_from_docs, header_to_doc, header_value_doc, item_to_doc
from ..store.interface import Store, StoreError
from ..workflow import DuplicateError, Workflow, WorkflowError
from .accounts import Account

MAX_SYNC_BODY = 64 * 1024 * 1024  # a push of a whole province's laptop, as JSON
MAX_ASSESSMENTS = 2000  # per push
MAX_ENTRIES = 20000  # per assessment per push
DEVICE = re.compile(r"[0-9a-f]{32}")
MERGE = "sync merge"
FIXED = ("id", "unit", "year", "kind", "set_id", "set_version", "set_hash", "base")
RETRIES = 3


class SyncRefused(Exception):
    """One assessment of a push refused, with why (the others go on)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def _may_write(account: Account, a: Assessment) -> None:
    """As the other routes: a viewer changes nothing, a unit's account only its unit's own
    self-assessment (a Department account: its province, by row-level security)."""
    if account.kind == "viewer":
        raise SyncRefused(_("a viewer's account changes nothing"), 403)
    if account.kind == "unit" and (a.unit != account.unit or a.kind != "self"):
        raise SyncRefused(_("a unit's account changes only its own self-assessment"), 403)


def _changed(entries: list[dict]) -> tuple[set[str], set[str], set[str]]:
    """(items, header fields, other acts) that `entries` changed, by their `what`; a merge
    entry counts for what it took."""
    items: set[str] = set()
    header: set[str] = set()
    other: set[str] = set()
    for entry in entries:
        what = str(entry.get("what", ""))
        name = what.removeprefix("conflict ")
        if name in HEADER_FIELDS:  # the field, or its conflict resolved
            header.add(name)
        elif what.startswith(("item ", "conflict ")):
            items.add(what.split(" ", 1)[1])
        elif what == MERGE and isinstance(entry.get("new"), dict):
            items.update(entry["new"].get("items") or ())
            header.update(entry["new"].get("header") or ())
            header.update(entry["new"].get("header_conflicts") or ())
        else:
            other.add(what)
    return items, header, other


def _merged_hashes(log: list[dict]) -> set[str]:
    """Every hash the server's chain holds: its entries', and the laptop entries its merges
    carry."""
    found = {str(e.get("hash")) for e in log}
    for entry in log:
        if entry.get("what") == MERGE and isinstance(entry.get("new"), dict):
            found.update(str(h) for h in entry["new"].get("events") or ())
    return found


def _last_by(entries: list[dict], code: str) -> dict[str, str]:
    """Who changed the item (or the header field `code`) last in `entries`, and when."""
    for entry in reversed(entries):
        what = str(entry.get("what", ""))
        merged = (entry.get("new") or {}) if what == MERGE else {}
        if what in (f"item {code}", f"conflict {code}", code) or any(
            code in (merged.get(key) or ()) for key in ("items", "header", "header_conflicts")
        ):
            return {"who": str(entry.get("who", "")), "when": str(entry.get("when", ""))}
    return {"who": "", "when": ""}


def _value(item: ItemRecord | None) -> dict[str, Any] | None:
    if item is None:
        return None
    doc = item_to_doc(dataclasses.replace(item, conflict={}))
    return doc


def _conflicts_kept(server: Assessment | None, sent: Assessment, remaining: list[dict]) -> None:
    """Conflicts are made by the server only, and leave only by a resolution in the audit
    trail: a laptop's copy may not bring one the server does not have, nor drop one without
    a "conflict CODE" entry."""
    resolved = {
        str(e.get("what", ""))[9:]
        for e in remaining
        if str(e.get("what", "")).startswith("conflict ")
    }
    before = {c: i.conflict for c, i in (server.items if server else {}).items() if i.conflict}
    for code, item in sent.items.items():
        if item.conflict and before.get(code) != item.conflict:
            raise SyncRefused(
                _("item {code}: a conflict comes only from the server's merge").format(code=code)
            )
    for code in before:
        kept = sent.items.get(code)
        if (kept is None or kept.conflict != before[code]) and code not in resolved:
            raise SyncRefused(
                _("item {code}: its conflict was dropped without being resolved").format(code=code)
            )


class Pusher:
    """One push, as one account from one device."""

    def __init__(self, core: Core, store: Store, account: Account, device: str, sets: dict):
        self.core = core
        self.store = store
        self.account = account
        self.device = device
        self.sets = sets

    def push(self, doc: dict[str, Any]) -> dict[str, Any]:
        ident = str(doc.get("header", {}).get("id", "")) if isinstance(doc, dict) else ""
        try:
            for attempt in range(RETRIES):
                try:
                    return {"id": ident, **self._push(doc)}
                except StoreError as exc:  # another push of it came first: read it again
                    if attempt == RETRIES - 1:
                        raise SyncRefused(str(exc)) from None
        except SyncRefused as exc:
            return {"id": ident, "result": "refused", "status": exc.status, "error": str(exc)}
        except (WorkflowError, LookupError) as exc:
            return {"id": ident, "result": "refused", "status": 422, "error": str(exc)}
        raise AssertionError("unreachable")

    def _shape(self, doc: Any) -> tuple[Assessment, Assessment, str, list[dict]]:
        """(the assessment, as sent, its base, its entries), or refused for its shape."""
        if not isinstance(doc, dict) or set(doc) - {"header", "items", "base", "entries"}:
            raise SyncRefused(_("an assessment is pushed as header, items, base, entries"), 400)
        base, entries = doc.get("base", ""), doc.get("entries")
        if not isinstance(base, str) or not isinstance(entries, list):
            raise SyncRefused(_("'base' must be a text and 'entries' a list"), 400)
        if len(entries) > MAX_ENTRIES:
            raise SyncRefused(_("too many audit entries in one push"), 413)
        bundle = {
            "format": FORMAT,
            "version": VERSION,
            "created": "",
            "by": "",
            "units": [],
            "sets": {},
            "assessments": [{"header": doc.get("header"), "items": doc.get("items"), "audit": []}],
            "hash": "",
        }
        problems = bundle_schema(bundle)
        if problems:
            raise SyncRefused("; ".join(problems[:10]), 400)
        try:
            given = assessment_from_docs(doc["header"], doc["items"])
        except (TypeError, ValueError) as exc:
            raise SyncRefused(str(exc), 400) from None
        return dataclasses.replace(given, signed_by=()), given, base, entries

    def _push(self, doc: Any) -> dict[str, Any]:
        sent, given, base, entries = self._shape(doc)
        _may_write(self.account, sent)
        try:
            log = self.store.audit_log(sent.id)
            server = self.store.assessment(sent.id)
        except KeyError:
            log, server = [], None
        if server is not None:
            if self.account.kind == "unit" and server.unit != self.account.unit:
                raise SyncRefused(_("no assessment '{ref}'").format(ref=sent.id[:8]), 404)
            _may_write(self.account, server)
            moved = [f for f in FIXED if getattr(server, f) != getattr(sent, f)]
            if moved:
                raise SyncRefused(
                    _("{fields} cannot change: it is another assessment").format(
                        fields=", ".join(moved)
                    )
                )
            if given.signed_by != server.signed_by:
                raise SyncRefused(_("who signed its minutes is not taken from a laptop"))
        elif given.signed_by:
            raise SyncRefused(_("who signed its minutes is not taken from a laptop"))
        # where the laptop's entries start: its base must be an entry of the server's chain
        hashes = [str(e.get("hash")) for e in log]
        if base and base not in hashes:
            raise SyncRefused(
                _(
                    "its history is not the server's (the entry it says it synced last is not "
                    "in the server's chain): a rewritten or foreign copy, refused"
                )
            )
        if not base and log and (not entries or entries[0].get("hash") != log[0].get("hash")):
            raise SyncRefused(
                _(
                    "assessment {id} is already on the server with another history: the same "
                    "id with other content, refused"
                ).format(id=sent.id[:8])
            )
        fork = hashes.index(base) + 1 if base else 0  # entries of the chain the laptop had
        problem = audit.continues(log[fork - 1] if fork else None, entries)
        if problem:
            raise SyncRefused(
                _("its audit entries are not a true chain ({why}): tampered, refused").format(
                    why=problem
                )
            )
        if entries and entries[-1].get("content") != audit.assessment_hash(given):
            raise SyncRefused(_("its data is not the data its last audit entry recorded"))
        if not entries and server is None:
            raise SyncRefused(_("a new assessment comes with its audit entries"), 400)
        applied = _merged_hashes(log)
        done = 0
        while done < len(entries) and entries[done]["hash"] in applied:
            done += 1
        remaining = entries[done:]
        if any(e["hash"] in applied for e in remaining):
            raise SyncRefused(_("its audit entries mix ones the server has and ones it lacks"))
        if not remaining:
            return self._unchanged(server or sent, log)
        # the last of the laptop's entries that is literally in the server's chain
        literal = [i for i, e in enumerate(entries[:done]) if e["hash"] in hashes]
        fork_at = hashes.index(entries[literal[-1]]["hash"]) + 1 if literal else fork
        acked = self.store.sync_acked(self.device, sent.id)
        if not done and fork_at < acked:
            raise SyncRefused(
                _(
                    "this laptop was sent entry {acked} of assessment {id}, but its copy now "
                    "goes on from entry {fork}: a rewritten history, refused"
                ).format(acked=acked, id=sent.id[:8], fork=fork_at)
            )
        # the campaign's dates and publication hold as they hold for typing, by the server's
        # clock: a laptop's late changes stay on the laptop until the Department extends
        Workflow(self.core, self.store).campaign_lock(server or sent)
        self._check(sent, given, log[:fork] + entries, server)
        if fork_at == len(log):  # the server's copy is the laptop's base
            _conflicts_kept(server, sent, remaining)
            return self._forward(sent, given, remaining, log)
        return self._merge(server, sent, remaining, log, log[fork_at:])

    def _unchanged(self, a: Assessment, log: list[dict]) -> dict[str, Any]:
        head = log[-1]
        self.store.sync_ack(self.device, a, int(head["seq"]), str(head["hash"]))
        return {"result": "unchanged", "head": head["hash"], "seq": head["seq"]}

    def _check(
        self, sent: Assessment, given: Assessment, log: list[dict], server: Assessment | None
    ) -> None:
        """The laptop's copy, checked as an import checks it: its set, unit, every answer by
        the engine, legal state moves in its log, its data the data of its last entry."""
        flow = Workflow(self.core, self.store)
        data = {"sets": self.sets, "assessments": [{"header": header_to_doc(sent)}]}
        problems, texts = _set_problems(data, flow, False, [])
        if server is None and not problems:
            staged = _Staged(self.store, {}, texts, {})
            try:
                cset = Workflow(self.core, staged).engine(sent).cset  # type: ignore[arg-type]
                base = self.store.assessment(sent.base) if sent.base else None
                flow._refuse_duplicate(sent.unit, cset, sent.year, sent.kind, base)
            except DuplicateError as exc:
                problems.append(str(exc))
            except KeyError:
                problems.append(_("an appraisal without the self-assessment it appraises"))
        if not problems:
            staged = _Staged(self.store, {}, texts, {sent.id: (sent, log)})
            check = Workflow(self.core, staged)  # type: ignore[arg-type]
            problems = _assessment_problems(check, sent, given, log)
        if problems:
            raise SyncRefused("; ".join(problems[:20]), 422)
        for set_hash, text in texts.items():
            if self.store.pinned_set(set_hash) is None:
                self.store.pin_set(set_hash, text)

    def _forward(
        self, sent: Assessment, given: Assessment, remaining: list[dict], log: list[dict]
    ) -> dict[str, Any]:
        summary = Workflow(self.core, self.store)._summary_or_none(sent)
        head = log[-1]["hash"] if log else ""
        self.store.sync_store(given, remaining, expect_head=head, summary=summary)
        last = remaining[-1]
        self.store.sync_ack(self.device, sent, int(last["seq"]), str(last["hash"]))
        return {"result": "stored", "head": last["hash"], "seq": last["seq"]}

    def _merge(
        self,
        server: Assessment | None,
        sent: Assessment,
        remaining: list[dict],
        log: list[dict],
        theirs: list[dict],
    ) -> dict[str, Any]:
        assert server is not None  # a new assessment has no chain to have moved on
        if server.state != "draft":
            raise SyncRefused(
                _(
                    "assessment {id} is {state} on the server and changed there since this "
                    "laptop's last sync: it must be reopened there; the laptop's changes are "
                    "kept on the laptop"
                ).format(id=sent.id[:8], state=server.state)
            )
        server_items, _header, _other = _changed(theirs)
        laptop_items, _header, laptop_other = _changed(remaining)
        items = dict(server.items)
        taken, conflicts = [], []
        for code in sorted(laptop_items):
            mine, current = sent.items.get(code), server.items.get(code)
            if code not in server_items:
                if mine is None:
                    items.pop(code, None)
                else:
                    kept = current.conflict if current else {}
                    items[code] = dataclasses.replace(mine, conflict=kept)
                taken.append(code)
            elif _value(mine) != _value(current):
                conflict = {
                    "server": {"value": _value(current), **_last_by(theirs, code)},
                    "laptop": {"value": _value(mine), **_last_by(remaining, code)},
                }
                items[code] = dataclasses.replace(current or ItemRecord(code), conflict=conflict)
                conflicts.append(code)
        header, header_conflicts = self._merge_header(server, sent, remaining, theirs)
        not_applied = sorted(laptop_other)
        merged = dataclasses.replace(
            server,
            items=items,
            **header,
            header_conflicts=header_conflicts,
            version=server.version + 1,
            updated=audit.now_iso(),
        )
        entry = audit.chain(
            log[-1],
            self.account.name,
            MERGE,
            {"base": theirs[0].get("prev", "")},
            {
                "device": self.device,
                "events": [e["hash"] for e in remaining],
                "entries": remaining,
                "items": taken + conflicts,
                "conflicts": conflicts,
                "header": sorted(header),
                "header_conflicts": sorted(set(header_conflicts) - set(server.header_conflicts)),
                "not_applied": not_applied,
            },
            audit.assessment_hash(merged),
        )
        summary = Workflow(self.core, self.store)._summary_or_none(merged)
        self.store.sync_store(merged, [entry], expect_head=log[-1]["hash"], summary=summary)
        self.store.sync_ack(self.device, merged, int(entry["seq"]), entry["hash"])
        return {
            "result": "merged",
            "head": entry["hash"],
            "seq": entry["seq"],
            "conflicts": conflicts + entry["new"]["header_conflicts"],
            "not_applied": not_applied,
        }

    @staticmethod
    def _merge_header(
        server: Assessment, sent: Assessment, remaining: list[dict], theirs: list[dict]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(fields taken from the laptop, the header's conflicts after the merge): a field
        the laptop alone changed is taken (with its conflict, resolved there or not); one
        both changed to different values keeps the server's, and both are kept as a conflict,
        as for an item: what was typed on either side is never lost."""
        _items, server_header, _other = _changed(theirs)
        _items, laptop_header, _other = _changed(remaining)
        header: dict[str, Any] = {}
        conflicts = dict(server.header_conflicts)
        for name in sorted(laptop_header):
            mine, current = getattr(sent, name), getattr(server, name)
            if name not in server_header:
                header[name] = mine
                conflicts.pop(name, None)
                if name in sent.header_conflicts:
                    conflicts[name] = sent.header_conflicts[name]
            elif mine != current:
                conflicts[name] = {
                    "server": {"value": header_value_doc(name, current), **_last_by(theirs, name)},
                    "laptop": {"value": header_value_doc(name, mine), **_last_by(remaining, name)},
                }
        return header, conflicts


def push(core: Core, store: Store, account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Every assessment of a push, each on its own (see the module docstring)."""
    device, docs, sets = body.get("device"), body.get("assessments"), body.get("sets", {})
    if not isinstance(device, str) or not DEVICE.fullmatch(device):
        raise SyncRefused(_("'device' must be the laptop's device id (32 hex digits)"), 400)
    if not isinstance(docs, list) or len(docs) > MAX_ASSESSMENTS:
        raise SyncRefused(
            _("'assessments' must be a list of at most {n}").format(n=MAX_ASSESSMENTS), 400
        )
    if not isinstance(sets, dict) or not all(isinstance(v, str) for v in sets.values()):
        raise SyncRefused(_("'sets' must map set hashes to their text"), 400)
    pusher = Pusher(core, store, account, device, sets)
    return {"results": [pusher.push(doc) for doc in docs]}


def pull(store: Store, heads: Any) -> dict[str, Any]:
    """What the account may see (row-level security decides), but the assessments whose head
    the laptop has already: units, the sets of the assessments sent, and each assessment's
    documents and whole audit log."""
    if not isinstance(heads, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in heads.items()
    ):
        raise SyncRefused(_("'heads' must map assessment ids to audit hashes"), 400)
    current = store.sync_heads()
    out, sets = [], {}
    for ident in sorted(current):
        if heads.get(ident) == current[ident]["hash"]:
            continue
        a = store.assessment(ident)
        out.append(
            {
                "header": header_to_doc(a),
                "items": [item_to_doc(i) for i in a.items.values()],
                "audit": store.audit_log(ident),
            }
        )
        if a.set_hash not in sets:
            sets[a.set_hash] = store.pinned_set(a.set_hash)
    return {
        "units": [asdict(u) for u in store.units()],
        "sets": {k: v for k, v in sets.items() if v is not None},
        "assessments": out,
        "heads": current,
    }
