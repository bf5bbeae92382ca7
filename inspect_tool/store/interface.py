"""The store: the small interface the rest of the tool uses to keep units and assessments.

The embedded TinyDB store (`embedded`) is the default; a central server store can implement
the same interface later. Every change goes through `Store` methods that take the list of
changes to audit, so data and its audit entries are always written together.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..campaign import Campaign
from ..model import Assessment, FollowUp, Unit

DB_ENV = "INSPECT_TOOL_DB"
USER_ENV = "INSPECT_TOOL_USER"


class StoreError(Exception):
    """A problem with the store itself, in words for the person at the keyboard."""


class StoreLocked(StoreError):
    """Another process is writing to the store; `holder` says who, in words (user, host,
    since when, pid), so a front end can open the store read-only and say why."""

    def __init__(self, message: str, holder: str = ""):
        super().__init__(message)
        self.holder = holder


class StoreDamaged(StoreError):
    """A store file cannot be read; it is left as it is and its last good copy kept."""


@dataclass(frozen=True)
class Change:
    """One change to record in the audit trail."""

    what: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Summary:
    """What lists and reports need of an assessment, kept beside it in the same write as
    each save, so that the units screen, `assess list`, the ranking and the differences read
    one file (or run one query) instead of loading and scoring every assessment."""

    id: str
    unit: str
    kind: str
    year: int
    set_id: str
    set_version: str
    state: str
    base: str  # the self-assessment an appraisal starts from
    answered: int  # items answered (N/A included)
    items: int  # items of the set
    total: float
    max_points: float
    index: float
    band: str  # "" until something is answered
    updated: str  # ISO time of the last change
    created: str = ""  # ISO time it was made (lists are in this order within a unit)
    # per area of the set, in its order: (code, points, maximum), for the ranking's columns
    areas: tuple[tuple[str, float, float], ...] = ()

    @property
    def set_key(self) -> str:
        return f"{self.set_id}@{self.set_version}"


# -- the progress board ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """One line of the progress board (inspect_tool/progress.py): a unit and one of its
    assessments (id "" when it has none yet), read from the summaries in one query, with who
    made the last change."""

    unit: str
    unit_name: str
    unit_kind: str
    id: str = ""
    kind: str = ""
    year: int = 0
    set_id: str = ""
    state: str = ""  # "" when the unit has no assessment
    answered: int = 0
    items: int = 0
    index: float = 0.0
    band: str = ""
    updated: str = ""
    by: str = ""


class Store(Protocol):
    path: Path | str  # the folder, or the central store's URL without its password
    user: str
    files_dir: Path  # a local folder for what its user makes from it (minutes, the app's state)

    def close(self) -> None: ...

    # units
    def units(self) -> list[Unit]: ...
    def unit(self, code: str) -> Unit | None: ...
    def put_units(self, units: list[Unit], changes: list[Change]) -> None: ...

    # assessments
    def assessment_ids(self) -> list[str]: ...
    def assessment(self, assessment_id: str) -> Assessment: ...
    def assessments(self) -> list[Assessment]: ...
    def save(
        self,
        assessment: Assessment,
        changes: list[Change],
        history: list[dict] | None = None,
        *,
        summary: Summary | None = None,
    ) -> None:
        """Write the assessment with its audit entries and its summary, in one write;
        `history` seeds the log of a new assessment with the entries it already had elsewhere
        (an imported one)."""

    def summaries(self) -> list[Summary]:
        """Every assessment's summary, read at once (see Summary)."""
        ...

    def delete(self, assessment_id: str, changes: list[Change]) -> None:
        """Delete an assessment, recording `changes` in the store's log; crash-safe."""

    def audit_log(self, assessment_id: str) -> list[dict]:
        """The audit entries of one assessment, in order (KeyError if there is none)."""
        ...

    def audit_log_name(self, assessment_id: str) -> str:
        """The name `audit_logs` gives the log of an assessment."""
        ...

    # files attached as evidence, kept in the store by their SHA-256
    def keep_file(self, source: Path) -> str:
        """Copy the file into the store (atomically, size-limited); return its SHA-256."""
        ...

    def evidence_file(self, sha256: str) -> Path | None: ...

    # criteria sets pinned by assessments, as YAML text keyed by content hash
    def pin_set(self, set_hash: str, text: str) -> None: ...
    def pinned_set(self, set_hash: str) -> str | None: ...

    # the audit trail: (log name, entries in order) for every log in the store
    def audit_logs(self) -> Iterator[tuple[str, list[dict]]]: ...

    # -- campaigns -------------------------------------------------------------------------
    # A campaign (campaign.Campaign) is kept as its header and one track per unit; its log
    # and each unit's log are separate chains, so a unit's account writes only its own.

    def campaign_ids(self) -> list[str]: ...
    def campaign(self, campaign_id: str) -> Campaign:
        """The campaign (KeyError if there is none)."""
        ...

    def save_campaign(self, campaign: Campaign, changes: list[Change], *, unit: str = "") -> None:
        """Write a campaign with its audit entries, in one write. With `unit`, only that
        unit's track (its explanations included) and the entries go to the unit's log;
        without, the header and every track, the entries to the campaign's log."""

    def campaign_log(self, campaign_id: str, unit: str = "") -> list[dict]:
        """The campaign's log, or one unit's log in it ([] when it has none)."""

    # -- recommendations -------------------------------------------------------------------
    # Each recommendation of a finalized inspection or appraisal is followed up in its own
    # record (recommendations.py), with its own audit chain, named by the record's id.

    def followups(self, unit: str | None = None) -> list[FollowUp]:
        """The follow-up records (of one unit), by id; a central store's account sees only
        those row-level security lets it see."""
        ...

    def followup(self, followup_id: str) -> FollowUp:
        """One record by its id (KeyError if there is none)."""
        ...

    def save_followup(
        self, record: FollowUp, changes: list[Change], history: list[dict] | None = None
    ) -> None:
        """Write the record and its audit entries in one write; `record.version` is the
        version read plus one, and a save based on a stale copy is refused (StoreError).
        `history`: a new record's log as another store kept it (a bundle), checked already,
        written first and chained on."""

    def followup_log(self, followup_id: str) -> list[dict]:
        """The audit entries of one record, in order (KeyError if there is none)."""
        ...

    def account_kind(self) -> str:
        """Who the store's account is: "department", "unit" or "viewer" on a central store;
        "" on a laptop's embedded store, which answers for whoever uses it."""
        ...

    # -- sync ----------------------------------------------------------------------------------
    # A laptop's embedded store syncs with a province server (inspect_tool/sync.py); the
    # server writes what laptops push into the central store (inspect_tool/server/sync.py).
    # See docs/architecture.md, "Sync".

    def sync_state(self) -> dict[str, Any]:
        """A laptop's sync state: its device id, the server, the last sync, and per
        assessment the audit head it last synced ({"assessments": {id: {"seq", "hash"}}})."""
        ...

    def put_sync_state(self, state: dict[str, Any]) -> None:
        """Keep the sync state (atomically)."""

    def replace_synced(
        self,
        assessment: Assessment,
        log: list[dict],
        *,
        expect_head: str,
        summary: Summary | None = None,
    ) -> bool:
        """Replace an assessment and its whole audit log by the server's copy, only if its
        local audit head is still `expect_head` ("" = not here): False, nothing written,
        when it changed meanwhile (local changes are never overwritten; they are sent next
        time)."""
        ...

    def sync_heads(self) -> dict[str, dict[str, Any]]:
        """The audit head ({"seq", "hash"}) of every assessment, by id."""
        ...

    def sync_store(
        self,
        assessment: Assessment,
        entries: list[dict],
        *,
        expect_head: str,
        summary: Summary | None = None,
    ) -> None:
        """Store an assessment's documents and append `entries` to its audit log byte for
        byte, in one write, only if its audit head is still `expect_head` ("" = a new one);
        StoreError (a StaleError on the central store) otherwise."""

    def sync_acked(self, device: str, assessment_id: str) -> int:
        """The seq of the last head acknowledged to `device` for the assessment (0: none)."""
        ...

    def sync_ack(self, device: str, assessment: Assessment, seq: int, head: str) -> None:
        """Record that `device` was acknowledged the head `seq`/`head` of the assessment."""

    # -- the progress board --------------------------------------------------------------------
    # every unit the account sees, with each of its summarized assessments
    def progress(self) -> list[ProgressRow]: ...

    # A store that can tell when another writer saves has `watch(stop)`: it yields None when
    # everything must be read again (at first, and after its connection came back), then the
    # ids saved since, until `stop` (a threading.Event) is set. The central store has it; see
    # `can_watch`.


