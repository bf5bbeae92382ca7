"""The Store contract, run against both stores: the embedded one (a folder) and the central
one (PostgreSQL). What one does, the other does the same way, down to the audit chain's bytes;
the workflow's own suite (test_workflow) runs on both as well."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.demo import build_demo_store
from inspect_tool.model import Unit
from inspect_tool.store import Change, StoreError, open_store
from inspect_tool.store.audit import verify
from inspect_tool.workflow import Workflow

UNITS = [Unit("X-01", "Xã Một", "commune", "Tỉnh X"), Unit("P-02", "Phường Hai", "ward", "Tỉnh X")]


@pytest.fixture
def store(store_target):
    with open_store(store_target, user="Nguyễn Văn A") as s:
        yield s


def test_units_round_trip_and_are_logged(store):
    store.put_units(UNITS, [Change("units", None, 2)])
    assert store.units() == sorted(UNITS, key=lambda u: u.code)
    assert store.unit("X-01") == UNITS[0] and store.unit("NOPE") is None
    renamed = dataclasses.replace(UNITS[0], name="Xã Một Mới")
    store.put_units([renamed], [Change("unit X-01", "Xã Một", "Xã Một Mới")])
    assert store.unit("X-01").name == "Xã Một Mới"
    logs = dict(store.audit_logs())
    assert any(e["what"] == "unit X-01" for entries in logs.values() for e in entries)


def test_assessments_keep_what_was_saved_with_a_chain_that_holds(core, store):
    store.put_units(UNITS, [])
    flow = Workflow(core, store)
    a = flow.new("X-01", "cchc-xa-2025", 2025, "self")
    flow.answer(a.id, "1.1.1", {"date": "20/01/2025"}, note="Kế hoạch số 12")
    flow.answer(a.id, "2.4", na=True)
    flow.clear(a.id, "2.4")
    saved = store.assessment(a.id)
    assert saved == flow.get(a.id) and set(saved.items) == {"1.1.1"}
    log = store.audit_log(a.id)
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert verify(a.id, log) is None and all("content" in e for e in log[1:])
    assert store.assessment_ids() == [a.id]
    logs = dict(store.audit_logs())  # `audit verify` checks the data right after its own log
    assert logs[store.audit_log_name(a.id)] == log
    [summary] = store.summaries()
    assert (summary.id, summary.unit, summary.answered, summary.state) == (a.id, "X-01", 1, "draft")
    with pytest.raises(KeyError):
        store.assessment("0" * 32)


def test_delete_pin_and_evidence(core, store, tmp_path):
    store.put_units(UNITS, [])
    flow = Workflow(core, store)
    a = flow.new("P-02", "cchc-xa-2025", 2025, "self")
    assert store.pinned_set(a.set_hash) is not None  # the set as it was, by its hash
    evidence = tmp_path / "ke-hoach.pdf"
    evidence.write_bytes(b"%PDF-1.7 ke hoach")
    sha = store.keep_file(evidence)
    assert store.evidence_file(sha).read_bytes() == evidence.read_bytes()
    flow.delete(a.id)
    assert store.assessment_ids() == [] and store.summaries() == []
    assert all(verify(log, entries) is None for log, entries in store.audit_logs())


def test_read_only_refuses_writes(store_target):
    with open_store(store_target, user="a") as s:
        s.put_units(UNITS, [])
    with open_store(store_target, user="b", write=False) as reader:
        assert [u.code for u in reader.units()] == ["P-02", "X-01"]
        with pytest.raises(StoreError):
            reader.put_units(UNITS, [])


def test_the_demo_flow_on_either_store(core, store_target, tmp_path):
    """Units, assessments, an appraisal finalized, minutes and the ranking, by the commands."""
    with open_store(store_target, user="Sở Nội vụ") as s:
        build_demo_store(core, s)
        flow = Workflow(core, s)
        appraisal = next(a for a in s.assessments() if a.kind == "appraisal")
        flow.submit(appraisal.id)
        flow.finalize(appraisal.id)
    runner = CliRunner()
    base = ["--lang", "en", "--db", str(store_target)]
    minutes = runner.invoke(
        cli, [*base, "minutes", appraisal.id[:8], "--out", str(tmp_path / "bb.pdf")]
    )
    assert minutes.exit_code == 0, minutes.output
    ranking = runner.invoke(
        cli,
        [*base, "report", "ranking", "--set", "cchc-xa-2025", "--year", "2025",
         "--out", str(tmp_path / "r.csv")],
    )  # fmt: skip
    assert ranking.exit_code == 0, ranking.output
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "HB-P01" in text and "Phường Hòa Bình" in text
    verified = runner.invoke(cli, [*base, "audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_a_clock_set_back_never_breaks_the_chain(core, store_target, monkeypatch):
    """A laptop whose clock is behind the entry before (the server's, after a sync) stamps its
    entry with that entry's time: the chain stays in order, here and for the server."""
    from inspect_tool.store import audit
    from inspect_tool.units import read_units_csv
    from tests.test_store import UNITS as UNITS_CSV

    with open_store(store_target, user="Nguyễn Văn A") as s:
        s.put_units(read_units_csv(UNITS_CSV), [])
        flow = Workflow(core, s)
        a = flow.new("HB-X01", "cchc-xa-2025", 2025, "self")
        flow.answer(a.id, "1.1.1", {"date": "2025-01-20"})
        ahead = s.audit_log(a.id)[-1]["when"]
        monkeypatch.setattr(audit, "now_iso", lambda: "2020-01-01T08:00:00+07:00")
        flow.answer(a.id, "1.1.1", {"date": "2025-01-21"})
        log = s.audit_log(a.id)
        assert log[-1]["when"] == ahead and log[-1]["what"] == "item 1.1.1"
        assert verify(a.id, log) is None
        monkeypatch.setattr(audit, "now_iso", lambda: "2099-01-01T08:00:00+07:00")
        flow.answer(a.id, "1.1.1", {"date": "2025-01-22"})  # a clock ahead: its own time
        assert s.audit_log(a.id)[-1]["when"] == "2099-01-01T08:00:00+07:00"


def test_a_header_conflict_is_kept_refuses_submitting_and_is_resolved(core, store_target):
    """Both sides of a header field a sync could not merge stay on the assessment (here put
    there as the server's merge does), in either store, until a named person chooses."""
    from inspect_tool.units import read_units_csv
    from inspect_tool.workflow import WorkflowError
    from tests.test_store import UNITS as UNITS_CSV

    conflict = {
        "server": {"value": "Hội trường UBND", "who": "Sở", "when": "2025-11-20T08:00:00+07:00"},
        "laptop": {"value": "Nhà văn hóa", "who": "Tổ", "when": "2025-11-20T08:05:00+07:00"},
    }
    with open_store(store_target, user="Nguyễn Văn A") as s:
        s.put_units(read_units_csv(UNITS_CSV), [])
        flow = Workflow(core, s)
        a = flow.update_header(
            flow.new("HB-X01", "cchc-xa-2025", 2025, "self").id, place="Hội trường UBND"
        )
        merged = dataclasses.replace(a, header_conflicts={"place": conflict}, version=a.version + 1)
        s.save(merged, [Change("x", 0, 1)])
    with open_store(store_target, user="Nguyễn Văn A") as s:
        flow = Workflow(core, s)
        assert flow.get(a.id).header_conflicts == {"place": conflict}
        assert list(flow.conflicts(flow.get(a.id))) == ["place"]
        with pytest.raises(WorkflowError, match="the place: changed on the server"):
            flow.finalize(a.id)
        with pytest.raises(WorkflowError, match="reason"):
            flow.resolve_conflict(a.id, "place", "laptop", reason=" ")
        done = flow.resolve_conflict(a.id, "place", "laptop", reason="Làm việc tại nhà văn hóa")
        assert done.place == "Nhà văn hóa" and not done.header_conflicts
    with open_store(store_target, user="x", write=False) as s:
        again = s.assessment(a.id)
        assert again.place == "Nhà văn hóa" and again.header_conflicts == {}
        log = s.audit_log(a.id)
        assert log[-1]["what"] == "conflict place" and log[-1]["new"]["take"] == "laptop"
        assert verify(a.id, log) is None
