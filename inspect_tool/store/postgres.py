"""The central store: PostgreSQL, for a province (or the nation) and many writers at once.

The same `Store` interface as the embedded store, so nothing above this package knows which
one it has. How the engine is meant to be used:

- psycopg 3 with a connection pool; every write is one transaction that locks only its
  assessment (a transaction-scoped advisory lock on its id, which works before the row
  exists), so writers of different assessments never wait for each other;
- a write based on a stale copy is refused: each save carries the assessment's version, and
  the stored one must be the version it was read at (StaleError says who changed it, when);
- the audit chain is computed here in Python with the embedded store's canonical JSON, so
  `audit verify` and bundles work the same and a chain moved between stores is byte-identical;
  the database keeps it append-only (a trigger, and no role is granted UPDATE or DELETE);
- accounts see only their own, by row-level security (migrations/0001_init.sql): the tool
  connects as the account's login role, which owns nothing and does not bypass RLS;
- the summary of each assessment is kept in its row in the same transaction as each save, so
  lists and reports read one query.
- a read of an assessment is one round trip and a save two (`_one_trip`: a pipeline with our
  own BEGIN and COMMIT): on two cores shared by 50 writers each round trip is a wait in the
  queue. The copy last read or written is kept in the process and used while the server's
  fingerprint of the rows (their versions) says it is current, so a save writes only the
  items that changed and a read sends no document that did not change.

The schema is plain numbered SQL files in `migrations/`, applied by `db init` and `db upgrade`;
a database whose schema is older or newer than the tool is refused with the command to run.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..campaign import Campaign
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
from .interface import Change, ProgressRow, StoreError, Summary, is_url  # noqa: F401 (re-exported)

STORE_LOG = "store"
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024


class StaleError(StoreError):
    """The assessment changed in the store since it was read: nothing was written."""


def safe_url(url: str) -> str:
    """The URL without its password, to name the store in messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


# -- migrations -----------------------------------------------------------------------------


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every shipped migration, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_[a-z0-9_]+\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


LATEST = migrations()[-1][0]


def _connect(url: str):
    import psycopg

    try:
        return psycopg.connect(url)
    except psycopg.OperationalError as exc:
        raise StoreError(
            _("cannot reach the store {url}: {why}").format(url=safe_url(url), why=str(exc).strip())
        ) from None


def schema_version(conn: Any) -> int:
    """0 for an empty database."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('inspect_schema') IS NOT NULL")
        if not cur.fetchone()[0]:
            return 0
        cur.execute("SELECT version FROM inspect_schema")
        row = cur.fetchone()
        return int(row[0]) if row else 0


def upgrade(url: str, *, init: bool = False) -> tuple[int, int]:
    """Apply the migrations the database lacks, each in its own transaction; return the
    versions before and after. `init` refuses a database that already has a schema."""
    with _connect(url) as conn:
        before = schema_version(conn)
        if init and before:
            raise StoreError(
                _("{url} already holds a store (schema {v}); use `db upgrade`").format(
                    url=safe_url(url), v=before
                )
            )
        if not init and not before:
            raise StoreError(_("{url} holds no store yet; use `db init`").format(url=safe_url(url)))
        if before > LATEST:
            raise StoreError(_newer(url, before))
        for number, _name, sql in migrations():
            if number <= before:
                continue
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(sql)
                cur.execute("UPDATE inspect_schema SET version = %s", (number,))
        return before, max(before, LATEST)


def _newer(url: str, version: int) -> str:
    return _(
        "the store {url} has schema {v}, newer than this inspect-tool knows ({known}): "
        "upgrade inspect-tool"
    ).format(url=safe_url(url), v=version, known=LATEST)


# -- accounts -------------------------------------------------------------------------------

ACCOUNT_KINDS = ("department", "unit", "viewer")
SERVER_GROUP = "inspect_server"  # migrations/0002: the province server's roles
ACCOUNT_NAME = re.compile(r"[a-z][a-z0-9_]{2,62}")


def add_account(
    url: str,
    name: str,
    kind: str,
    *,
    unit: str = "",
    province: str = "",
    password: str = "",
    role: str = "",
) -> None:
    """A login role for a person or a laptop, member of the group of its kind, with the unit
    or province it may see. Run by the store's owner.

    The password is the role's database password and, hashed with argon2, its password on the
    province server. The province server may act as the account (the role is granted to
    inspect_server). Kind "server" is the province server's own login role instead: no
    account, member of inspect_server, it has that group's few rights (migrations/0002) and
    may take each account's role. `role` (migrations/0005) refines what the account may do;
    empty, its kind's default role."""
    from psycopg import sql

    if not ACCOUNT_NAME.fullmatch(name):
        raise StoreError(
            _("'{name}': an account name is 3 to 63 lower-case letters, digits or _").format(
                name=name
            )
        )
    if kind not in (*ACCOUNT_KINDS, "server"):
        raise StoreError(_("kind must be department, unit, viewer or server"))
    if kind == "unit" and not unit:
        raise StoreError(_("a unit account needs --unit"))
    password_hash = ""
    if password and kind != "server":
        from ..server.accounts import hash_password

        password_hash = hash_password(password)
    with _connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        _require_schema(conn, url)
        login = sql.Identifier(name)
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
        if cur.fetchone():
            raise StoreError(_("account {name} exists already").format(name=name))
        password_sql = (
            sql.SQL(" PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("")
        )
        if kind == "server":
            cur.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE{}"
                ).format(login, password_sql)
            )
            cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(SERVER_GROUP), login))
            return
        # a plain login role: it owns nothing, does not bypass RLS, and has its group's rights
        cur.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE{}"
            ).format(login, password_sql)
        )
        cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(f"inspect_{kind}"), login))
        _check_role(cur, role, kind)
        cur.execute(
            "INSERT INTO accounts (name, kind, unit, province, password_hash, role) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (name, kind, unit, province, password_hash, role or None),
        )
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (SERVER_GROUP,))
        if cur.fetchone():
            cur.execute(sql.SQL("GRANT {} TO {}").format(login, sql.Identifier(SERVER_GROUP)))


