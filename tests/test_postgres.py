"""The central store on a real PostgreSQL server (a throw-away cluster, tests/pg_cluster.py):
who sees what (proved with plain SQL as each kind of account), an append-only audit trail,
schema versions, stale writes refused, many writers at once, writers killed mid-transaction.
The Store and workflow contract itself runs on both stores in test_workflow and
test_both_stores."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys

import psycopg
import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.model import Unit
from inspect_tool.store import Change, StoreError, open_store
from inspect_tool.store.audit import verify
from inspect_tool.store.postgres import LATEST, StaleError, add_account
from inspect_tool.workflow import Workflow

SET = "cchc-xa-2025"
UNITS = [
    Unit("A-01", "Phường Một", "ward", "Tỉnh A"),
    Unit("A-02", "Xã Hai", "commune", "Tỉnh A"),
    Unit("B-01", "Phường Ba", "ward", "Tỉnh B"),
]


def role_url(pg_cluster, admin: str, role: str) -> str:
    database = admin.rsplit("/", 1)[1]
    return pg_cluster.url(database, role)


@pytest.fixture
def province(core, pg_store, pg_cluster):
    """Three units in two provinces, a self-assessment each, made by the department."""
    admin, department = pg_store
    with open_store(department, user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, len(UNITS))])
        flow = Workflow(core, store)
        ids = {}
        for unit in UNITS:
            a = flow.new(unit.code, SET, 2025, "self")
            flow.answer(a.id, "1.1.1", {"date": "2025-01-20"})
            ids[unit.code] = a.id
    return admin, department, ids


def rows(url: str, query: str, *args) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, args).fetchall()


def test_a_unit_account_sees_and_changes_only_its_own_unit(province, pg_cluster):
    admin, _department, ids = province
    n = os.getpid()
    add_account(admin, f"unit_a01_{n}", "unit", unit="A-01")
    url = role_url(pg_cluster, admin, f"unit_a01_{n}")
    for table in ("assessments", "items", "audit"):
        assert rows(url, f"SELECT count(*) FROM {table} WHERE unit <> 'A-01'") == [(0,)]
        assert rows(url, f"SELECT count(*) FROM {table} WHERE unit = 'A-01'")[0][0] > 0
    assert rows(url, "SELECT code FROM units") == [("A-01",)]
    with psycopg.connect(url) as conn:  # another unit's rows cannot be changed either
        changed = conn.execute("UPDATE assessments SET state = 'finalized' WHERE unit = 'A-02'")
        assert changed.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO assessments (id, unit, header, kind, year, set_id, set_version, "
                "state) VALUES ('x', 'A-02', '{}', 'self', 2025, 's', '1', 'draft')"
            )
    assert rows(admin, "SELECT state FROM assessments WHERE unit = 'A-02'") == [("draft",)]
    # and through the tool: the store of a unit account lists its own assessment only
    with open_store(url, user="Phường Một") as store:
        assert [a.unit for a in store.assessments()] == ["A-01"]
        with pytest.raises(KeyError):
            store.assessment(ids["A-02"])


def test_a_department_sees_its_province_and_a_viewer_only_reads(province, pg_cluster):
    admin, _department, ids = province
    n = os.getpid()
    add_account(admin, f"dept_a_{n}", "department", province="Tỉnh A")
    add_account(admin, f"viewer_{n}", "viewer", province="Tỉnh B")
    dept = role_url(pg_cluster, admin, f"dept_a_{n}")
    assert sorted(r[0] for r in rows(dept, "SELECT unit FROM assessments")) == ["A-01", "A-02"]
    viewer = role_url(pg_cluster, admin, f"viewer_{n}")
    assert rows(viewer, "SELECT unit FROM assessments") == [("B-01",)]
    with psycopg.connect(viewer) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE assessments SET state = 'draft'")
    for name, kind in (("Xx", "unit"), ("ok_name", "unit"), ("ok_name", "boss")):
        with pytest.raises(StoreError):
            add_account(admin, name, kind)


def test_the_audit_trail_is_append_only_even_for_its_owner(province):
    admin, department, ids = province
    for url in (admin, department):
        with psycopg.connect(url) as conn, pytest.raises(psycopg.Error):
            conn.execute("UPDATE audit SET entry = '{}' WHERE log = %s", (ids["A-01"],))
        with psycopg.connect(url) as conn, pytest.raises(psycopg.Error):
            conn.execute("DELETE FROM audit")
    with open_store(department, user="x", write=False) as store:
        logs = dict(store.audit_logs())
    assert all(verify(log, entries) is None for log, entries in logs.items())


def test_the_tool_refuses_the_owner_and_a_schema_it_does_not_know(pg_store, pg_cluster):
    admin, department = pg_store
    with pytest.raises(StoreError, match="not as the store's owner"):
        open_store(admin, user="x")
    with psycopg.connect(admin) as conn:
        conn.execute("UPDATE inspect_schema SET version = %s", (LATEST + 1,))
    with pytest.raises(StoreError, match="upgrade inspect-tool"):
        open_store(department, user="x")
    empty = pg_cluster.url("postgres", department.split("//")[1].split("@")[0])
    with pytest.raises(StoreError, match="db init"):
        open_store(empty, user="x")


def test_db_commands(pg_cluster):
    with psycopg.connect(pg_cluster.admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "cli_{os.getpid()}"')
    admin = pg_cluster.url(f"cli_{os.getpid()}")
    runner = CliRunner()
    made = runner.invoke(cli, ["--lang", "en", "db", "init", admin])
    assert made.exit_code == 0 and f"schema {LATEST}" in made.output
    again = runner.invoke(cli, ["--lang", "en", "db", "init", admin])
    assert again.exit_code == 1 and "db upgrade" in again.output
    same = runner.invoke(cli, ["--lang", "en", "db", "upgrade", admin])
    assert same.exit_code == 0 and "nothing to do" in same.output
    name = f"ward_{os.getpid()}"
    added = runner.invoke(
        cli, ["--lang", "en", "--db", admin, "db", "account", "add", name, "--kind", "unit"]
    )
    assert added.exit_code == 1 and "--unit" in added.output
    added = runner.invoke(
        cli,
        ["--lang", "en", "--db", admin, "db", "account", "add", name, "--kind", "unit",
         "--unit", "A-01"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output


def test_a_write_from_a_stale_copy_is_refused(province, core):
    _admin, department, ids = province
    with open_store(department, user="một") as one, open_store(department, user="hai") as two:
        stale = two.assessment(ids["A-01"])
        Workflow(core, one).answer(ids["A-01"], "1.1.2", {"ticked": ["nhiem_vu"]})
        with pytest.raises(StaleError, match="changed by someone else"):
            two.save(dataclasses.replace(stale, version=stale.version + 1), [Change("x", 1, 2)])
        fresh = Workflow(core, two).answer(ids["A-01"], "1.1.3", {"value": "100"})
    assert set(fresh.items) >= {"1.1.1", "1.1.2", "1.1.3"}  # nobody's answer was lost


WRITER = """
import sys
from inspect_tool.core import open_core
from inspect_tool.store import open_store
from inspect_tool.workflow import Workflow
url, ident, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
core = open_core(entry_points=False)
with open_store(url, user="writer") as store:
    flow = Workflow(core, store)
    for n in range(start, start + 150):
        flow.answer(ident, "1.2", {"count": str(n % 5)}, note=f"lần {n}")
        print(n, flush=True)  # acknowledged: committed before this line is written
