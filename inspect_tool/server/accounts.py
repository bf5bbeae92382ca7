"""Accounts of the province server: they are the central store's accounts
(store/migrations/0002_server_accounts.sql).

- a password is kept as its argon2 hash (argon2-cffi), set by `db account add … --password`;
- a token is 32 random bytes, shown once and stored as its sha256: a laptop's device token
  (`db account token`, until revoked) or a login's (POST /login, for LOGIN_HOURS);
- a name with MAX_FAILURES failed logins within WINDOW_MINUTES is refused (429) before its
  password is even checked; failures are counted per name given, account or not.

What the owner does (issue_device_token, revoke_tokens) connects with the owner's URL. What the
server does (Accounts) runs on the server's pool, each transaction as the role inspect_server,
which may read the accounts and write tokens and failures, and nothing else.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from ..i18n import _
from ..store.interface import StoreError

MAX_FAILURES = 5
WINDOW_MINUTES = 15
LOGIN_HOURS = 12
SERVER_GROUP = "inspect_server"


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(encoded: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


# checked when a name has no password, so that an unknown name takes as long as a known one
_DUMMY = hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Account:
    name: str
    kind: str  # department, unit, viewer: the RLS group (migrations/0001)
    unit: str
    province: str
    role: str = ""  # what it may do (migrations/0005): a row of the store's roles
    actions: frozenset[str] = frozenset()

    def may(self, action: str) -> bool:
        return action in self.actions

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "unit": self.unit,
            "province": self.province,
            "role": self.role,
            "actions": sorted(self.actions),
        }


# an account with its role's actions, read in one query
ACCOUNT_SQL = (
    "SELECT a.name, a.kind, a.unit, a.province, a.role, r.actions FROM accounts a "
    "JOIN roles r ON r.name = a.role"
)


def _account(row: Any) -> Account:
    return Account(*row[:5], actions=frozenset(row[5]))


class LoginRefused(Exception):
    """A wrong name or password (the same answer for both)."""


class TooManyAttempts(Exception):
    """Too many failed logins for this name lately."""


# -- the owner's commands ----------------------------------------------------------------------


def _known(cur: Any, name: str) -> None:
    cur.execute("SELECT 1 FROM accounts WHERE name = %s", (name,))
    if cur.fetchone() is None:
        raise StoreError(_("no account {name}").format(name=name))


def issue_device_token(url: str, name: str) -> str:
    """A new device token for the account (run by the store's owner); shown once."""
    from ..store.postgres import _connect, _require_schema

    token = new_token()
    with _connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        _require_schema(conn, url)
        _known(cur, name)
        cur.execute(
            "INSERT INTO server_tokens (hash, account, kind) VALUES (%s, %s, 'device')",
            (token_hash(token), name),
        )
    return token


def revoke_tokens(url: str, name: str) -> int:
    """Revoke every token of the account, device and login (run by the store's owner)."""
    from ..store.postgres import _connect, _require_schema

    with _connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        _require_schema(conn, url)
        _known(cur, name)
        cur.execute(
            "UPDATE server_tokens SET revoked = now() WHERE account = %s AND revoked IS NULL",
            (name,),
        )
        return cur.rowcount


# -- the server's side ------------------------------------------------------------------------


class Accounts:
    """Logins and tokens on the server's connection pool, as the role inspect_server."""

    def __init__(self, pool: Any):
        self.pool = pool

    def _tx(self):
        from contextlib import contextmanager

        @contextmanager
        def tx():
            with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                cur.execute(f"SET LOCAL ROLE {SERVER_GROUP}")
                yield cur

        return tx()

    def login(self, name: str, password: str) -> tuple[str, Account, str]:
        """(a new login token, its account, when it expires); LoginRefused or
        TooManyAttempts otherwise."""
        with self._tx() as cur:
            # one login per name at a time: the count of failures cannot be raced past
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('inspect-login:' || %s))", (name,))
            cur.execute(
                "SELECT count(*) FROM server_login_failures WHERE name = %s "
                "AND at > now() - make_interval(mins => %s)",
                (name, WINDOW_MINUTES),
            )
            if cur.fetchone()[0] >= MAX_FAILURES:
                raise TooManyAttempts(name)
            cur.execute(
                "SELECT a.name, a.kind, a.unit, a.province, a.role, r.actions, a.password_hash "
                "FROM accounts a JOIN roles r ON r.name = a.role WHERE a.name = %s",
                (name,),
            )
            row = cur.fetchone()
            encoded = row[6] if row and row[6] else _DUMMY
            good = verify_password(encoded, password) and row is not None and bool(row[6])
            if not good:
                cur.execute("INSERT INTO server_login_failures (name) VALUES (%s)", (name,))
                cur.execute("DELETE FROM server_login_failures WHERE at < now() - interval '1 day'")
            else:
                cur.execute("DELETE FROM server_login_failures WHERE name = %s", (name,))
                token = new_token()
                cur.execute(
                    "INSERT INTO server_tokens (hash, account, kind, expires) VALUES "
                    "(%s, %s, 'login', now() + make_interval(hours => %s)) RETURNING expires",
                    (token_hash(token), name, LOGIN_HOURS),
                )
                expires = cur.fetchone()[0].isoformat()
        if not good:  # raised after the transaction, so that the failure is kept
            raise LoginRefused(name)
        return token, _account(row), expires

    def check(self, token: str) -> Account | None:
        """The account of a valid token (not revoked, not expired), or None."""
        if not token or len(token) > 200:
            return None
        with self._tx() as cur:
            cur.execute(
                f"{ACCOUNT_SQL} JOIN server_tokens t ON t.account = a.name WHERE t.hash = %s "
                "AND t.revoked IS NULL AND (t.expires IS NULL OR t.expires > now())",
                (token_hash(token),),
            )
            row = cur.fetchone()
        return _account(row) if row else None

    # -- accounts managed through the server (the role's `accounts` action) --------------------

    def listing(self) -> list[dict[str, Any]]:
        """Every account with its role, and its tokens in use (never a hash)."""
        with self._tx() as cur:
            cur.execute(
                "SELECT a.name, a.kind, a.unit, a.province, a.role, r.actions, a.created, "
                "(SELECT count(*) FROM server_tokens t WHERE t.account = a.name "
                "AND t.revoked IS NULL AND (t.expires IS NULL OR t.expires > now())) "
                "FROM accounts a JOIN roles r ON r.name = a.role ORDER BY a.name"
            )
            rows = cur.fetchall()
        return [
            {**_account(row[:6]).as_json(), "created": row[6].isoformat(), "tokens": row[7]}
            for row in rows
        ]

    def revoke(self, name: str) -> int | None:
        """Revoke every token of the account; None when there is no such account."""
        with self._tx() as cur:
            cur.execute("SELECT 1 FROM accounts WHERE name = %s", (name,))
            if cur.fetchone() is None:
                return None
            cur.execute(
                "UPDATE server_tokens SET revoked = now() WHERE account = %s AND revoked IS NULL",
                (name,),
            )
            return cur.rowcount