# -- roles (migrations/0005) ------------------------------------------------------------------


def roles(url: str) -> list[tuple[str, str, str, list[str]]]:
    """(name, kind, title, actions) of every role of the store, as its owner reads them."""
    with _connect(url) as conn, conn.cursor() as cur:
        _require_schema(conn, url)
        cur.execute("SELECT name, kind, title, actions FROM roles ORDER BY kind, name")
        return [(n, k, t, list(a)) for n, k, t, a in cur.fetchall()]


def role_kind(url: str, role: str) -> str:
    """The kind of account a role is for (StoreError naming the roles if there is none)."""
    for name, kind, _title, _actions in roles(url):
        if name == role:
            return kind
    raise _unknown_role(role, [r[0] for r in roles(url)])


def _unknown_role(role: str, known: list[str]) -> StoreError:
    return StoreError(
        _("no role '{role}'; the roles are: {roles}").format(role=role, roles=", ".join(known))
    )


def _check_role(cur: Any, role: str, kind: str) -> None:
    """A role given must exist and be of the account's kind (the database checks it too)."""
    if not role:
        return
    cur.execute("SELECT name, kind FROM roles ORDER BY name")
    found = dict(cur.fetchall())
    if role not in found:
        raise _unknown_role(role, sorted(found))
    if found[role] != kind:
        raise StoreError(
            _("role {role} is for {kind} accounts, not {given}").format(
                role=role, kind=found[role], given=kind
            )
        )


def _require_schema(conn: Any, url: str) -> None:
    version = schema_version(conn)
    if version == 0:
        raise StoreError(
            _("{url} holds no store yet: run `inspect-tool db init {url}`").format(
                url=safe_url(url)
            )
        )
    if version < LATEST:
        raise StoreError(
            _(
                "the store {url} has schema {v}; this inspect-tool needs {known}: "
                "run `inspect-tool db upgrade {url}`"
            ).format(url=safe_url(url), v=version, known=LATEST)
        )
    if version > LATEST:
        raise StoreError(_newer(url, version))


def _files_dir(name: str) -> Path:
    """A local folder per central store (and account) for the minutes made from it and the
    app's state, as the embedded store keeps them in its own folder."""
    from platformdirs import user_data_path

    key = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    folder = user_data_path("inspect-tool") / "central" / key
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_account(conn: Any, url: str) -> None:
    """The tool works as an account, never as the store's owner or a role that bypasses
    row-level security: that is what makes "a unit sees only its own" hold."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT r.rolsuper OR r.rolbypassrls, "
            "pg_has_role(current_user, (SELECT tableowner FROM pg_tables "
            "WHERE tablename = 'assessments' AND schemaname = current_schema()), 'MEMBER') "
            "FROM pg_roles r WHERE r.rolname = current_user"
        )
        bypass, owner = cur.fetchone()
    if bypass or owner:
        raise StoreError(
            _(
                "{url}: connect as an account (`inspect-tool db account add`), not as the "
                "store's owner or a superuser: row-level security does not hold for them"
            ).format(url=safe_url(url))
        )


# -- the store ------------------------------------------------------------------------------

UNIT_COLUMNS = ("code", "name", "kind", "parent", "valid_from", "valid_to", "successor")
SUMMARY_COLUMNS = (
    "kind",
    "year",
    "set_id",
    "set_version",
    "state",
    "base",
    "answered",
    "items",
    "total",
    "max_points",
    "index_value",
    "band",
    "updated",
    "created",
    "areas",
)


# -- the read and save paths: one round trip to read, two to save ---------------------------

# Which versions of an assessment's rows are stored: the transaction ids (xmin) of its row and
# of each item's, computed in the statement that reads them (one snapshot). Any write to a row,
# by anyone (another process, another tool, plain SQL), makes a new version with the id of its
# transaction, and an item added or removed changes the list: the same fingerprint, the same
# documents (xmin as a row version, as optimistic-concurrency layers on PostgreSQL use it). A
# copy kept in this process is used only while the server gives its fingerprint. Cheap: no
# document is read to compute it.
FINGERPRINT = (
    "a.xmin::text || '/' || coalesce((SELECT string_agg(i.code || '@' || i.xmin::text, ',' "
    "ORDER BY i.code) FROM items i WHERE i.assessment_id = a.id), '')"
)
# the documents are sent only when the copy kept here (its fingerprint: %(known)s) is not it
READ_ONE = (
    f"WITH s AS MATERIALIZED (SELECT a.header, {FINGERPRINT} AS fp FROM assessments a "
    "WHERE a.id = %(id)s) "
    "SELECT fp, CASE WHEN fp = %(known)s THEN NULL ELSE header END, "
    "CASE WHEN fp = %(known)s THEN NULL ELSE (SELECT coalesce(jsonb_agg(doc ORDER BY code), "
    "'[]') FROM items WHERE assessment_id = %(id)s) END FROM s"
)
# what a save depends on, read under the lock in one statement (a row even when the
# assessment is new): the rows' fingerprint, the unit's province, the audit chain's head
UNDER_LOCK = (
    f"{FINGERPRINT} AS fp, (SELECT province FROM units WHERE code = %(unit)s) AS province, "
    "(SELECT entry FROM audit WHERE log = %(id)s ORDER BY seq DESC LIMIT 1) AS head "
    "FROM (SELECT 1) AS one LEFT JOIN assessments a ON a.id = %(id)s"
)
SAVE_READ = f"SELECT a.version, a.header->>'updated', {UNDER_LOCK}"
# the same, as the copy kept here says it is; otherwise the transaction stops, writing
# nothing (migrations/0008: SQLSTATE EXPECTATION_UNMET)
SAVE_EXPECT = (
    "SELECT inspect_expect((s.fp, coalesce(s.province, ''), s.head) "
    f"IS NOT DISTINCT FROM (%(fp)s, %(province)s, %(head)s)) FROM (SELECT {UNDER_LOCK}) AS s"
)
EXPECTATION_UNMET = "IT409"
ROW_UPSERT = (
    "INSERT INTO assessments (id, unit, province, version, header, summarized, "
    f"{', '.join(SUMMARY_COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s, "
    f"{', '.join(['%s'] * len(SUMMARY_COLUMNS))}) "
    "ON CONFLICT (id) DO UPDATE SET unit = EXCLUDED.unit, "
    "province = EXCLUDED.province, version = EXCLUDED.version, "
    "header = EXCLUDED.header, summarized = EXCLUDED.summarized, "
    f"{', '.join(f'{c} = EXCLUDED.{c}' for c in SUMMARY_COLUMNS)}"
)
# items given as two arrays (codes, documents): one statement however many; an item equal
# to the stored one is left as it is
ITEMS_UPSERT = (
    "INSERT INTO items (assessment_id, code, unit, province, doc) "
    "SELECT %s, t.code, %s, %s, t.doc "
    "FROM ROWS FROM (unnest(%s::text[]), jsonb_array_elements(%s::jsonb)) AS t(code, doc) "
    "ON CONFLICT (assessment_id, code) DO UPDATE SET doc = EXCLUDED.doc "
    "WHERE items.doc IS DISTINCT FROM EXCLUDED.doc"
)
_UNREAD = object()  # _append: the chain head was not read by the caller
KEPT_COPIES = 256


@dataclass(frozen=True)
class _Kept:
    """An assessment as this process last read or wrote it, with its stored fingerprint and
    its item documents (to compute what a save changes)."""

    fp: str
    assessment: Assessment
    docs: dict[str, dict]
    # as this process wrote them (None: only read): the unit's province and the text of the
    # audit chain's last entry, so that its next save can be sent in one round trip
    province: str | None = None
    head: str | None = None

    def copy(self) -> Assessment:
        # the model is frozen; its items mapping is a dict: each caller gets its own
        return dataclasses.replace(self.assessment, items=dict(self.assessment.items))


class _KeptCopies:
    """A bounded map id → _Kept, safe for the server's threads."""

    def __init__(self, limit: int = KEPT_COPIES):
        self._copies: dict[str, _Kept] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, ident: str) -> _Kept | None:
        with self._lock:
            return self._copies.get(ident)

    def put(self, ident: str, kept: _Kept) -> None:
        with self._lock:
            self._copies.pop(ident, None)
            if len(self._copies) >= self._limit:
                del self._copies[next(iter(self._copies))]  # the oldest
            self._copies[ident] = kept

    def drop(self, ident: str) -> None:
        with self._lock:
            self._copies.pop(ident, None)


