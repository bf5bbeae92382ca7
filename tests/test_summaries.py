"""Summaries (issue 15): what lists and reports read agrees with the assessments after every
kind of write, an index that a crash left behind is repaired on reading, an old store gets its
summaries on its first open by a writer, and the list and the ranking are what the full
computation gives."""

from __future__ import annotations

import json

import pytest

from inspect_tool.demo import build_demo_store
from inspect_tool.reports import RESULT_STATES, ranking
from inspect_tool.store import embedded as tinystore
from inspect_tool.store import open_store
from inspect_tool.store.bundle import export_bundle, import_bundle, read_bundle, write_bundle
from inspect_tool.store.embedded import _db
from inspect_tool.units import read_units_csv
from inspect_tool.workflow import Workflow
from tests.test_store import UNITS
from tests.test_workflow import SET, fill


@pytest.fixture
def flow(core, tmp_path):
    store = open_store(tmp_path / "s", user="Nguyễn Văn A")
    store.put_units(read_units_csv(UNITS), [])
    yield Workflow(core, store)
    store.close()


def computed(flow: Workflow) -> list:
    """Every summary computed from scratch: each assessment read and scored."""
    return sorted((flow.summary(a) for a in flow.store.assessments()), key=lambda s: s.id)


@pytest.fixture
def either(core, store_target):
    """(a workflow on either store, where that store is)."""
    store = open_store(store_target, user="Nguyễn Văn A")
    store.put_units(read_units_csv(UNITS), [])
    yield Workflow(core, store), store_target
    store.close()


def agree(flow: Workflow, where=None) -> None:
    """The store's own summaries (nothing computed by the workflow) are the full computation,
    and a fresh process (no index in memory, another connection) reads the same."""
    assert flow.store.summaries() == computed(flow)
    with open_store(where or flow.store.path, user="x", write=False) as again:
        assert again.summaries() == computed(flow)


def test_summaries_follow_every_write(either, core, tmp_path):
    flow, where = either
    a = flow.new("HB-X01", SET, 2025, "self")
    agree(flow, where)
    fill(flow, a.id)
    agree(flow, where)
    flow.submit(a.id)
    agree(flow, where)
    b = flow.new("HB-X01", SET, 2025, "appraisal")
    agree(flow, where)
    flow.answer(b.id, "1.3.1", {"done": "no"}, reason="Không có văn bản")
    flow.update_header(b.id, place="UBND xã", started="2025-11-20T08:30:00+07:00")
    flow.submit(b.id)
    agree(flow, where)
    flow.finalize(b.id)
    agree(flow, where)
    flow.reopen(b.id, "Sai số liệu")
    agree(flow, where)
    c = flow.new("HB-X02", SET, 2025, "self")
    agree(flow, where)
    flow.delete(c.id)
    agree(flow, where)
    assert {s.id for s in flow.store.summaries()} == {a.id, b.id}
    # a bundle imported: saved without a summary (the store cannot score), then kept
    write_bundle(tmp_path / "b.json", export_bundle(flow.store))
    with open_store(tmp_path / "other", user="Sở Nội vụ") as other:
        import_bundle(other, read_bundle(tmp_path / "b.json"))
        assert other.summaries() == []  # none kept by the import itself
        there = Workflow(core, other)
        assert there.summaries() == computed(there)  # computed, and kept (a writer)
        assert other.summaries() == computed(there)


def test_a_reader_computes_what_a_store_lacks_without_writing(flow, core):
    a = flow.new("HB-X03", SET, 2025, "self")
    fill(flow, a.id)
    flow.store.save(flow.get(a.id), [])  # a path that passes no summary
    assert flow.store.summaries() == []
    reader = Workflow(core, open_store(flow.store.path, user="x", write=False))
    assert reader.summaries() == computed(flow)
    assert flow.store.summaries() == []  # nothing written by the reader


