"""A laptop's side of sync with the province server (`inspect-tool sync`, the app's sync key).

The laptop's embedded store keeps its sync state (Store.sync_state): a device id, the server,
the time of the last sync, and per assessment the audit head it last synced. A sync:

1. pushes, per assessment changed since (its audit head is not the one synced), the entries
   made since that head and its documents, in batches (POST /sync/push); what the server
   acknowledged as stored or already there is recorded at once, batch by batch, so a sync cut
   short (network, a server killed) loses nothing acknowledged and the next one goes on;
2. pulls what the account may see and the laptop lacks (POST /sync/pull): units, criteria
   sets, and each assessment whose server head differs, which replaces the local copy (data
   and audit log) only if the local copy has no change that the server has not acknowledged
   (Store.replace_synced checks its head): a change typed meanwhile is never overwritten, it
   is sent next time.

Conflicts are made by the server (inspect_tool/server/sync.py) and come back in the pulled
copy; `Workflow.resolve_conflict` resolves them. The HTTP client is the standard library's
(urllib): JSON over one request at a time needs nothing more. Tokens are kept in the user's
config folder, owner-only (0600).
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .core import Core
from .i18n import _
from .model import Unit
from .store import Change, Store, audit
from .store.codec import assessment_from_docs, header_to_doc, item_to_doc

TOKEN_ENV = "INSPECT_TOOL_SYNC_TOKEN"
BATCH = 25  # assessments per push request: each batch is acknowledged on its own
TIMEOUT = 60  # seconds per request


class SyncError(Exception):
    """The sync could not go on (server unreachable, token refused, an answer not
    understood); what was acknowledged before is kept."""


@dataclass
class SyncReport:
    """What a sync did, for the CLI and the app."""

    stored: list[str] = field(default_factory=list)  # pushed, taken as they were
    merged: list[str] = field(default_factory=list)  # pushed, merged with the server's changes
    unchanged: int = 0  # pushed, already there
    refused: list[tuple[str, str]] = field(default_factory=list)  # (id, why)
    not_applied: list[tuple[str, str]] = field(default_factory=list)  # (id, what)
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (id, item) made now
    pulled: list[str] = field(default_factory=list)  # replaced by the server's copy
    kept: list[str] = field(default_factory=list)  # changed here meanwhile: sent next time
    units: int = 0


# -- the server and the token ------------------------------------------------------------------


def check_server(url: str) -> str:
    """The server's base URL: https, or http to this machine only (a token never travels in
    clear over a network)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(_("'{url}' is not a server's address (https://…)").format(url=url))
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise SyncError(
            _("'{url}': a server on the network is reached over https, not http").format(url=url)
        )
    return url.strip().rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_file() -> Path:
    from platformdirs import user_config_path

    return user_config_path("inspect-tool") / "sync-tokens.json"