"""


def _writer(url: str, ident: str, start: int) -> subprocess.Popen:
    env = dict(os.environ, INSPECT_TOOL_PLUGINS_DIR=os.devnull)
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, url, ident, str(start)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_many_writers_at_once_and_killed_ones_lose_no_acknowledged_save(province):
    _admin, department, ids = province
    writers = [_writer(department, ident, 1000 * k) for k, ident in enumerate(ids.values())]
    first = [int(writers[0].stdout.readline()) for _ in range(5)]  # it is writing now
    writers[0].send_signal(signal.SIGKILL)  # mid-transaction, most likely
    acknowledged = {}
    for k, job in enumerate(writers):
        out, _err = job.communicate(timeout=600)
        done = (first if k == 0 else []) + [int(line) for line in out.split()]
        acknowledged[list(ids.values())[k]] = done[-1] if done else None
    with open_store(department, user="x", write=False) as store:
        for ident, last in acknowledged.items():
            log = store.audit_log(ident)
            assert verify(ident, log) is None  # no broken chain
            notes = [e["new"].get("note") for e in log if isinstance(e["new"], dict)]
            if last is not None:
                assert f"lần {last}" in notes  # the last acknowledged save is there
    assert writers[0].returncode == -signal.SIGKILL
    assert all(job.returncode == 0 for job in writers[1:])


def test_summaries_are_one_query(province):
    _admin, department, ids = province
    with open_store(department, user="x", write=False) as store:
        summaries = {s.id: s for s in store.summaries()}
    assert set(summaries) == set(ids.values())
    assert all(s.kind == "self" and s.year == 2025 for s in summaries.values())
    assert json.dumps([s.unit for s in summaries.values()])


def test_a_laptops_store_moves_into_the_central_one(core, pg_store, tmp_path):
    from inspect_tool.demo import build_demo_store

    _admin, department = pg_store
    with open_store(tmp_path / "laptop", user="Phường") as laptop:
        build_demo_store(core, laptop)
        expected = {a.id: a for a in laptop.assessments()}
        logs = {a: laptop.audit_log(a) for a in expected}
        records = {r.id: r for r in laptop.followups()}
        record_logs = {r: laptop.followup_log(r) for r in records}
    assert records  # the demo's 2024 inspection: its recommendations followed up
    runner = CliRunner()
    args = ["--lang", "en", "--db", department, "db", "load", str(tmp_path / "laptop")]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert f"imported {len(expected)} assessments" in first.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 0 and f"{len(expected)} already here unchanged" in again.output
    with open_store(department, user="x", write=False) as central:
        moved = {a.id: a for a in central.assessments()}
        assert moved == expected
        for ident, log in logs.items():  # the history carried over, byte for byte
            assert central.audit_log(ident)[: len(log)] == log
        assert {r.id: r for r in central.followups()} == records  # follow-ups too
        for ident, log in record_logs.items():
            moved_log = central.followup_log(ident)
            assert moved_log[: len(log)] == log and moved_log[-1]["what"] == "imported"
            assert verify(ident, moved_log) is None
    assert f"imported {len(records)} recommendations followed up" in first.output
    assert f"{len(records)} already here unchanged" in again.output.splitlines()[-1]
    listed = runner.invoke(cli, ["--lang", "en", "--db", department, "assess", "list"])
    assert listed.exit_code == 0 and "HB-P01" in listed.output