def test_an_index_left_behind_by_a_crash_is_repaired(flow):
    """The summary is written in the same atomic replace as its assessment; the index is a
    cache of the files, checked by their stamps: an old, damaged or missing index (a process
    killed before it wrote it) gives the right summaries all the same."""
    a = flow.new("HB-X04", SET, 2025, "self")
    flow.store.summaries()  # the index written
    index = flow.store.path / "summaries.json"
    before = index.read_bytes()
    fill(flow, a.id)
    flow.submit(a.id)
    for damage in (before, b"{not json", None):
        if damage is None:
            index.unlink()
        else:
            index.write_bytes(damage)
        reader = open_store(flow.store.path, user="x", write=False)
        assert reader.summaries() == computed(flow)
    # an entry whose stamp still matches is trusted: the stamp is what a save changes
    data = json.loads(index.read_text(encoding="utf-8"))
    stamp = data["assessments"][a.id][0]
    path = flow.store.path / "assessments" / f"{a.id}.json"
    assert stamp == [path.stat().st_ino, path.stat().st_mtime_ns, path.stat().st_size]


def test_an_old_store_gets_its_summaries_on_first_open_by_a_writer(core, tmp_path):
    path = tmp_path / "old"
    with open_store(path, user="t") as store:
        build_demo_store(core, store)  # saved without summaries, as before this change
        for assessment_id in store.assessment_ids():  # and none in the files at all
            with _db(store._file(assessment_id)) as db:
                db.drop_table("summary")
        with _db(path / "store.json") as db:
            db.table("meta").update({"schema": 1}, doc_ids=[1])
    (path / "summaries.json").unlink(missing_ok=True)
    with open_store(path, user="t") as store:
        assert store.schema == tinystore.SCHEMA and store.unsummarized
        flow = Workflow(core, store)  # the first writer's workflow computes and keeps them
        assert not store.unsummarized
        assert store.summaries() == computed(flow) and len(store.summaries()) == 15
        log = dict(store.audit_logs())[str(path / "store.json")]
        assert log[-1]["what"] == "store schema" and (log[-1]["old"], log[-1]["new"]) == (1, 2)


@pytest.fixture(params=["embedded", "postgres"])
def demo(core, tmp_path, demo_store, request):
    """The demo province on either store."""
    if request.param == "embedded":
        store = open_store(demo_store(tmp_path / "demo", "t"), user="t")
    else:
        store = open_store(request.getfixturevalue("pg_store")[1], user="t")
        build_demo_store(core, store)
    yield Workflow(core, store)
    store.close()


def test_assess_list_is_the_full_computation(demo):
    listed = demo.summaries()
    assert listed == computed(demo)
    for s in listed:
        a = demo.store.assessment(s.id)
        scores = demo.scores(a)
        assert (s.unit, s.kind, s.state, s.year, s.created) == (
            a.unit,
            a.kind,
            a.state,
            a.year,
            a.created,
        )
        assert (s.answered, s.items, s.total, s.index, s.band) == (
            scores.answered,
            len(scores.status),
            scores.total,
            scores.index,
            scores.band_label,
        )


@pytest.mark.parametrize("stage", ["final", "appraisal", "self"])
def test_the_ranking_is_the_full_computation(demo, stage):
    """Each ranked row's figures and areas are those of the assessment a full read chooses
    (the latest at the stage), scored again."""
    report = ranking(demo, SET, 2025, stage)
    everything = [a for a in demo.store.assessments() if a.year == 2025 and a.set_id == SET]

    def latest(kind, states):
        best = {}
        for a in sorted(everything, key=lambda a: a.updated, reverse=True):
            if a.kind == kind and a.state in states:
                best.setdefault(a.unit, a)
        return best

    selfs = latest("self", RESULT_STATES)
    chosen = {
        "self": selfs,
        "appraisal": latest("appraisal", RESULT_STATES),
        "final": {**selfs, **latest("appraisal", ("finalized",))},
    }[stage]
    assert {r.unit for r in report.ranked} == set(chosen)
    for r in report.ranked:
        a = chosen[r.unit]
        s = demo.scores(a)
        assert (r.kind, r.state, r.total, r.max_points, r.index, r.band) == (
            a.kind,
            a.state,
            s.total,
            s.max_points,
            s.index,
            s.band_label,
        )
        cset = demo.engine(a).cset
        assert r.areas == {x.code: (s.points[x.code], s.maxima[x.code]) for x in cset.areas}
