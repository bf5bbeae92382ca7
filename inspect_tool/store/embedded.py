"""The embedded store: TinyDB files in a folder, written atomically, one writer at a time.

Layout of a store folder::

    store.json               units, the store's schema version, the audit log of unit changes
    assessments/<id>.json    one TinyDB file per assessment: header, items, its audit log
    sets/<hash>.yaml         every criteria set an assessment was made with, as it was
    evidence/<sha256>        files attached as evidence, named by their content's hash
    deleted/<id>.json        deleted (empty draft) assessments, kept with their audit log
    recommendations/<id>.json  a recommendation followed up: its record and its audit log
    .lock, lock.owner        the writers' lock, and who holds it (user, host, since, pid)

Stock TinyDB rewrites its whole file on every write, in place; here every file is small (one
assessment), so a save costs the same in a store of 16 assessments as in one of 600, and every
write goes to a temporary file that is fsynced and then atomically replaces the old one, the
old one being kept as `<name>.bak`. A save's data and its audit entries are one write.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document

from ..campaign import CAMPAIGN_ID, Campaign
from ..i18n import _
from ..model import Assessment, FollowUp, Unit
from . import audit
from .codec import (
    assessment_from_docs,
    campaign_from_docs,
    campaign_header_doc,
    followup_from_doc,
    followup_to_doc,
    header_to_doc,
    item_to_doc,
    track_doc,
)
from .interface import Change, ProgressRow, StoreDamaged, StoreError, StoreLocked, Summary

# files larger than this are refused as evidence: the store travels on laptops and USB sticks
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024

SCHEMA = 2
# Migrations from schema N to N + 1, applied in order when a writer opens an older store
# (registered after TinyStore, below).
MIGRATIONS: dict[int, Callable[[TinyStore], None]] = {}


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash leaves either the old or the new file.

    The previous file is kept as `<name>.bak` (a hard link, no copy) for recovery by hand.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    if path.exists():
        backup, link = path.with_name(path.name + ".bak"), path.with_name(f".{path.name}.bak.tmp")
        try:
            link.unlink(missing_ok=True)
            os.link(path, link)
        except OSError:  # a file system without hard links
            shutil.copy2(path, link)
        os.replace(link, backup)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class AtomicJSONStorage(Storage):
    """TinyDB storage that never writes in place and names a damaged file instead of guessing."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def read(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreDamaged(self._damaged(str(exc))) from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StoreDamaged(self._damaged(str(exc))) from None
        if not isinstance(data, dict):
            raise StoreDamaged(self._damaged(_("not a TinyDB file")))
        return data

    def _damaged(self, why: str) -> str:
        backup = self.path.with_name(self.path.name + ".bak")
        message = _("{path} is damaged ({why}); it has been left as it is").format(
            path=self.path, why=why
        )
        if backup.exists():
            message += _("; the last good copy is {backup}").format(backup=backup)
        return message

    def write(self, data: dict[str, Any]) -> None:
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))

    def close(self) -> None:
        pass


@contextmanager
def _db(path: Path) -> Iterator[TinyDB]:
    """A TinyDB over one file: read once, changed in memory, written once on leaving."""
    db = TinyDB(path, storage=CachingMiddleware(AtomicJSONStorage))
    try:
        yield db
    except BaseException:
        db.storage._cache_modified_count = 0  # never write half a change
        raise
    finally:
        db.close()


def _append_audit(
    db: TinyDB, user: str, changes: list[Change], content: str | None = None, log: str = "audit"
) -> None:
    """Chain `changes` to the log; `content`: the assessment's content hash after them."""
    table = db.table(log)
    last = max(table.all(), key=lambda d: d.doc_id, default=None)
    for change in changes:
        last = audit.chain(last, user, change.what, change.old, change.new, content)
        table.insert(last)


def _rows(table: dict[str, Any] | None) -> list[dict]:
    """A TinyDB table's documents as read from its file, in the order of their ids."""
    if not table:
        return []
    return [dict(table[key]) for key in sorted(table, key=int)]


