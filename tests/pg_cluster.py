"""A throw-away PostgreSQL cluster for the tests: initdb in a temporary folder, pg_ctl start on
a free port of 127.0.0.1, a fresh database per test, pg_ctl stop at the end.

PostgreSQL refuses to run as root, so when the tests run as root (as CI does) the cluster is
made and run as the `postgres` system user that Debian's package creates. When
INSPECT_TOOL_TEST_PG names a server (an administrator's URL), that server is used instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from inspect_tool.store.postgres import add_account, upgrade

ENV = "INSPECT_TOOL_TEST_PG"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: Debian keeps them off PATH, per major version."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One running server and the databases made on it."""

    def __init__(self) -> None:
        self._names = itertools.count(1)
        self.folder: Path | None = None
        self.admin = os.environ.get(ENV, "")
        if not self.admin:
            self._start()

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def _start(self) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/system-deps.sh installs it)")
        self.folder = Path(tempfile.mkdtemp(prefix="inspect-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        data = self.folder / "data"
        port = free_port()
        self._run(
            str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = f"-p {port} -h 127.0.0.1 -k {self.folder} -c fsync=off -c max_connections=200"
        self._run(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"),
            "-o", options, "-w", "start",
        )  # fmt: skip
        self.pg_ctl = bin_dir / "pg_ctl"
        self.data = data
        self.admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def url(self, database: str, role: str | None = None) -> str:
        parts = urlsplit(self.admin)
        netloc = parts.netloc
        if role:
            host = netloc.rsplit("@", 1)[-1]
            netloc = f"{role}@{host}"
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))

    def new_store(self) -> tuple[str, str]:
        """A fresh database holding an initialised store, and a department account on it
        that sees every province: (the administrator's URL, the account's URL)."""
        n = next(self._names)
        database = f"inspect_test_{os.getpid()}_{n}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        admin = self.url(database)
        upgrade(admin, init=True)
        account = f"dept_{os.getpid()}_{n}"
        add_account(admin, account, "department")
        return admin, self.url(database, account)

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            self._run(str(self.pg_ctl), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