def can_watch(store: object) -> bool:
    """Whether the store tells of other writers' saves as they happen (the central one)."""
    return callable(getattr(store, "watch", None))


def default_store_path() -> Path | str:
    """`INSPECT_TOOL_DB` (a folder, or a postgresql:// URL), else the user's data folder."""
    if os.environ.get(DB_ENV):
        value = os.environ[DB_ENV]
        return value if is_url(value) else Path(value)
    from platformdirs import user_data_path

    return user_data_path("inspect-tool") / "store"


def default_user() -> str:
    if os.environ.get(USER_ENV):
        return os.environ[USER_ENV]
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still record something honest
        return "unknown"


def is_url(value: object) -> bool:
    """A PostgreSQL URL names the central store; anything else is a folder."""
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


def open_store(
    path: Path | str | None = None, *, user: str | None = None, write: bool = True
) -> Store:
    """Open the store `path` names: a postgresql:// URL opens the central store (as the
    account the URL logs in with); a folder opens (and creates) the embedded store.

    Embedded: `write=True` takes the lock against other writers, or raises StoreLocked (its
    `holder` says who has it); `write=False` always opens, for reading only (writes raise
    StoreError), even while another window writes. Central: many writers at once; `write=False`
    refuses writes in this process."""
    target = path if path is not None else default_store_path()
    if is_url(str(target)) and not isinstance(target, Path):
        from .postgres import PgStore

        return PgStore(str(target), user=user or default_user(), write=write)
    from .embedded import TinyStore

    return TinyStore(Path(target), user=user or default_user(), write=write)