_SUMMARY_FIELDS = frozenset(f.name for f in fields(Summary))


def _summary_doc(summary: Summary) -> dict[str, Any]:
    return {name: getattr(summary, name) for name in _SUMMARY_FIELDS}


_SUMMARY_NEEDS = frozenset(f.name for f in fields(Summary) if f.default is MISSING)


def _summary_from(doc: dict[str, Any] | None) -> Summary | None:
    """A stored summary; None when there is none or it lacks a field (an older layout)."""
    if not doc or not doc.keys() >= _SUMMARY_NEEDS:
        return None
    found = {name: doc[name] for name in _SUMMARY_FIELDS if name in doc}
    if "areas" in found:  # JSON keeps tuples as lists
        found["areas"] = tuple(tuple(area) for area in found["areas"])
    return Summary(**found)


def _stamp(st: os.stat_result) -> list[int]:
    """What changes whenever a file is replaced: inode, modification time, size."""
    return [st.st_ino, st.st_mtime_ns, st.st_size]


def _index_summaries(store: TinyStore) -> None:
    """Schema 1 → 2: summaries beside each assessment and their index, `summaries.json`.
    The store cannot score, so it indexes what its files hold (nothing yet) and marks the
    store `unsummarized`: the Workflow made on this writer next computes every summary and
    keeps it (`Workflow.__init__`), so the index is whole from the first open by a writer."""
    store.summaries()
    store.unsummarized = True


MIGRATIONS[1] = _index_summaries