def _tokens() -> dict[str, str]:
    try:
        data = json.loads(token_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def saved_token(server: str) -> str | None:
    return _tokens().get(server)


def save_token(server: str, token: str) -> Path:
    """Keep the token for this server in the user's config folder, readable by its owner
    only (0600), written atomically."""
    from .output import atomic_path

    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tokens = {**_tokens(), server: token}
    with atomic_path(path, force=True, mode=0o600) as tmp:
        tmp.write_text(json.dumps(tokens, indent=1), encoding="utf-8")
    return path


def request(server: str, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
    """One JSON request, a POST of `body` (a GET when it is None); (status, answer).
    SyncError when the server cannot be reached or does not answer in JSON."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    method = "GET" if body is None else "POST"
    req = urllib.request.Request(server + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read())
        except ValueError:
            return exc.code, {"error": exc.reason}
    except (urllib.error.URLError, OSError) as exc:
        why = getattr(exc, "reason", exc)
        raise SyncError(
            _("cannot reach the server {server}: {why}").format(server=server, why=why)
        ) from None
    except ValueError:
        raise SyncError(
            _("the server {server} did not answer as a province server").format(server=server)
        ) from None


def login(server: str, name: str, password: str) -> str:
    """A login token for the account (POST /login)."""
    status, answer = request(server, "/login", {"name": name, "password": password})
    if status != 200 or not isinstance(answer, dict) or "token" not in answer:
        raise SyncError(_("login refused: {why}").format(why=_said(answer)))
    return str(answer["token"])


def _said(answer: Any) -> str:
    return str(answer.get("error", answer)) if isinstance(answer, dict) else str(answer)


# -- the state shown --------------------------------------------------------------------------


@dataclass
class SyncStatus:
    server: str
    last_sync: str
    waiting: list[str]  # assessments with changes the server has not acknowledged
    conflicts: list[tuple[str, str]]  # (assessment id, item code)


def status(store: Store) -> SyncStatus:
    """Last sync, changes waiting, conflicts: what `sync --status` and the app show."""
    from .workflow import Workflow

    state = store.sync_state()
    synced = state.get("assessments", {})
    waiting, conflicts = [], []
    for ident in store.assessment_ids():
        log = store.audit_log(ident)
        if log and (synced.get(ident) or {}).get("hash") != log[-1].get("hash"):
            waiting.append(ident)
        a = store.assessment(ident)
        conflicts += [(ident, code) for code in Workflow.conflicts(a)]
    return SyncStatus(state.get("server", ""), state.get("last_sync", ""), waiting, conflicts)


# -- a sync -----------------------------------------------------------------------------------


def _now(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


class Syncer:
    """One sync of `store` with `server` as the account of `token`.

    `write` runs each write to the store: at once by default; the app passes its
    `call_from_thread`, so that a sync in a worker thread writes on the app's thread, between
    two saves of what is typed, never across one."""

    def __init__(
        self,
        core: Core,
        store: Store,
        server: str,
        token: str,
        batch: int = BATCH,
        write: Callable[..., Any] = _now,
    ):
        self.core, self.store, self.server, self.token = core, store, server, token
        self.batch = max(1, batch)
        self.write = write
        self.state = store.sync_state()
        self.state.setdefault("device", uuid.uuid4().hex)
        self.synced: dict[str, dict] = self.state.setdefault("assessments", {})
        self.report = SyncReport()
        self.pushed: dict[str, str] = {}  # id -> the local head pushed and acknowledged

    def _post(self, path: str, body: Any) -> dict:
        status, answer = request(self.server, path, body, self.token)
        if status == 401:
            raise SyncError(_("the server refused the token: log in again (sync --user NAME)"))
        if status != 200 or not isinstance(answer, dict):
            raise SyncError(
                _("the server refused the sync ({status}): {why}").format(
                    status=status, why=_said(answer)
                )
            )
        return answer

    def _keep(self) -> None:
        self.state["server"] = self.server
        self.write(self.store.put_sync_state, json.loads(json.dumps(self.state)))

    def run(self) -> SyncReport:
        self.push()
        self.pull()
        self.state["last_sync"] = audit.now_iso()
        self._keep()
        return self.report

    def _changed(self) -> list[dict]:
        out = []
        for ident in self.store.assessment_ids():
            log = self.store.audit_log(ident)
            known = self.synced.get(ident) or {}
            if not log or known.get("hash") == log[-1].get("hash"):
                continue
            seq = int(known.get("seq") or 0)
            a = self.store.assessment(ident)
            out.append(
                {
                    "header": header_to_doc(a),
                    "items": [item_to_doc(i) for i in a.items.values()],
                    "base": known.get("hash", ""),
                    "entries": log[seq:],
                }
            )
        return out

    def push(self) -> None:
        changed = self._changed()
        for start in range(0, len(changed), self.batch):
            batch = changed[start : start + self.batch]
            sets = {}
            for doc in batch:
                text = self.store.pinned_set(doc["header"]["set_hash"])
                if text is not None and not doc["base"]:
                    sets[doc["header"]["set_hash"]] = text
            body = {"device": self.state["device"], "assessments": batch, "sets": sets}
            answer = self._post("/sync/push", body)
            heads = {d["header"]["id"]: d["entries"][-1]["hash"] for d in batch if d["entries"]}
            for result in answer.get("results", []):
                self._acknowledged(result, heads)
            self._keep()  # what this batch got acknowledged is kept before the next

    def _acknowledged(self, result: dict, heads: dict[str, str]) -> None:
        ident, outcome = str(result.get("id", "")), result.get("result")
        if outcome == "refused":
            self.report.refused.append((ident, str(result.get("error", ""))))
            return
        if ident not in heads and outcome != "unchanged":
            return
        self.pushed[ident] = heads.get(ident, "")
        if outcome == "merged":
            self.report.merged.append(ident)
            self.report.conflicts += [(ident, c) for c in result.get("conflicts") or ()]
            self.report.not_applied += [(ident, w) for w in result.get("not_applied") or ()]
            return  # the server's copy replaces ours in the pull
        if outcome == "stored":
            self.report.stored.append(ident)
        else:
            self.report.unchanged += 1
        head = {"seq": result.get("seq"), "hash": result.get("head")}
        try:
            log = self.store.audit_log(ident)
        except KeyError:
            return
        if any(e.get("hash") == head["hash"] for e in log):
            self.synced[ident] = head  # the server's head is in our chain: synced to there

    def pull(self) -> None:
        heads = {ident: str(known.get("hash", "")) for ident, known in self.synced.items()}
        answer = self._post("/sync/pull", {"heads": heads})
        self._units(answer.get("units") or [])
        for set_hash, text in (answer.get("sets") or {}).items():
            if isinstance(text, str) and self.store.pinned_set(set_hash) is None:
                self.write(self.store.pin_set, set_hash, text)
        for doc in answer.get("assessments") or []:
            self._replace(doc)

    def _units(self, docs: list) -> None:
        fresh = []
        for doc in docs:
            try:
                unit = Unit(**doc)
            except TypeError:
                raise SyncError(_("the server sent a unit this tool cannot read")) from None
            if self.store.unit(unit.code) != unit:
                fresh.append(unit)
        if fresh:
            changes = [Change(f"unit {u.code}", None, u.code) for u in fresh]
            self.write(self.store.put_units, fresh, changes)
            self.report.units = len(fresh)

    def _replace(self, doc: dict) -> None:
        from .workflow import Workflow

        try:
            a = assessment_from_docs(doc["header"], doc["items"])
            log = list(doc["audit"])
        except (KeyError, TypeError, ValueError):
            raise SyncError(_("the server sent an assessment this tool cannot read")) from None
        problem = audit.verify(a.id[:8], log) or audit.check_content(
            a.id[:8], log, audit.assessment_hash(a)
        )
        if problem:
            raise SyncError(
                _("the server sent assessment {id} with a broken audit trail: {why}").format(
                    id=a.id[:8], why=problem
                )
            )
        try:
            mine = self.store.audit_log(a.id)
        except KeyError:
            mine = []
        local = mine[-1]["hash"] if mine else ""
        known = (self.synced.get(a.id) or {}).get("hash", "")
        if local not in ("", known, self.pushed.get(a.id)):
            self.report.kept.append(a.id)  # typed here since: not overwritten, sent next time
            return
        summary = Workflow(self.core, self.store)._summary_or_none(a)
        if self.write(_replace, self.store, a, log, local, summary):
            self.synced[a.id] = {"seq": log[-1]["seq"], "hash": log[-1]["hash"]}
            self.report.pulled.append(a.id)
        else:
            self.report.kept.append(a.id)


def _replace(store: Store, a: Any, log: list[dict], local: str, summary: Any) -> bool:
    return store.replace_synced(a, log, expect_head=local, summary=summary)


def sync(
    core: Core,
    store: Store,
    server: str,
    token: str,
    *,
    batch: int = BATCH,
    write: Callable[..., Any] = _now,
) -> SyncReport:
    """Push (`batch` assessments per request), then pull (see the module docstring)."""
    return Syncer(core, store, check_server(server), token, batch, write).run()


def token_for(server: str) -> str | None:
    """The token to use without asking: INSPECT_TOOL_SYNC_TOKEN, else the one kept."""
    import os

    return os.environ.get(TOKEN_ENV) or saved_token(server)


def ask(server: str, path: str, body: Any = None) -> Any:
    """A request to the province server with the token kept by `sync` (or
    INSPECT_TOOL_SYNC_TOKEN): its answer, or SyncError with the server's reason."""
    base = check_server(server)
    token = token_for(base)
    if token is None:
        raise SyncError(
            _("log in once: sync --server {server} --user NAME (or give --token)").format(
                server=base
            )
        )
    status, answer = request(base, path, body, token)
    if status != 200:
        raise SyncError(_said(answer))
    return answer
