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

The schema is plain numbered SQL files in `migrations/`, applied by `db init` and `db upgrade`;
a database whose schema is older or newer than the tool is refused with the command to run.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..i18n import _
from ..model import Assessment, Unit
from . import audit
from .codec import assessment_from_docs, header_to_doc, item_to_doc
from .interface import Change, ProgressRow, StoreError, Summary, is_url  # noqa: F401

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
            if self.role is not None:  # SET LOCAL ROLE and the user in one round trip
                cur.execute(
                    "SELECT set_config('role', %s, true), set_config('inspect.user', %s, true)",
                    (self.role, self.user),
                )
            else:
                cur.execute("SELECT set_config('inspect.user', %s, true)", (self.user,))
            yield cur

    @property
    def writable(self) -> bool:
        return self.write

    def _writable(self) -> None:
        if not self.write:
            raise StoreError(_("the store was opened read-only: nothing was changed"))

    # -- units ---------------------------------------------------------------------------------

    def units(self) -> list[Unit]:
        with self._tx() as cur:
            cur.execute(f"SELECT {', '.join(UNIT_COLUMNS)} FROM units ORDER BY code")
            return [Unit(*row) for row in cur.fetchall()]

    def unit(self, code: str) -> Unit | None:
        with self._tx() as cur:
            cur.execute(f"SELECT {', '.join(UNIT_COLUMNS)} FROM units WHERE code = %s", (code,))
            row = cur.fetchone()
        return Unit(*row) if row else None

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
        with self._tx() as cur:
            cur.execute("SELECT id FROM assessments ORDER BY id")
            return [row[0] for row in cur.fetchall()]

    def assessment(self, assessment_id: str) -> Assessment:
        with self._tx() as cur:
            cur.execute("SELECT header FROM assessments WHERE id = %s", (assessment_id,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(assessment_id)
            cur.execute(
                "SELECT doc FROM items WHERE assessment_id = %s ORDER BY code", (assessment_id,)
            )
            items = [r[0] for r in cur.fetchall()]
        return assessment_from_docs(row[0], items)

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
        entries; refused (StaleError) when the stored version is not the one it was read at."""
        from psycopg.types.json import Jsonb

        self._writable()
        header = header_to_doc(assessment)
        wanted = {code: item_to_doc(item) for code, item in assessment.items.items()}
        version = assessment.version
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (assessment.id,))
            cur.execute(
                "SELECT version, header->>'updated' FROM assessments WHERE id = %s",
                (assessment.id,),
            )
            row = cur.fetchone()
            same = row is not None and row[0] == version and not changes  # a summary kept
            if row is not None and version and row[0] != version - 1 and not same:
                raise StaleError(
                    _(
                        "assessment {id} was changed by someone else since it was read "
                        "(last change {when}): read it again; nothing was written"
                    ).format(id=assessment.id[:8], when=row[1] or "?")
                )
            province = self._province(cur, assessment.unit)
            values = self._summary_values(assessment, summary)
            columns = ", ".join(SUMMARY_COLUMNS)
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in SUMMARY_COLUMNS)
            cur.execute(
                "INSERT INTO assessments (id, unit, province, version, header, summarized, "
                f"{columns}) VALUES (%s, %s, %s, %s, %s, %s, "
                f"{', '.join(['%s'] * len(SUMMARY_COLUMNS))}) "
                "ON CONFLICT (id) DO UPDATE SET unit = EXCLUDED.unit, "
                "province = EXCLUDED.province, version = EXCLUDED.version, "
                f"header = EXCLUDED.header, summarized = EXCLUDED.summarized, {updates}",
                (
                    assessment.id,
                    assessment.unit,
                    province,
                    version,
                    Jsonb(header),
                    summary is not None,
                    *values,
                ),
            )
            cur.execute("SELECT code, doc FROM items WHERE assessment_id = %s", (assessment.id,))
            stored = dict(cur.fetchall())
            changed = [
                (assessment.id, code, assessment.unit, province, Jsonb(doc))
                for code, doc in wanted.items()
                if stored.get(code) != doc
            ]
            if changed:
                cur.executemany(
                    "INSERT INTO items (assessment_id, code, unit, province, doc) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (assessment_id, code) "
                    "DO UPDATE SET doc = EXCLUDED.doc",
                    changed,
                )
            gone = [code for code in stored if code not in wanted]
            if gone:
                cur.execute(
                    "DELETE FROM items WHERE assessment_id = %s AND code = ANY(%s)",
                    (assessment.id, gone),
                )
            if history and row is None:
                self._insert_entries(cur, assessment.id, assessment.unit, province, history)
            content = audit.content_hash(header, list(wanted.values()))
            self._append(cur, assessment.id, assessment.unit, province, changes, content)

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
    ) -> None:
        cur.execute("SELECT entry FROM audit WHERE log = %s ORDER BY seq DESC LIMIT 1", (log,))
        row = cur.fetchone()
        last = json.loads(row[0]) if row else None
        entries = []
        for change in changes:
            last = audit.chain(last, self.user, change.what, change.old, change.new, content)
            entries.append(last)
        self._insert_entries(cur, log, unit, province, entries)

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

    def audit_log(self, assessment_id: str) -> list[dict]:
        with self._tx() as cur:
            cur.execute("SELECT entry FROM audit WHERE log = %s ORDER BY seq", (assessment_id,))
            rows = cur.fetchall()
        if not rows:
            raise KeyError(assessment_id)
        return [json.loads(r[0]) for r in rows]

    def summaries(self) -> list[Summary]:
        with self._tx() as cur:
            cur.execute(
                f"SELECT id, unit, {', '.join(SUMMARY_COLUMNS)} FROM assessments "
                "WHERE summarized ORDER BY id"
            )
            rows = cur.fetchall()
        return [
            Summary(*row[:-1], areas=tuple((str(c), float(p), float(m)) for c, p, m in row[-1]))
            for row in rows
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
        with self._tx() as cur:
            cur.execute("SELECT text FROM sets WHERE hash = %s", (set_hash,))
            row = cur.fetchone()
        return row[0] if row else None

    # -- audit ---------------------------------------------------------------------------------

    def audit_logs(self) -> Iterator[tuple[str, list[dict]]]:
        with self._tx() as cur:
            cur.execute("SELECT log, entry FROM audit ORDER BY log, seq")
            rows = cur.fetchall()
        logs: dict[str, list[dict]] = {}
        for log, entry in rows:
            logs.setdefault(log, []).append(json.loads(entry))
        yield from logs.items()

    # -- the progress board (migrations/0005) --------------------------------------------------

    def progress(self) -> list[ProgressRow]:
        """Every unit the account sees with its summarized assessments, in one query."""
        with self._tx() as cur:
            cur.execute(
                "SELECT u.code, u.name, u.kind, coalesce(a.id, ''), coalesce(a.kind, ''), "
                "coalesce(a.year, 0), coalesce(a.set_id, ''), coalesce(a.state, ''), "
                "coalesce(a.answered, 0), coalesce(a.items, 0), coalesce(a.index_value, 0), "
                "coalesce(a.band, ''), coalesce(a.updated, ''), coalesce(a.updated_by, '') "
                "FROM units u LEFT JOIN assessments a ON a.unit = u.code AND a.summarized "
                "ORDER BY u.code, a.year, a.created, a.id"
            )
            return [ProgressRow(*row) for row in cur.fetchall()]

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