class TinyStore:
    """The default Store: a folder of TinyDB files (see the module docstring)."""

    def __init__(self, path: Path, *, user: str, write: bool = True):
        self.path = Path(path)
        self.files_dir = self.path  # minutes and the app's state, beside the data
        self.user = user
        self._lock: FileLock | None = None
        self._units: tuple[Any, dict[str, Unit]] | None = None  # (store.json's stamp, units)
        self._index: dict[str, list] | None = None  # summaries.json as last read or written
        self._index_unsaved = False  # saves since: the file is behind (written on next read)
        self.unsummarized = False  # assessments saved without a summary (see summaries())
        self._rest: tuple[Any, dict[str, Any]] | None = None  # see _tables_of
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "assessments").mkdir(exist_ok=True)
        (self.path / "sets").mkdir(exist_ok=True)
        if write:
            self._acquire()
        self._check_schema(write)

    # -- the writers' lock -----------------------------------------------------------------

    def _acquire(self) -> None:
        """One writer at a time. The OS drops the lock when its process dies, so a lock left
        by a crashed or killed window never blocks the next one."""
        lock = FileLock(self.path / ".lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            holder = self.lock_holder()
            raise StoreLocked(
                _("the store {path} is open in another window: {holder}").format(
                    path=self.path, holder=holder
                ),
                holder=holder,
            ) from None
        self._lock = lock
        owner = {
            "user": self.user,
            "host": socket.gethostname(),
            "since": audit.now_iso(),
            "pid": os.getpid(),
        }
        write_atomic(self.path / "lock.owner", json.dumps(owner, ensure_ascii=False))
        self._finish_deletions()

    def lock_holder(self) -> str:
        """Who holds (or last held) the writers' lock, in words: user, host, since when, pid."""
        try:
            text = (self.path / "lock.owner").read_text(encoding="utf-8").strip()
        except OSError:
            return _("unknown")
        try:
            owner = json.loads(text)
        except ValueError:
            owner = None
        if not isinstance(owner, dict):  # a store written before the owner was described
            return _("pid {pid}").format(pid=text or "?")
        return _("{user} on {host} since {since}, pid {pid}").format(
            user=owner.get("user", "?"),
            host=owner.get("host", "?"),
            since=str(owner.get("since", "?")).replace("T", " ")[:16],
            pid=owner.get("pid", "?"),
        )

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> TinyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def writable(self) -> bool:
        return self._lock is not None

    def _writable(self) -> None:
        if self._lock is None:
            raise StoreError(
                _(
                    "the store was opened read-only (another window may hold the writing "
                    "lock): nothing was changed"
                )
            )

    # -- schema ------------------------------------------------------------------------------

    def _check_schema(self, write: bool) -> None:
        with _db(self.path / "store.json") as db:
            meta = db.table("meta")
            found = meta.get(doc_id=1)
            if found is None:
                if write:
                    meta.insert(Document({"schema": SCHEMA, "created": audit.now_iso()}, 1))
                return
            schema = found.get("schema", 0)
        if schema > SCHEMA:
            raise StoreError(
                _(
                    "the store {path} was written by a newer inspect-tool (schema {found}, this "
                    "version reads {known}); update inspect-tool"
                ).format(path=self.path, found=schema, known=SCHEMA)
            )
        if schema < SCHEMA:
            if not write:
                raise StoreError(
                    _("the store {path} must be upgraded: open it for writing once").format(
                        path=self.path
                    )
                )
            self._migrate(schema)

    def _migrate(self, schema: int) -> None:
        for version in range(schema, SCHEMA):
            MIGRATIONS[version](self)
            with _db(self.path / "store.json") as db:
                db.table("meta").update({"schema": version + 1}, doc_ids=[1])
                _append_audit(db, self.user, [Change("store schema", version, version + 1)])

    @property
    def schema(self) -> int:
        with _db(self.path / "store.json") as db:
            return (db.table("meta").get(doc_id=1) or {}).get("schema", 0)

    # -- units -------------------------------------------------------------------------------

    def _unit_map(self) -> dict[str, Unit]:
        """The units by code, read from `store.json` only when it changed since the last read
        (its inode, time and size; every write replaces the file, by this process or another),
        so `unit()` per row of a report costs a stat, not a parse of the whole file."""
        path = self.path / "store.json"
        try:
            st = path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if self._units is None or self._units[0] != stamp:
            with _db(path) as db:
                found = {doc["code"]: Unit(**doc) for doc in db.table("units").all()}
            self._units = (stamp, found)
        return self._units[1]

    def units(self) -> list[Unit]:
        return sorted(self._unit_map().values(), key=lambda u: u.code)

    def unit(self, code: str) -> Unit | None:
        return self._unit_map().get(code)

    def put_units(self, units: list[Unit], changes: list[Change]) -> None:
        """Insert or replace units by code: one pass over the table, not a query per unit."""
        self._writable()
        with _db(self.path / "store.json") as db:
            table = db.table("units")
            stored = {doc["code"]: doc.doc_id for doc in table.all()}
            wanted = {unit.code: asdict(unit) for unit in units}  # the last of a code wins
            known = [stored[code] for code in wanted if code in stored]
            if known:
                table.update(lambda doc: doc.update(wanted[doc["code"]]), doc_ids=known)
            new = [doc for code, doc in wanted.items() if code not in stored]
            if new:
                table.insert_multiple(new)
            _append_audit(db, self.user, changes)
        self._units = None

    # -- assessments -------------------------------------------------------------------------

    def _file(self, assessment_id: str) -> Path:
        if not assessment_id or not assessment_id.isalnum():
            raise KeyError(assessment_id)  # ids are hex: never a path outside the store
        return self.path / "assessments" / f"{assessment_id}.json"

    def assessment_ids(self) -> list[str]:
        return sorted(p.stem for p in (self.path / "assessments").glob("*.json"))

    def assessment(self, assessment_id: str) -> Assessment:
        path = self._file(assessment_id)
        tables = self._tables_of(path, ("header", "items"))
        header = tables.get("header", {}).get("1")
        if header is None:
            raise StoreDamaged(_("{path} has no assessment in it").format(path=path))
        return assessment_from_docs(dict(header), _rows(tables.get("items")))

    def _tables_of(self, path: Path, wanted: tuple[str, ...]) -> dict[str, Any]:
        """The tables `wanted` of an assessment's file, read without TinyDB (a read needs none
        of its documents' objects). The file's other tables are kept until the next read, so
        that its data and its log, read one after the other (`audit verify`), parse the file
        once; each table is handed out once per parse, so no caller shares another's objects."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise KeyError(path.stem) from None
        stamp = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
        kept, self._rest = self._rest, None
        if kept is not None and kept[0] == stamp and all(t in kept[1] for t in wanted):
            tables = kept[1]
        else:
            tables = AtomicJSONStorage(path).read() or {}
        self._rest = (stamp, {k: v for k, v in tables.items() if k not in wanted})
        return tables

    def assessments(self) -> list[Assessment]:
        return [self.assessment(i) for i in self.assessment_ids()]

    def save(
        self,
        assessment: Assessment,
        changes: list[Change],
        history: list[dict] | None = None,
        *,
        summary: Summary | None = None,
    ) -> None:
        """Write an assessment, its audit entries and its summary in one atomic replace of its
        file. Saved without a summary (a bundle imported: the store cannot score), the file
        keeps none, and `Workflow.summaries()` computes it later (see `summaries`)."""
        self._writable()
        path = self._file(assessment.id)
        with _db(path) as db:
            if summary is None:
                db.drop_table("summary")
            else:
                db.table("summary").upsert(Document(_summary_doc(summary), doc_id=1))
            if history and not db.table("audit"):
                db.table("audit").insert_multiple(history)
            header = db.table("header")  # replaced whole: upsert merges, keeping keys gone
            header.truncate()
            header.insert(Document(header_to_doc(assessment), doc_id=1))
            items = db.table("items")
            stored = {d["code"]: d for d in items.all()}
            wanted = {code: item_to_doc(item) for code, item in assessment.items.items()}
            for code, doc in wanted.items():
                if stored.get(code) != doc:
                    if code in stored:  # replaced whole: update() merges, keeping keys gone
                        items.remove(doc_ids=[stored[code].doc_id])
                        items.insert(Document(doc, doc_id=stored[code].doc_id))
                    else:
                        items.insert(doc)
            gone = [d.doc_id for code, d in stored.items() if code not in wanted]
            if gone:
                items.remove(doc_ids=gone)
            content = audit.content_hash(header_to_doc(assessment), list(wanted.values()))
            _append_audit(db, self.user, changes, content)
        self._remember(path, summary)

    def delete(self, assessment_id: str, changes: list[Change]) -> None:
        """Delete an assessment, recording `changes` in the store's own log.

        Crash-safe in two atomic steps: the deletion is first recorded in `store.json` (its
        audit entries and the id in the list of deleted ones, one write), then the file is
        moved to `deleted/` (one rename; it keeps the assessment's own log). A crash between
        the two is finished by the next writer to open the store."""
        self._writable()
        path = self._file(assessment_id)
        if not path.exists():
            raise KeyError(assessment_id)
        with _db(self.path / "store.json") as db:
            meta = db.table("meta")
            deleted = list((meta.get(doc_id=1) or {}).get("deleted") or ())
            if assessment_id not in deleted:
                meta.update({"deleted": [*deleted, assessment_id]}, doc_ids=[1])
            _append_audit(db, self.user, changes)
        self._bury(assessment_id)

    def _bury(self, assessment_id: str) -> None:
        path = self._file(assessment_id)
        folder = self.path / "deleted"
        folder.mkdir(exist_ok=True)
        os.replace(path, folder / path.name)
        path.with_name(path.name + ".bak").unlink(missing_ok=True)
        _fsync_dir(folder)
        _fsync_dir(path.parent)

    def _finish_deletions(self) -> None:
        """Move out any assessment recorded as deleted whose file a crash left in place."""
        store_file = self.path / "store.json"
        if not store_file.exists():
            return
        with _db(store_file) as db:
            deleted = (db.table("meta").get(doc_id=1) or {}).get("deleted") or ()
        for assessment_id in deleted:
            if self._file(assessment_id).exists():
                self._bury(assessment_id)

    def audit_log(self, assessment_id: str) -> list[dict]:
        """The audit entries of one assessment, in order."""
        return _rows(self._tables_of(self._file(assessment_id), ("audit",)).get("audit"))

    def audit_log_name(self, assessment_id: str) -> str:
        return str(self._file(assessment_id))

    # -- summaries -----------------------------------------------------------------------------
    #
    # Each assessment's summary is kept in its own file (table "summary"), written in the same
    # atomic replace as its data: the two can never disagree, whatever crashes. `summaries.json`
    # is an index of them for reading all at once: per assessment, the stamp of its file (inode,
    # modification time in ns, size: every save replaces the file, so a new inode) and the
    # summary read from it. Reading checks every stamp with one scan of `assessments/` (a
    # stat per file, no parse) and re-reads only the files that changed since, then rewrites
    # the index if anything did. So a save costs nothing more (no 1 MB index rewritten per
    # keystroke), a crash at any point leaves at worst an index that the next read repairs,
    # and deleted assessments drop out. Any process may rewrite the index, readers included:
    # it is only a cache of the files, replaced atomically, and checked on every read.

    def summaries(self) -> list[Summary]:
        """Every assessment's summary that its file holds, by id. One saved without a summary
        (imported from a bundle; a store older than summaries) is left out: the workflow,
        which can score it, computes it (`Workflow.summaries`)."""
        index = self._read_index()
        fresh: dict[str, list] = {}
        changed = False
        with os.scandir(self.path / "assessments") as entries:
            for entry in entries:
                name = entry.name
                if not name.endswith(".json") or name.startswith("."):
                    continue
                assessment_id = name[:-5]
                stamp = _stamp(entry.stat())
                known = index.get(assessment_id)
                if known is not None and known[0] == stamp:
                    fresh[assessment_id] = known
                    continue
                # stamped before reading: a file replaced meanwhile is read again next time
                fresh[assessment_id] = [stamp, self._stored_summary(Path(entry.path))]
                changed = True
        if changed or self._index_unsaved or fresh.keys() != index.keys():
            self._write_index(fresh)
            self._index_unsaved = False
        self._index = fresh
        out = []
        for assessment_id in sorted(fresh):
            summary = _summary_from(fresh[assessment_id][1])
            if summary is not None:
                out.append(summary)
        return out

    def _stored_summary(self, path: Path) -> dict[str, Any] | None:
        try:
            data = AtomicJSONStorage(path).read() or {}
        except StoreDamaged:
            return None  # named when the assessment itself is read
        doc = (data.get("summary") or {}).get("1")
        return doc if isinstance(doc, dict) else None

    def _read_index(self) -> dict[str, list]:
        if self._index is not None:
            return self._index
        try:
            data = json.loads((self.path / "summaries.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or damaged: rebuilt from the files
        if not isinstance(data, dict) or data.get("schema") != 1:
            return {}
        entries = data.get("assessments")
        return entries if isinstance(entries, dict) else {}

    def _write_index(self, entries: dict[str, list]) -> None:
        text = json.dumps(
            {"schema": 1, "assessments": entries}, ensure_ascii=False, separators=(",", ":")
        )
        # a store on read-only media: the index is a cache, read from the files
        with contextlib.suppress(OSError):
            write_atomic(self.path / "summaries.json", text)

    def _remember(self, path: Path, summary: Summary | None) -> None:
        """After a save: the index in memory follows (written out on the next read)."""
        if self._index is None:
            return
        try:
            stamp = _stamp(path.stat())
        except OSError:
            return
        doc = _summary_doc(summary) if summary is not None else None
        self._index = {**self._index, path.stem: [stamp, doc]}
        self._index_unsaved = True

    # -- evidence files ------------------------------------------------------------------------

    def keep_file(self, source: Path) -> str:
        """Copy a file into `evidence/`, named by its SHA-256, written atomically (fsynced,
        then renamed); return the hash. A file already kept is not copied again."""
        self._writable()
        folder = self.path / "evidence"
        folder.mkdir(exist_ok=True)
        tmp = folder / f".{os.getpid()}.tmp"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(source, "rb") as f, open(tmp, "wb") as out:
                while chunk := f.read(1 << 20):
                    size += len(chunk)
                    if size > MAX_EVIDENCE_BYTES:
                        raise StoreError(
                            _("{name} is larger than {limit} MB: it cannot be attached").format(
                                name=Path(source).name, limit=MAX_EVIDENCE_BYTES // (1024 * 1024)
                            )
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = folder / sha
            if not target.exists():
                os.replace(tmp, target)
                _fsync_dir(folder)
            return sha
        finally:
            tmp.unlink(missing_ok=True)

    def evidence_file(self, sha256: str) -> Path | None:
        """The kept copy of an attached file, if the store has it."""
        if not sha256 or not sha256.isalnum():
            return None
        path = self.path / "evidence" / sha256
        return path if path.exists() else None

    # -- pinned criteria sets ------------------------------------------------------------------

    def pin_set(self, set_hash: str, text: str) -> None:
        path = self.path / "sets" / f"{set_hash}.yaml"
        if not path.exists():
            self._writable()
            write_atomic(path, text)

    def pinned_set(self, set_hash: str) -> str | None:
        path = self.path / "sets" / f"{set_hash}.yaml"
        return path.read_text(encoding="utf-8") if path.exists() else None

    # -- audit -------------------------------------------------------------------------------

    def audit_logs(self) -> Iterator[tuple[str, list[dict]]]:
        """Every log: the store's, each assessment's, and those of deleted assessments."""
        paths = [
            self.path / "store.json",
            *sorted((self.path / "assessments").glob("*.json")),
            *sorted((self.path / "deleted").glob("*.json")),
            *sorted((self.path / "recommendations").glob("*.json")),
        ]
        folder = self.path / "assessments"
        for path in paths:
            if path.parent == folder:  # its data kept for a read of it next (audit verify)
                yield str(path), _rows(self._tables_of(path, ("audit",)).get("audit"))
            else:
                yield str(path), _rows((AtomicJSONStorage(path).read() or {}).get("audit"))
        yield from self._campaign_logs()

    # -- campaigns -------------------------------------------------------------------------
    #
    # campaigns/<id>.json, one TinyDB file per campaign: its header, one document per unit's
    # track, the campaign's log (table "audit") and one log per unit ("audit:<unit>"), all
    # written in one atomic replace.

    def _campaign_file(self, campaign_id: str) -> Path:
        if not isinstance(campaign_id, str) or not CAMPAIGN_ID.fullmatch(campaign_id):
            raise KeyError(campaign_id)  # a slug: never a path outside the store
        return self.path / "campaigns" / f"{campaign_id}.json"

    def campaign_ids(self) -> list[str]:
        folder = self.path / "campaigns"
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def campaign(self, campaign_id: str) -> Campaign:
        path = self._campaign_file(campaign_id)
        if not path.exists():
            raise KeyError(campaign_id)
        with _db(path) as db:
            header = db.table("header").get(doc_id=1)
            tracks = [dict(d) for d in db.table("tracks").all()]
        if header is None:
            raise StoreDamaged(_("{path} has no campaign in it").format(path=path))
        return campaign_from_docs(dict(header), tracks)

    def save_campaign(self, campaign: Campaign, changes: list[Change], *, unit: str = "") -> None:
        self._writable()
        path = self._campaign_file(campaign.id)
        path.parent.mkdir(exist_ok=True)
        with _db(path) as db:
            db.table("header").upsert(Document(campaign_header_doc(campaign), doc_id=1))
            tracks = db.table("tracks")
            tracks.truncate()
            tracks.insert_multiple(track_doc(t) for t in campaign.tracks.values())
            _append_audit(db, self.user, changes, log=f"audit:{unit}" if unit else "audit")

    def campaign_log(self, campaign_id: str, unit: str = "") -> list[dict]:
        path = self._campaign_file(campaign_id)
        if not path.exists():
            return []
        with _db(path) as db:
            entries = db.table(f"audit:{unit}" if unit else "audit").all()
        return [dict(e) for e in sorted(entries, key=lambda d: d.doc_id)]

    def _campaign_logs(self) -> Iterator[tuple[str, list[dict]]]:
        for campaign_id in self.campaign_ids():
            path = self._campaign_file(campaign_id)
            with _db(path) as db:
                names = sorted(n for n in db.tables() if n == "audit" or n.startswith("audit:"))
                logs = {n: sorted(db.table(n).all(), key=lambda d: d.doc_id) for n in names}
            for name, entries in logs.items():
                suffix = name[len("audit") :]
                yield f"{path}{suffix}", [dict(e) for e in entries]

    # -- recommendations -----------------------------------------------------------------------
    # One small file per recommendation followed up, `recommendations/<id>.json`: its record
    # (table "record") and its own audit chain (table "audit"), written in one atomic replace.

    def _followup_file(self, followup_id: str) -> Path:
        if not isinstance(followup_id, str) or not FOLLOWUP_ID.fullmatch(followup_id):
            raise KeyError(followup_id)  # never a path outside the store
        return self.path / "recommendations" / f"{followup_id}.json"

    def followups(self, unit: str | None = None) -> list[FollowUp]:
        """Every record (of one unit), by id."""
        folder = self.path / "recommendations"
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.glob("*.json")):
            if not FOLLOWUP_ID.fullmatch(path.stem):
                continue
            record = _read_followup(path)
            if record is not None and (unit is None or record.unit == unit):
                found.append(record)
        return found

    def followup(self, followup_id: str) -> FollowUp:
        path = self._followup_file(followup_id)
        record = _read_followup(path) if path.exists() else None
        if record is None:
            raise KeyError(followup_id)
        return record

    def save_followup(
        self, record: FollowUp, changes: list[Change], history: list[dict] | None = None
    ) -> None:
        """The record and its audit entries in one atomic replace of its file; refused when
        the stored record is not the version this one was made from."""
        self._writable()
        path = self._followup_file(record.id)
        path.parent.mkdir(exist_ok=True)
        with _db(path) as db:
            stored = db.table("record").get(doc_id=1)
            if history and stored is None and not db.table("audit"):
                db.table("audit").insert_multiple(history)
            elif stored is not None and stored.get("version") != record.version - 1:
                raise StoreError(
                    _(
                        "recommendation {id} was changed since it was read: read it again; "
                        "nothing was written"
                    ).format(id=record.id)
                )
            doc = followup_to_doc(record)
            db.table("record").upsert(Document(doc, doc_id=1))
            content = hashlib.sha256(audit.canonical(doc)).hexdigest()
            _append_audit(db, self.user, changes, content)

    def followup_log(self, followup_id: str) -> list[dict]:
        path = self._followup_file(followup_id)
        if not path.exists():
            raise KeyError(followup_id)
        with _db(path) as db:
            entries = sorted(db.table("audit").all(), key=lambda d: d.doc_id)
        return [dict(e) for e in entries]

    def account_kind(self) -> str:
        return ""  # a laptop's store answers for whoever uses it

    # -- sync --------------------------------------------------------------------------------
    #
    # `sync.json` keeps the laptop's sync state (inspect_tool/sync.py); an assessment pulled
    # from the server replaces its file whole (data, audit log, summary) in one atomic write.

    def sync_state(self) -> dict[str, Any]:
        try:
            data = json.loads((self.path / "sync.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"assessments": {}}
        except (OSError, ValueError) as exc:
            raise StoreDamaged(
                _("{path} is damaged ({why}); it has been left as it is").format(
                    path=self.path / "sync.json", why=exc
                )
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("assessments", {}), dict):
            raise StoreDamaged(
                _("{path} is damaged ({why}); it has been left as it is").format(
                    path=self.path / "sync.json", why=_("not a sync state")
                )
            )
        data.setdefault("assessments", {})
        return data

    def put_sync_state(self, state: dict[str, Any]) -> None:
        self._writable()
        write_atomic(self.path / "sync.json", json.dumps(state, ensure_ascii=False, indent=1))

    def _head(self, assessment_id: str) -> str:
        try:
            log = self.audit_log(assessment_id)
        except KeyError:
            return ""
        return str(log[-1].get("hash", "")) if log else ""

    def replace_synced(
        self,
        assessment: Assessment,
        log: list[dict],
        *,
        expect_head: str,
        summary: Summary | None = None,
    ) -> bool:
        self._writable()
        if self._head(assessment.id) != expect_head:
            return False
        path = self._file(assessment.id)
        with _db(path) as db:
            for table in ("summary", "audit", "header", "items"):
                db.drop_table(table)
            if summary is not None:
                db.table("summary").insert(Document(_summary_doc(summary), doc_id=1))
            db.table("audit").insert_multiple(log)
            db.table("header").insert(Document(header_to_doc(assessment), doc_id=1))
            db.table("items").insert_multiple(item_to_doc(i) for i in assessment.items.values())
        self._remember(path, summary)
        return True

    def sync_heads(self) -> dict[str, dict[str, Any]]:
        heads = {}
        for assessment_id in self.assessment_ids():
            log = self.audit_log(assessment_id)
            if log:
                heads[assessment_id] = {"seq": log[-1].get("seq"), "hash": log[-1].get("hash")}
        return heads

    def sync_store(
        self,
        assessment: Assessment,
        entries: list[dict],
        *,
        expect_head: str,
        summary: Summary | None = None,
    ) -> None:
        try:
            log = self.audit_log(assessment.id)
        except KeyError:
            log = []
        if not self.replace_synced(
            assessment, log + entries, expect_head=expect_head, summary=summary
        ):
            raise StoreError(
                _("assessment {id} changed meanwhile: nothing was written").format(
                    id=assessment.id[:8]
                )
            )

    def sync_acked(self, device: str, assessment_id: str) -> int:
        return 0  # a laptop's store is no server: no devices push to it

    def sync_ack(self, device: str, assessment: Assessment, seq: int, head: str) -> None:
        return None

    # -- the progress board --------------------------------------------------------------------

    def progress(self) -> list[ProgressRow]:
        """Every unit with its summarized assessments, and who made each one's last change
        (its log's last entry: the embedded store is a laptop's, with few assessments)."""
        by_unit: dict[str, list[Summary]] = {}
        for s in self.summaries():
            by_unit.setdefault(s.unit, []).append(s)
        rows = []
        for unit in self.units():
            for s in sorted(by_unit.get(unit.code, []), key=lambda s: (s.year, s.created, s.id)):
                try:
                    log = self.audit_log(s.id)
                except KeyError:  # deleted since the summaries were read
                    continue
                rows.append(
                    ProgressRow(
                        unit.code,
                        unit.name,
                        unit.kind,
                        s.id,
                        s.kind,
                        s.year,
                        s.set_id,
                        s.state,
                        s.answered,
                        s.items,
                        s.index,
                        s.band,
                        s.updated,
                        str(log[-1].get("who", "")) if log else "",
                    )  # fmt: skip
                )
            if not by_unit.get(unit.code):
                rows.append(ProgressRow(unit.code, unit.name, unit.kind))
        return rows


# -- recommendations ---------------------------------------------------------------------------

FOLLOWUP_ID = re.compile(r"[A-Za-z0-9]{1,64}-[0-9]{1,4}")


def _read_followup(path: Path) -> FollowUp | None:
    with _db(path) as db:
        doc = db.table("record").get(doc_id=1)
    if doc is None:
        return None
    try:
        return followup_from_doc(dict(doc))
    except (TypeError, ValueError) as exc:
        raise StoreDamaged(
            _("{path} is damaged ({why}); it has been left as it is").format(path=path, why=exc)
        ) from None