def _by_code(docs: list[dict]) -> dict[str, dict]:
    return {str(d.get("code", "")): d for d in docs}


class PgStore:
    """The Store interface on PostgreSQL (see the module docstring)."""

    def __init__(self, url: str, *, user: str, write: bool = True, pool_size: int = 4):
        from psycopg_pool import ConnectionPool

        self.url = url
        self.path = safe_url(url)  # how the store is named; never a folder
        self.user = user
        self.role: str | None = None  # as_role: the role each transaction takes
        self.write = write
        self.files_dir = _files_dir(self.path)
        with _connect(url) as conn:
            _require_schema(conn, url)
            _require_account(conn, url)
        self.pool = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=True, kwargs={"autocommit": False}
        )
        self._kept = _KeptCopies()  # shared with as_role's copies: a hit needs the server's word
        self.saves_in_one_trip = 0  # how many saves `_save_expected` made (the benchmark says)

    def as_role(self, role: str, user: str) -> PgStore:
        """This store's connections, each transaction carried out as `role` (SET LOCAL ROLE),
        by `user`: how the province server acts as an account, so that row-level security
        holds for each request. The connecting role must be a member of `role`; closing the
        result leaves the pool open (it is this store's)."""
        other = copy.copy(self)
        other.role = role
        other.user = user
        other.close = lambda: None  # type: ignore[method-assign]
        return other

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """One transaction; who acts is set inside it (`inspect.user`), as the audit and a
        server's checks read it."""
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            self._identify(cur)
            yield cur

    def _identify(self, cur: Any, lock: str | None = None) -> None:
        """Who acts (the role taken, as SET LOCAL ROLE does, and `inspect.user`) and, given
        `lock`, the transaction's advisory lock on that name: one statement, one round trip."""
        parts, args = ["set_config('inspect.user', %s, true)"], [self.user]
        if self.role is not None:
            parts.insert(0, "set_config('role', %s, true)")
            args.insert(0, self.role)
        if lock is not None:
            parts.append("pg_advisory_xact_lock(hashtext(%s))")
            args.append(lock)
        cur.execute("SELECT " + ", ".join(parts), args)

    @contextmanager
    def _one_trip(self, lock: str | None = None) -> Iterator[Any]:
        """A transaction sent as a pipeline: BEGIN, the identity and the statements go out
        together, a fetch waits for the answers so far, and COMMIT leaves with the last
        statements; so a read is one round trip and a save two. (psycopg's own
        `transaction()` in a pipeline waits after BEGIN and around its block: three more,
        each a wait for the server, long when many writers share two cores.) The block
        gets the connection; results are fetched after it, once the COMMIT has answered.
        `lock`: the advisory lock to take first (see `_identify`)."""
        from psycopg.pq import TransactionStatus

        with self.pool.connection() as conn:
            conn.autocommit = True  # BEGIN and COMMIT are ours: psycopg adds no wait
            try:
                with conn.pipeline(), conn.cursor() as cur:
                    cur.execute("BEGIN")
                    self._identify(cur, lock)
                    yield conn
                    cur.execute("COMMIT")
            except BaseException:
                if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                    conn.rollback()
                raise
            finally:
                if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
                    conn.close()  # the pool drops it rather than lend a connection in doubt
                else:
                    conn.autocommit = False

    def _rows(self, sql: str, args: Any = None) -> list[tuple]:
        """The rows of one read-only statement, in one round trip (`_one_trip`). `_tx` costs
        four, each a wait (BEGIN, the identity, the statement, COMMIT): reads made on every
        answer (the campaigns it may belong to) and the ranking's, looped by a reader, paid
        them in the queue of two cores."""
        with self._one_trip() as conn:
            cur = conn.cursor()
            cur.execute(sql, args)
        return cur.fetchall()

    @property
    def writable(self) -> bool:
        return self.write

    def _writable(self) -> None:
        if not self.write:
            raise StoreError(_("the store was opened read-only: nothing was changed"))

    # -- units ---------------------------------------------------------------------------------

    def units(self) -> list[Unit]:
        rows = self._rows(f"SELECT {', '.join(UNIT_COLUMNS)} FROM units ORDER BY code")
        return [Unit(*row) for row in rows]

    def unit(self, code: str) -> Unit | None:
        rows = self._rows(f"SELECT {', '.join(UNIT_COLUMNS)} FROM units WHERE code = %s", (code,))
        return Unit(*rows[0]) if rows else None

    def put_units(self, units: list[Unit], changes: list[Change]) -> None:
        self._writable()
        columns = ", ".join(UNIT_COLUMNS)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in UNIT_COLUMNS[1:])
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (STORE_LOG,))
            cur.executemany(
                f"INSERT INTO units ({columns}, province) VALUES "
                f"({', '.join(['%s'] * len(UNIT_COLUMNS))}, %s) "
                f"ON CONFLICT (code) DO UPDATE SET {updates}, province = EXCLUDED.province",
                [(*(getattr(u, c) for c in UNIT_COLUMNS), u.parent) for u in units],
            )
            self._append(cur, STORE_LOG, "", "", changes, None)

    # -- assessments ---------------------------------------------------------------------------

    def assessment_ids(self) -> list[str]:
        return [row[0] for row in self._rows("SELECT id FROM assessments ORDER BY id")]

    def assessment(self, assessment_id: str) -> Assessment:
        """One statement, one round trip: the stored fingerprint, and the documents only when
        the copy this store last read or wrote (`_kept`) is not current."""
        kept = self._kept.get(assessment_id)
        with self._one_trip() as conn:
            read = conn.cursor()
            read.execute(READ_ONE, {"id": assessment_id, "known": kept.fp if kept else ""})
        row = read.fetchone()
        if row is None:
            raise KeyError(assessment_id)
        fp, header, docs = row
        if header is None and kept is not None:
            return kept.copy()
        items = list(docs or [])
        assessment = assessment_from_docs(header, items)
        self._kept.put(assessment_id, _Kept(fp, assessment, _by_code(items)))
        return assessment

    def assessments(self) -> list[Assessment]:
        with self._tx() as cur:
            cur.execute("SELECT id, header FROM assessments ORDER BY id")
            headers = cur.fetchall()
            cur.execute("SELECT assessment_id, doc FROM items ORDER BY assessment_id, code")
            items: dict[str, list[dict]] = {}
            for ident, doc in cur.fetchall():
                items.setdefault(ident, []).append(doc)
        return [assessment_from_docs(header, items.get(ident, [])) for ident, header in headers]

    def save(
        self,
        assessment: Assessment,
        changes: list[Change],
        history: list[dict] | None = None,
        *,
        summary: Summary | None = None,
    ) -> None:
        """One transaction: the header, the items that changed, the summary and the audit
        entries; refused (StaleError) when the stored version is not the one it was read at.

        One round trip when this store wrote the assessment last (`_save_expected`), else two
        (`_save_read_first`). Only the items that differ from the stored ones are written:
        when the stored fingerprint is that of the copy this store last read or wrote, the
        difference is computed here; otherwise the server compares every item (`ITEMS_UPSERT`
        writes only those that differ)."""
        import psycopg

        self._writable()
        header = header_to_doc(assessment)
        wanted = {code: item_to_doc(item) for code, item in assessment.items.items()}
        content = audit.content_hash(header, wanted.values())
        docs = (header, wanted, content)
        kept = self._kept.get(assessment.id)
        if kept and kept.head and not history and assessment.version == kept.assessment.version + 1:
            try:
                self._save_expected(assessment, changes, summary, docs, kept)
                return
            except psycopg.Error as exc:
                if exc.sqlstate != EXPECTATION_UNMET:
                    raise
        self._save_read_first(assessment, changes, history, summary, docs, kept)

    def _save_expected(
        self, assessment: Assessment, changes: list[Change], summary: Any, docs: tuple, kept: _Kept
    ) -> None:
        """The save in one round trip: BEGIN, the lock, what the save expects to find under
        it (SAVE_EXPECT: the kept copy's fingerprint, province and chain head), the writes
        and COMMIT in one pipeline. When the stored rows are not the kept copy the server
        stops the transaction (EXPECTATION_UNMET), nothing is written, and `save` reads
        first: a stale save is refused there exactly as before."""
        header, wanted, content = docs
        province = kept.province or ""
        expected = {"id": assessment.id, "unit": assessment.unit, "fp": kept.fp}
        with self._one_trip(lock=assessment.id) as conn, conn.cursor() as cur:
            cur.execute(SAVE_EXPECT, {**expected, "province": province, "head": kept.head})
            written = self._write(
                conn, cur, assessment, province, (header, summary, wanted, kept.docs, True),
                changes, content, json.loads(kept.head or "null"),
            )  # fmt: skip
        self._keep(assessment, wanted, province, *written)
        self.saves_in_one_trip += 1

    def _save_read_first(
        self,
        assessment: Assessment,
        changes: list[Change],
        history: list[dict] | None,
        summary: Any,
        docs: tuple,
        kept: _Kept | None,
    ) -> None:
        """The save in two round trips: (1) BEGIN, the identity, the lock on the assessment,
        then one read of its version, fingerprint, province and audit chain head, all taken
        after the lock; (2) the writes, the new fingerprint and COMMIT."""
        header, wanted, content = docs
        with self._one_trip(lock=assessment.id) as conn, conn.cursor() as cur:
            read = conn.cursor()
            read.execute(SAVE_READ, {"id": assessment.id, "unit": assessment.unit})
            version, updated, fp, province, head = read.fetchone()  # round trip 1
            exists = version is not None
            self._check_version(assessment, changes, version, updated)
            province = province or ""
            stored = kept.docs if kept and exists and fp is not None and fp == kept.fp else None
            last = json.loads(head) if head else None
            if history and not exists:
                self._insert_entries(cur, assessment.id, assessment.unit, province, history)
                last = max([*history, *([last] if last else [])], key=lambda e: int(e["seq"]))
            written = self._write(
                conn, cur, assessment, province, (header, summary, wanted, stored, exists),
                changes, content, last,
            )  # fmt: skip
        self._keep(assessment, wanted, province, *written)  # round trip 2 ended with COMMIT

    def _write(
        self,
        conn: Any,
        cur: Any,
        assessment: Assessment,
        province: str,
        rows: tuple,
        changes: list[Change],
        content: str,
        last: Any,
    ) -> tuple[Any, Any]:
        """A save's writes (`rows`: header, summary, wanted and stored item documents,
        whether the row exists), its audit entries after `last`, and the new fingerprint
        asked for; returns (the cursor that will hold the fingerprint, the chain's head)."""
        header, summary, wanted, stored, exists = rows
        self._write_row(cur, assessment, province, header, summary)
        self._write_items(cur, assessment, province, wanted, stored, exists)
        last = self._append(cur, assessment.id, assessment.unit, province, changes, content, last)
        read = conn.cursor()
        read.execute(f"SELECT {FINGERPRINT} FROM assessments a WHERE a.id = %s", (assessment.id,))
        return read, last

    def _keep(
        self, assessment: Assessment, wanted: dict, province: str, read: Any, last: Any
    ) -> None:
        """Keep the copy just committed, with what its next save expects to find."""
        after = read.fetchone()
        if after and after[0] is not None:
            head = json.dumps(last, ensure_ascii=False) if last else None
            self._kept.put(assessment.id, _Kept(after[0], assessment, wanted, province, head))

    @staticmethod
    def _check_version(
        assessment: Assessment, changes: list[Change], stored: int | None, updated: str | None
    ) -> None:
        """A save names the version it was read at: the stored one must be the one before
        it. A save of the same version with no change keeps a summary; version 0 (a new or
        imported assessment) is not checked."""
        version = assessment.version
        same = stored is not None and stored == version and not changes  # a summary kept
        if stored is not None and version and stored != version - 1 and not same:
            raise StaleError(
                _(
                    "assessment {id} was changed by someone else since it was read "
                    "(last change {when}): read it again; nothing was written"
                ).format(id=assessment.id[:8], when=updated or "?")
            )

    def _write_row(
        self,
        cur: Any,
        assessment: Assessment,
        province: str,
        header: dict,
        summary: Summary | None,
    ) -> None:
        from psycopg.types.json import Jsonb

        cur.execute(
            ROW_UPSERT,
            (
                assessment.id,
                assessment.unit,
                province,
                assessment.version,
                Jsonb(header),
                summary is not None,
                *self._summary_values(assessment, summary),
            ),
        )

    @staticmethod
    def _write_items(
        cur: Any,
        assessment: Assessment,
        province: str,
        wanted: dict[str, dict],
        stored: dict[str, dict] | None,
        exists: bool,
    ) -> None:
        """The items that differ from `stored` (the stored documents when known here), in
        one statement; with `stored` unknown, all of them, the server keeping those equal."""
        from psycopg.types.json import Jsonb

        if stored is None:
            write, gone = wanted, None
        else:
            write = {code: doc for code, doc in wanted.items() if stored.get(code) != doc}
            gone = [code for code in stored if code not in wanted]
        if write:
            cur.execute(
                ITEMS_UPSERT,
                (
                    assessment.id,
                    assessment.unit,
                    province,
                    list(write),
                    Jsonb(list(write.values())),
                ),
            )
        if stored is None and exists:
            cur.execute(
                "DELETE FROM items WHERE assessment_id = %s AND code <> ALL(%s)",
                (assessment.id, list(wanted)),
            )
        elif gone:
            cur.execute(
                "DELETE FROM items WHERE assessment_id = %s AND code = ANY(%s)",
                (assessment.id, gone),
            )

    @staticmethod
    def _summary_values(assessment: Assessment, summary: Summary | None) -> tuple:
        if summary is None:  # what the assessment itself says; scores are the workflow's
            summary = Summary(
                assessment.id, assessment.unit, assessment.kind, assessment.year,
                assessment.set_id, assessment.set_version, assessment.state, assessment.base,
                0, 0, 0.0, 0.0, 0.0, "", assessment.updated, assessment.created,
            )  # fmt: skip
        from psycopg.types.json import Jsonb

        return (
            summary.kind,
            summary.year,
            summary.set_id,
            summary.set_version,
            summary.state,
            summary.base,
            summary.answered,
            summary.items,
            summary.total,
            summary.max_points,
            summary.index,
            summary.band,
            summary.updated,
            summary.created,
            Jsonb([list(area) for area in summary.areas]),
        )

    @staticmethod
    def _province(cur: Any, unit: str) -> str:
        cur.execute("SELECT province FROM units WHERE code = %s", (unit,))
        row = cur.fetchone()
        return row[0] if row else ""

    def _append(
        self,
        cur: Any,
        log: str,
        unit: str,
        province: str,
        changes: list[Change],
        content: str | None,
        last: Any = _UNREAD,
    ) -> Any:
        """The audit entries of `changes`, chained after `last` (the log's last entry, read
        here unless the caller read it under its lock already); returns the log's last entry."""
        if last is _UNREAD:
            cur.execute("SELECT entry FROM audit WHERE log = %s ORDER BY seq DESC LIMIT 1", (log,))
            row = cur.fetchone()
            last = json.loads(row[0]) if row else None
        entries = []
        for change in changes:
            last = audit.chain(last, self.user, change.what, change.old, change.new, content)
            entries.append(last)
        self._insert_entries(cur, log, unit, province, entries)
        return last

    @staticmethod
    def _insert_entries(cur: Any, log: str, unit: str, province: str, entries: list[dict]):
        if entries:
            cur.executemany(
                "INSERT INTO audit (log, seq, unit, province, entry) VALUES (%s, %s, %s, %s, %s)",
                [
                    (log, int(e["seq"]), unit, province, json.dumps(e, ensure_ascii=False))
                    for e in entries
                ],
            )

    def delete(self, assessment_id: str, changes: list[Change]) -> None:
        """Delete an assessment; the deletion is recorded in its own log, which stays."""
        self._writable()
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (assessment_id,))
            cur.execute(
                "DELETE FROM assessments WHERE id = %s RETURNING unit, province",
                (assessment_id,),
            )
            row = cur.fetchone()
            if row is None:
                raise KeyError(assessment_id)
            self._append(cur, assessment_id, row[0], row[1], changes, None)
        self._kept.drop(assessment_id)

    def audit_log(self, assessment_id: str) -> list[dict]:
        rows = self._rows("SELECT entry FROM audit WHERE log = %s ORDER BY seq", (assessment_id,))
        if not rows:
            raise KeyError(assessment_id)
        return [json.loads(r[0]) for r in rows]

    def audit_log_name(self, assessment_id: str) -> str:
        return assessment_id

    def summaries(self) -> list[Summary]:
        """Every summarized assessment, by id, in one query. The areas come as text, parsed
        in one call (psycopg parses each row's jsonb on its own: 4,100 calls at the nation's
        size), and the ids are sorted bytewise (COLLATE "C", as the embedded store sorts
        them) rather than by the database's locale."""
        rows = self._rows(
            f"SELECT id, unit, {', '.join(SUMMARY_COLUMNS[:-1])}, areas::text FROM assessments "
            'WHERE summarized ORDER BY id COLLATE "C"'
        )
        areas = json.loads("[" + ",".join(row[-1] for row in rows) + "]")
        return [
            Summary(*row[:-1], areas=tuple((str(c), float(p), float(m)) for c, p, m in parts))
            for row, parts in zip(rows, areas, strict=True)
        ]

    # -- evidence files ------------------------------------------------------------------------

    def keep_file(self, source: Path) -> str:
        self._writable()
        with open(source, "rb") as f:
            data = f.read(MAX_EVIDENCE_BYTES + 1)
        if len(data) > MAX_EVIDENCE_BYTES:
            raise StoreError(
                _("{name} is larger than {limit} MB: it cannot be attached").format(
                    name=Path(source).name, limit=MAX_EVIDENCE_BYTES // (1024 * 1024)
                )
            )
        sha = hashlib.sha256(data).hexdigest()
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO evidence (sha256, data) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (sha, data),
            )
        return sha

    def evidence_file(self, sha256: str) -> Path | None:
        """The file, copied out of the database into the user's cache (by its hash)."""
        from platformdirs import user_cache_path

        from ..output import write_bytes

        if not sha256 or not sha256.isalnum():
            return None
        cached = user_cache_path("inspect-tool") / "evidence" / sha256
        if cached.exists():
            return cached
        with self._tx() as cur:
            cur.execute("SELECT data FROM evidence WHERE sha256 = %s", (sha256,))
            row = cur.fetchone()
        if row is None:
            return None
        cached.parent.mkdir(parents=True, exist_ok=True)
        return write_bytes(cached, bytes(row[0]), force=True)

    # -- pinned criteria sets ------------------------------------------------------------------

    def pin_set(self, set_hash: str, text: str) -> None:
        self._writable()
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO sets (hash, text) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (set_hash, text),
            )

    def pinned_set(self, set_hash: str) -> str | None:
        rows = self._rows("SELECT text FROM sets WHERE hash = %s", (set_hash,))
        return rows[0][0] if rows else None

    # -- audit ---------------------------------------------------------------------------------

    def audit_logs(self) -> Iterator[tuple[str, list[dict]]]:
        with self._tx() as cur:
            cur.execute("SELECT log, entry FROM audit ORDER BY log, seq")
            rows = cur.fetchall()
        logs: dict[str, list[dict]] = {}
        for log, entry in rows:
            logs.setdefault(log, []).append(json.loads(entry))
        yield from logs.items()

    # -- campaigns -----------------------------------------------------------------------------
    #
    # migrations/0004: the header in `campaigns` and each unit's track in `campaign_tracks`
    # (the Department writes them), each unit's explanations in `campaign_explanations` (the
    # unit writes its own); a save writes only the rows that changed, so a unit's save of its
    # explanations touches no row it may not write. Logs "campaign:<id>" and
    # "campaign:<id>:<unit>" in the audit table.

    def campaign_ids(self) -> list[str]:
        return [row[0] for row in self._rows("SELECT id FROM campaigns ORDER BY id")]

    def campaign(self, campaign_id: str) -> Campaign:
        with self._tx() as cur:
            cur.execute("SELECT header FROM campaigns WHERE id = %s", (campaign_id,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(campaign_id)
            cur.execute(
                "SELECT unit, doc FROM campaign_tracks WHERE campaign_id = %s ORDER BY unit",
                (campaign_id,),
            )
            tracks = {unit: doc for unit, doc in cur.fetchall()}
            cur.execute(
                "SELECT unit, item, doc FROM campaign_explanations WHERE campaign_id = %s",
                (campaign_id,),
            )
            for unit, item, doc in cur.fetchall():
                if unit in tracks:
                    tracks[unit].setdefault("explanations", {})[item] = doc
        return campaign_from_docs(row[0], list(tracks.values()))

    def save_campaign(self, campaign: Campaign, changes: list[Change], *, unit: str = "") -> None:
        from psycopg.types.json import Jsonb

        self._writable()
        header = campaign_header_doc(campaign)
        tracks = {code: track_doc(t) for code, t in campaign.tracks.items()}
        if unit and unit not in tracks:
            raise KeyError(unit)
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"campaign:{campaign.id}",))
            if not unit:
                cur.execute(
                    "INSERT INTO campaigns (id, province, year, units, header) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
                    "province = EXCLUDED.province, year = EXCLUDED.year, "
                    "units = EXCLUDED.units, header = EXCLUDED.header",
                    (campaign.id, campaign.province, campaign.year, sorted(tracks), Jsonb(header)),
                )
            for code in [unit] if unit else sorted(tracks):
                self._save_track(cur, campaign, tracks[code], whole=not unit)
            if not unit:
                cur.execute(
                    "DELETE FROM campaign_tracks WHERE campaign_id = %s AND NOT unit = ANY(%s)",
                    (campaign.id, sorted(tracks)),
                )
            log = f"campaign:{campaign.id}:{unit}" if unit else f"campaign:{campaign.id}"
            self._append(cur, log, unit, campaign.province, changes, None)

    @staticmethod
    def _save_track(cur: Any, campaign: Campaign, doc: dict[str, Any], *, whole: bool) -> None:
        """A track's row, or its explanations' rows: never both from one copy, so that the
        Department's decision and the unit's explanation, made at once, are both kept.

        A track the Department changed is written only over the version it was read at
        (StaleError otherwise); moving it back before it was sent drops its explanations. A
        save whose track is unchanged writes the explanations that differ (a unit's save).
        A campaign's own save (`whole`) only adds the tracks that are not there yet."""
        from psycopg.types.json import Jsonb

        unit, key = doc["unit"], campaign.id
        explanations = doc.pop("explanations")
        cur.execute(
            "SELECT doc FROM campaign_tracks WHERE campaign_id = %s AND unit = %s", (key, unit)
        )
        row = cur.fetchone()
        if row is not None and row[0] != doc:
            if whole:
                return  # the campaign's header changed; its tracks are the steps' to change
            if int(row[0].get("version") or 0) != doc["version"] - 1:
                raise StaleError(
                    _(
                        "unit {unit} in campaign {campaign} was changed by someone else since "
                        "it was read: read it again; nothing was written"
                    ).format(unit=unit, campaign=key)
                )
        if row is None or row[0] != doc:
            cur.execute(
                "INSERT INTO campaign_tracks (campaign_id, unit, province, doc) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (campaign_id, unit) "
                "DO UPDATE SET doc = EXCLUDED.doc, province = EXCLUDED.province",
                (key, unit, campaign.province, Jsonb(doc)),
            )
            if row is not None and not doc["sent"]:
                cur.execute(
                    "DELETE FROM campaign_explanations WHERE campaign_id = %s AND unit = %s",
                    (key, unit),
                )
            return
        cur.execute(
            "SELECT item, doc FROM campaign_explanations WHERE campaign_id = %s AND unit = %s",
            (key, unit),
        )
        stored = dict(cur.fetchall())
        for item, value in explanations.items():
            if stored.get(item) != value:
                cur.execute(
                    "INSERT INTO campaign_explanations (campaign_id, unit, item, province, doc) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (campaign_id, unit, item) "
                    "DO UPDATE SET doc = EXCLUDED.doc",
                    (key, unit, item, campaign.province, Jsonb(value)),
                )

    def campaign_log(self, campaign_id: str, unit: str = "") -> list[dict]:
        log = f"campaign:{campaign_id}:{unit}" if unit else f"campaign:{campaign_id}"
        rows = self._rows("SELECT entry FROM audit WHERE log = %s ORDER BY seq", (log,))
        return [json.loads(r[0]) for r in rows]

    # -- recommendations -----------------------------------------------------------------------
    # One row per recommendation followed up (migrations/0006), its audit chain in `audit`
    # under the record's id; a save locks only its record and is refused on a stale copy.

    def followups(self, unit: str | None = None) -> list[FollowUp]:
        with self._tx() as cur:
            if unit is None:
                cur.execute("SELECT doc FROM followups ORDER BY id")
            else:
                cur.execute("SELECT doc FROM followups WHERE unit = %s ORDER BY id", (unit,))
            rows = cur.fetchall()
        return [followup_from_doc(row[0]) for row in rows]

    def followup(self, followup_id: str) -> FollowUp:
        rows = self._rows("SELECT doc FROM followups WHERE id = %s", (followup_id,))
        if not rows:
            raise KeyError(followup_id)
        return followup_from_doc(rows[0][0])

    def save_followup(
        self, record: FollowUp, changes: list[Change], history: list[dict] | None = None
    ) -> None:
        """One transaction; a write row-level security refuses is said as such, not as a
        database error."""
        import psycopg

        self._writable()
        try:
            self._save_followup(record, changes, history)
        except psycopg.errors.InsufficientPrivilege:
            raise StoreError(
                _("recommendation {id} may not be changed by this account").format(id=record.id)
            ) from None

    def _save_followup(
        self, record: FollowUp, changes: list[Change], history: list[dict] | None
    ) -> None:
        from psycopg.types.json import Jsonb

        doc = followup_to_doc(record)
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (record.id,))
            cur.execute("SELECT version FROM followups WHERE id = %s", (record.id,))
            row = cur.fetchone()
            if row is not None and row[0] != record.version - 1:
                raise StaleError(
                    _(
                        "recommendation {id} was changed since it was read: read it again; "
                        "nothing was written"
                    ).format(id=record.id)
                )
            province = self._province(cur, record.unit)
            values = (record.state, record.version, Jsonb(doc), record.id)
            if row is None:
                cur.execute(
                    "INSERT INTO followups (state, version, doc, id, assessment_id, unit, "
                    "province) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (*values, record.assessment, record.unit, province),
                )
            else:
                cur.execute(
                    "UPDATE followups SET state = %s, version = %s, doc = %s WHERE id = %s",
                    values,
                )
                if cur.rowcount != 1:  # row-level security let the account read, not write
                    raise StoreError(
                        _("recommendation {id} may not be changed by this account").format(
                            id=record.id
                        )
                    )
            if history and row is None:  # a bundle's record: its log first, then ours
                self._insert_entries(cur, record.id, record.unit, province, history)
            content = hashlib.sha256(audit.canonical(doc)).hexdigest()
            self._append(cur, record.id, record.unit, province, changes, content)

    def followup_log(self, followup_id: str) -> list[dict]:
        return self.audit_log(followup_id)

    def account_kind(self) -> str:
        rows = self._rows("SELECT inspect_account_kind(current_user)")
        return (rows[0][0] if rows else "") or ""

    # -- sync ----------------------------------------------------------------------------------
    #
    # The province server writes what laptops push (inspect_tool/server/sync.py): documents and
    # audit entries stored as sent, under the assessment's lock, only on the head they follow.
    # A central store does not itself sync: it is what laptops sync with.

    def sync_state(self) -> dict[str, Any]:
        raise StoreError(_("the central store does not sync: laptops sync with its server"))

    def put_sync_state(self, state: dict[str, Any]) -> None:
        raise StoreError(_("the central store does not sync: laptops sync with its server"))

    def replace_synced(
        self,
        assessment: Assessment,
        log: list[dict],
        *,
        expect_head: str,
        summary: Summary | None = None,
    ) -> bool:
        raise StoreError(_("the central store does not sync: laptops sync with its server"))

    def sync_heads(self) -> dict[str, dict[str, Any]]:
        rows = self._rows(
            "SELECT DISTINCT ON (a.log) a.log, a.seq, a.entry FROM audit a "
            "JOIN assessments s ON s.id = a.log ORDER BY a.log, a.seq DESC"
        )
        return {log: {"seq": seq, "hash": json.loads(entry)["hash"]} for log, seq, entry in rows}

    def sync_store(
        self,
        assessment: Assessment,
        entries: list[dict],
        *,
        expect_head: str,
        summary: Summary | None = None,
    ) -> None:
        """One transaction under the assessment's lock: refused (StaleError) unless its head is
        still `expect_head`; then the documents as `save` writes them, and `entries` appended
        as they are (their own seq and hash), so the chain stays the laptop's, byte for byte.
        What the database refuses (row-level security: another unit's id) is a StoreError."""
        import psycopg

        try:
            self._sync_store(assessment, entries, expect_head, summary)
        except psycopg.Error as exc:
            raise StoreError(
                _("the store refused assessment {id}: {why}").format(
                    id=assessment.id[:8], why=str(exc).strip().splitlines()[0]
                )
            ) from None

    def _sync_store(
        self, assessment: Assessment, entries: list[dict], expect_head: str, summary: Any
    ) -> None:
        self._writable()
        header = header_to_doc(assessment)
        wanted = {code: item_to_doc(item) for code, item in assessment.items.items()}
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (assessment.id,))
            cur.execute(
                "SELECT entry FROM audit WHERE log = %s ORDER BY seq DESC LIMIT 1",
                (assessment.id,),
            )
            row = cur.fetchone()
            head = json.loads(row[0])["hash"] if row else ""
            if head != expect_head:
                raise StaleError(
                    _("assessment {id} changed meanwhile: nothing was written").format(
                        id=assessment.id[:8]
                    )
                )
            province = self._province(cur, assessment.unit)
            # the documents as `save` writes them (the server keeps the items that are equal)
            self._write_row(cur, assessment, province, header, summary)
            self._write_items(cur, assessment, province, wanted, None, exists=True)
            self._insert_entries(cur, assessment.id, assessment.unit, province, entries)

    def sync_acked(self, device: str, assessment_id: str) -> int:
        rows = self._rows(
            "SELECT seq FROM sync_devices WHERE device = %s AND assessment_id = %s",
            (device, assessment_id),
        )
        return int(rows[0][0]) if rows else 0

    def sync_ack(self, device: str, assessment: Assessment, seq: int, head: str) -> None:
        with self._tx() as cur:
            province = self._province(cur, assessment.unit)
            cur.execute(
                "INSERT INTO sync_devices (device, assessment_id, unit, province, seq, hash) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (device, assessment_id) DO UPDATE "
                "SET seq = GREATEST(sync_devices.seq, EXCLUDED.seq), hash = CASE WHEN "
                "EXCLUDED.seq >= sync_devices.seq THEN EXCLUDED.hash ELSE sync_devices.hash END, "
                "at = now()",
                (device, assessment.id, assessment.unit, province, seq, head),
            )

    # -- the progress board (migrations/0005) --------------------------------------------------

    def progress(self) -> list[ProgressRow]:
        """Every unit the account sees with its summarized assessments, in one query."""
        rows = self._rows(
            "SELECT u.code, u.name, u.kind, coalesce(a.id, ''), coalesce(a.kind, ''), "
            "coalesce(a.year, 0), coalesce(a.set_id, ''), coalesce(a.state, ''), "
            "coalesce(a.answered, 0), coalesce(a.items, 0), coalesce(a.index_value, 0), "
            "coalesce(a.band, ''), coalesce(a.updated, ''), coalesce(a.updated_by, '') "
            "FROM units u LEFT JOIN assessments a ON a.unit = u.code AND a.summarized "
            "ORDER BY u.code, a.year, a.created, a.id"
        )
        return [ProgressRow(*row) for row in rows]

    def watch(self, stop: Any, wait: float = 0.5) -> Iterator[frozenset[str] | None]:
        """Saves by any writer, as they are committed: LISTEN on a dedicated connection (not
        the pool's). Yields None first and after each reconnection (read everything again:
        what was saved while the connection was down sent nothing), then the ids saved,
        gathered `wait` seconds at a time, until `stop` (a threading.Event) is set."""
        import psycopg

        attempt = 0
        while not stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {PROGRESS_CHANNEL}")
                    attempt = 0
                    yield None
                    while not stop.is_set():
                        ids = frozenset(n.payload for n in conn.notifies(timeout=wait))
                        if ids:
                            yield ids
            except psycopg.OperationalError:
                stop.wait(RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
                attempt += 1


PROGRESS_CHANNEL = "inspect_progress"  # migrations/0005: NOTIFY in each save's transaction
RECONNECT_SECONDS = (0.5, 1, 2, 5, 10)  # waits between attempts to listen again
