"""The save and read paths kept cheap (issue 15): the central store keeps the copy it last read
or wrote and trusts it only while the server's fingerprint says it is current, writes only the
items that changed, asks RLS's question once per statement; the workflow remembers checked
answers. Each shortcut is proved never to hide a change or lose a write, on a real
PostgreSQL (tests/pg_cluster.py)."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from inspect_tool.model import Unit
from inspect_tool.store import Change, open_store
from inspect_tool.store.audit import assessment_hash, check_content, verify
from inspect_tool.store.postgres import StaleError
from inspect_tool.workflow import Workflow, WorkflowError

SET = "cchc-xa-2025"
UNIT = Unit("A-01", "Phường Một", "ward", "Tỉnh A")


@pytest.fixture
def central(core, pg_store):
    """(admin URL, department URL, id of a draft with three items answered)."""
    admin, department = pg_store
    with open_store(department, user="Sở Nội vụ") as store:
        store.put_units([UNIT], [Change("units", None, 1)])
        flow = Workflow(core, store)
        a = flow.new(UNIT.code, SET, 2025, "self")
        flow.answer(a.id, "1.1.1", {"date": "2025-01-20"})
        flow.answer(a.id, "1.1.2", {"ticked": ["nhiem_vu"]})
        flow.answer(a.id, "1.2", {"count": "2"}, note="đầu")
    return admin, department, a.id


def sql(url: str, query: str, *args) -> list[tuple]:
    with psycopg.connect(url) as conn:
        cur = conn.execute(query, args)
        return cur.fetchall() if cur.description else []


def intact(store, ident: str) -> None:
    """The audit chain holds and its last entry's content is the stored assessment's."""
    log = store.audit_log(ident)
    assert verify(ident, log) is None
    assert check_content(ident, log, assessment_hash(store.assessment(ident))) is None


def test_a_kept_copy_never_hides_a_change_made_elsewhere(core, central):
    admin, department, ident = central
    with open_store(department, user="một") as one, open_store(department, user="hai") as two:
        assert one.assessment(ident).items["1.2"].note == "đầu"  # kept by `one` now
        Workflow(core, two).answer(ident, "1.2", {"count": "3"}, note="hai")
        assert one.assessment(ident).items["1.2"].note == "hai"  # another process's save
        sql(admin, "UPDATE items SET doc = jsonb_set(doc, '{note}', '\"sql\"') WHERE code = '1.2'")
        assert one.assessment(ident).items["1.2"].note == "sql"  # plain SQL, same version
        sql(admin, "DELETE FROM items WHERE code = '1.1.2'")
        assert "1.1.2" not in one.assessment(ident).items
        before = one.assessment(ident)
        assert one.assessment(ident) == before  # kept: equal, and each caller's own mapping
        assert one.assessment(ident).items is not before.items


def test_a_save_writes_only_the_items_it_changed(core, central):
    admin, department, ident = central
    versions = dict(sql(admin, "SELECT code, xmin::text FROM items"))
    with open_store(department, user="một") as store:
        Workflow(core, store).answer(ident, "1.2", {"count": "4"})
        after = dict(sql(admin, "SELECT code, xmin::text FROM items"))
        assert after["1.2"] != versions["1.2"]
        assert {c: v for c, v in after.items() if c != "1.2"} == {
            c: v for c, v in versions.items() if c != "1.2"
        }
        intact(store, ident)


def test_a_save_on_a_copy_not_current_writes_exactly_that_copy(core, central):
    """Between the read and the save, the rows were rewritten (plain SQL: new row versions,
    the same documents), so the kept copy is not current: the server compares every item,
    and what is stored is exactly the assessment saved, an item removed included."""
    admin, department, ident = central
    with open_store(department, user="một") as one:
        read = one.assessment(ident)
        sql(admin, "UPDATE items SET doc = doc")
        items = dict(read.items)
        old = items.pop("1.1.2")
        items["1.2"] = dataclasses.replace(items["1.2"], note="ba")
        saved = dataclasses.replace(read, items=items, version=read.version + 1)
        one.save(saved, [Change("item 1.1.2", old.inputs, None)])
        with open_store(department, user="x", write=False) as fresh:
            assert fresh.assessment(ident) == saved
            intact(fresh, ident)
        assert one.assessment(ident) == saved


def test_a_refused_save_leaves_the_store_usable(core, central, pg_cluster):
    admin, department, ident = central
    with open_store(department, user="một") as one, open_store(department, user="hai") as two:
        stale = two.assessment(ident)
        Workflow(core, one).answer(ident, "1.2", {"count": "0"})
        with pytest.raises(StaleError):
            two.save(dataclasses.replace(stale, version=stale.version + 1), [Change("x", 1, 2)])
        other = dataclasses.replace(stale, id="f" * 32, unit="B-09", version=0)
        sql(admin, "ALTER TABLE assessments ADD CONSTRAINT no_b09 CHECK (unit <> 'B-09')")
        with pytest.raises(psycopg.errors.CheckViolation):  # refused by the database itself
            two.save(other, [Change("x", None, 1)])
        done = Workflow(core, two).answer(ident, "1.2", {"count": "1"}, note="sau")
        assert two.assessment(ident) == done
        with two.pool.connection() as conn:  # lent back as the pool lends it: no autocommit
            assert conn.autocommit is False
        intact(two, ident)


def test_the_policies_ask_who_the_account_is_once_per_statement(central):
    admin, _department, _ident = central
    rules = sql(
        admin,
        "SELECT qual, with_check FROM pg_policies WHERE policyname IN "
        "('department', 'unit', 'viewer') AND tablename IN ('units', 'assessments', 'items', "
        "'audit')",
    )
    asking = [rule for row in rules for rule in row if rule]
    assert len(asking) == 19  # the 12 policies of 0001, 7 of them with a check
    assert all("SELECT inspect_account_" in rule for rule in asking)  # an InitPlan: once


def test_remembered_checks_score_as_fresh_ones_and_refusals_are_never_kept(core, tmp_path):
    with open_store(tmp_path / "store", user="x") as store:
        store.put_units([UNIT], [Change("units", None, 1)])
        flow = Workflow(core, store)
        a = flow.new(UNIT.code, SET, 2025, "self")
        for count in ("1", "3", "1"):
            a = flow.answer(a.id, "1.2", {"count": count})
            assert flow.scores(a).total == Workflow(core, store).scores(a).total
        for _ in range(2):  # refused each time, never remembered as an answer
            with pytest.raises(WorkflowError):
                flow.answer(a.id, "1.2", {"count": "many"})
        broken = dataclasses.replace(
            a, items={**a.items, "1.2": dataclasses.replace(a.items["1.2"], inputs={"count": "x"})}
        )
        for _ in range(2):
            with pytest.raises(ValueError):
                flow.scores(broken)


def test_a_save_after_its_own_goes_in_one_trip_and_never_over_a_change_made_elsewhere(
    core, central
):
    """The save sent in one round trip (with what it expects under the lock) is taken after
    the store's own save, and falls back to reading first whenever the stored rows, the audit
    chain or the unit's province are not what this store wrote: nothing is overwritten."""
    admin, department, ident = central
    with open_store(department, user="một") as one, open_store(department, user="hai") as two:
        mine, theirs = Workflow(core, one), Workflow(core, two)
        mine.answer(ident, "1.2", {"count": "3"})  # read first: this store had only read it
        assert one.saves_in_one_trip == 0
        kept = mine.answer(ident, "1.2", {"count": "4"}, note="một")
        assert one.saves_in_one_trip == 1
        other = theirs.answer(ident, "1.1.3", {"value": "100"}).items["1.1.3"]  # after `one`
        with pytest.raises(StaleError):
            one.save(dataclasses.replace(kept, version=kept.version + 1), [Change("x", 1, 2)])
        assert one.saves_in_one_trip == 1
        assert two.assessment(ident).items["1.1.3"] == other  # not lost
        mine.answer(ident, "1.2", {"count": "0"})  # read first again
        sql(admin, "UPDATE units SET province = 'Tỉnh C' WHERE code = %s", UNIT.code)
        mine.answer(ident, "1.2", {"count": "1"})  # its copy is current, the province is not
        assert one.saves_in_one_trip == 1
        assert sql(admin, "SELECT province FROM assessments") == [("Tỉnh C",)]
        done = mine.answer(ident, "1.2", {"count": "2"}, note="cuối")
        assert one.saves_in_one_trip == 2
        with open_store(department, user="x", write=False) as fresh:
            assert fresh.assessment(ident) == done
            assert fresh.assessment(ident).items["1.1.3"] == other
            intact(fresh, ident)
