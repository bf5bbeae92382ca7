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

from ..model import Assessment, Unit

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

    # the progress board: every unit the account sees, with each of its summarized assessments
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
