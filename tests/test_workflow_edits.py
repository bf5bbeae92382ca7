"""Issue 13 in the core: clear and undo, pending entries, duplicates, deleting an empty draft,
evidence only when there is something to prove, attached files, no band before an answer."""

from __future__ import annotations

import pytest

from inspect_tool.methods import fmt
from inspect_tool.model import Criterion, Evidence, ItemRecord
from inspect_tool.store import StoreError, open_store
from inspect_tool.units import read_units_csv
from inspect_tool.workflow import DuplicateError, Workflow, WorkflowError, evidence_missing
from tests.test_store import UNITS
from tests.test_workflow import SET, fill


def _flow(core, where):
    store = open_store(where, user="Nguyễn Văn A")
    store.put_units(read_units_csv(UNITS), [])
    return Workflow(core, store)


@pytest.fixture
def flow(core, store_target):
    """On either store: what the edits mean does not depend on where they are kept."""
    flow = _flow(core, store_target)
    yield flow
    flow.store.close()


@pytest.fixture
def local_flow(core, tmp_path):
    """On the embedded store, for what is about its files."""
    flow = _flow(core, tmp_path / "store")
    yield flow
    flow.store.close()


def _log(flow, a):
    return flow.store.audit_log(a.id)


def test_clear_is_logged_and_undo_puts_the_item_back(flow):
    a = flow.new("HB-X01", SET, 2025, "self")
    flow.answer(a.id, "3.4.1", {"numerator": 90, "denominator": 100})
    flow.answer(a.id, "3.4.1", {"numerator": 95})
    cleared = flow.clear(a.id, "3.4.1")
    assert "3.4.1" not in cleared.items
    entry = _log(flow, a)[-1]
    assert entry["what"] == "item 3.4.1" and entry["new"] is None
    assert entry["old"]["inputs"] == {"numerator": 95, "denominator": 100}
    back = flow.undo(a.id, "3.4.1")  # the clear undone
    assert back.items["3.4.1"].inputs == {"numerator": 95, "denominator": 100}
    assert _log(flow, a)[-1]["what"] == "item 3.4.1"  # the undo is a change, logged
    again = flow.undo(a.id, "3.4.1")  # undoing the undo clears again
    assert "3.4.1" not in again.items


def test_undo_of_a_corrected_figure_and_of_a_first_answer(flow):
    a = flow.new("HB-X01", SET, 2025, "self")
    flow.answer(a.id, "3.4.1", {"numerator": 90, "denominator": 100}, note="xem sổ")
    flow.answer(a.id, "3.4.1", {"numerator": 95})
    assert flow.undo(a.id, "3.4.1").items["3.4.1"] == ItemRecord(
        "3.4.1", inputs={"numerator": 90, "denominator": 100}, note="xem sổ"
    )
    flow.answer(a.id, "1.1.1", {"date": "2025-01-20"})
    assert "1.1.1" not in flow.undo(a.id, "1.1.1").items


def test_undo_refused_with_a_reason(flow):
    a = flow.new("HB-X01", SET, 2025, "self")
    with pytest.raises(WorkflowError, match="nothing to undo"):
        flow.undo(a.id, "3.4.1")
    with pytest.raises(WorkflowError, match="no scorable item"):
        flow.undo(a.id, "99.9")
    fill(flow, a.id)
    flow.submit(a.id)
    with pytest.raises(WorkflowError, match="reopen it"):
        flow.undo(a.id, "3.4.1")


def test_pending_entries_are_kept_never_scored_and_cleared_by_an_answer(flow):
    a = flow.new("HB-X01", SET, 2025, "self")
    kept = flow.keep_pending(a.id, "3.4.1", {"numerator": "95", "denominator": ""})
    assert kept.items["3.4.1"].pending == {"numerator": "95"}
    assert flow.pending(kept) == {"3.4.1": {"numerator": "95"}}
    again = flow.get(a.id)  # stored
    assert again.items["3.4.1"].pending == {"numerator": "95"}
    assert flow.scores(again).status["3.4.1"] == "unanswered"
    assert (flow.scores(again).band, flow.scores(again).band_label) == (None, "")
    assert ("3.4.1", "item 3.4.1: an entry not yet accepted") in flow.missing_items(again)
    assert _log(flow, a)[-1]["new"] == {"code": "3.4.1", **_record_doc(kept.items["3.4.1"])}
    answered = flow.answer(a.id, "3.4.1", {"numerator": 95, "denominator": 100})
    assert answered.items["3.4.1"].pending == {}
    assert flow.pending(answered) == {}
    assert "pending" in _log(flow, a)[-1]["old"]  # the answer's entry says it went


def test_a_refused_correction_is_kept_beside_the_answer(flow):
    a = flow.new("HB-X01", SET, 2025, "self")
    flow.answer(a.id, "3.4.1", {"numerator": 90, "denominator": 100})
    with pytest.raises(WorkflowError):
        flow.answer(a.id, "3.4.1", {"numerator": "9x8"})
    kept = flow.keep_pending(a.id, "3.4.1", {"numerator": "9x8"})
    item = kept.items["3.4.1"]
    assert item.inputs == {"numerator": 90, "denominator": 100} and item.pending
    assert flow.scores(kept).status["3.4.1"] == "answered"
    assert flow.keep_pending(a.id, "3.4.1", {}).items["3.4.1"].pending == {}
    only = flow.keep_pending(a.id, "1.1.1", {"date": "31/02"})
    assert "1.1.1" not in flow.keep_pending(only.id, "1.1.1", {}).items  # nothing left


def _record_doc(item):
    from inspect_tool.store.codec import item_to_doc

    return {k: v for k, v in item_to_doc(item).items() if k != "code"}


def test_a_second_self_assessment_or_appraisal_is_refused(flow):
    first = flow.new("HB-X01", SET, 2025, "self")
    with pytest.raises(DuplicateError) as info:
        flow.new("HB-X01", SET, 2025, "self")
    assert info.value.existing == first
    assert first.id[:8] in str(info.value) and "already has a self-assessment" in str(info.value)
    assert isinstance(info.value, WorkflowError)
    fill(flow, first.id)
    flow.submit(first.id)
    appraisal = flow.new("HB-X01", SET, 2025, "appraisal")
    with pytest.raises(DuplicateError) as info:
        flow.new("HB-X01", SET, 2025, "appraisal")
    assert info.value.existing.id == appraisal.id
    flow.new("HB-X01", "kiem-tra-mot-cua-2025", 2025, "inspection")
    flow.new("HB-X01", "kiem-tra-mot-cua-2025", 2025, "inspection")  # a team may come back


def test_an_empty_draft_is_deleted_and_logged(local_flow):
    a = local_flow.new("HB-X01", SET, 2025, "self")
    local_flow.delete(a.id[:8])
    assert a.id not in local_flow.store.assessment_ids()
    logs = dict(local_flow.store.audit_logs())
    store_log = logs[str(local_flow.store.path / "store.json")]
    assert store_log[-1]["what"] == f"assessment {a.id} deleted"
    assert store_log[-1]["who"] == "Nguyễn Văn A"
    assert str(local_flow.store.path / "deleted" / f"{a.id}.json") in logs  # its own log kept
    assert local_flow.new("HB-X01", SET, 2025, "self")  # no longer a duplicate


def test_deleting_is_refused_with_the_reason(flow):
    a = flow.new("HB-X01", SET, 2025, "self")
    flow.keep_pending(a.id, "3.4.1", {"numerator": "9"})
    with pytest.raises(WorkflowError, match="has answers recorded"):
        flow.delete(a.id)
    flow.clear(a.id, "3.4.1")
    flow.add_finding(a.id, "1", "Chưa ban hành kế hoạch")
    with pytest.raises(WorkflowError, match="has findings recorded"):
        flow.delete(a.id)
    b = flow.new("HB-X02", SET, 2025, "self")
    fill(flow, b.id)
    flow.submit(b.id)
    with pytest.raises(WorkflowError, match="only a draft"):
        flow.delete(b.id)
    appraisal = flow.new("HB-X02", SET, 2025, "appraisal")  # its items are the self's
    flow.delete(appraisal.id)  # nothing changed in it: it may go


def test_a_crash_between_the_two_steps_of_a_delete_is_finished(local_flow, tmp_path, monkeypatch):
    a = local_flow.new("HB-X01", SET, 2025, "self")
    store = local_flow.store
    monkeypatch.setattr(type(store), "_bury", lambda self, i: (_ for _ in ()).throw(OSError()))
    with pytest.raises(OSError):
        local_flow.delete(a.id)
    monkeypatch.undo()
    assert a.id in store.assessment_ids()  # the crash left the file
    store.close()
    with open_store(store.path, user="x") as again:  # the next writer finishes the delete
        assert a.id not in again.assessment_ids()


def test_evidence_when_nonzero(flow):
    crit = Criterion("x", "X", 1, method="bonus_penalty", evidence_required="when_nonzero")
    assert not evidence_missing(crit, ItemRecord("x", inputs={"count": 0}))
    assert evidence_missing(crit, ItemRecord("x", inputs={"count": 2}))
    assert not evidence_missing(
        crit, ItemRecord("x", inputs={"count": 2}, evidence=(Evidence("1"),))
    )
    a = flow.new("HB-X01", SET, 2025, "self")
    engine = flow.engine(a)
    assert engine.item("10.1").evidence_required == "when_nonzero"
    name = engine.inputs("10.1")[0].name
    flow.answer(a.id, "10.1", {name: 0})
    assert not any(c == "10.1" for c, _t in flow.missing_items(flow.get(a.id)))
    flow.answer(a.id, "10.1", {name: 1})
    assert ("10.1", "item 10.1: evidence required") in flow.missing_items(flow.get(a.id))


def test_attach_copies_the_file_by_its_hash(local_flow, tmp_path):
    import hashlib

    a = local_flow.new("HB-X01", SET, 2025, "self")
    doc = tmp_path / "Kế hoạch 12.pdf"
    doc.write_bytes(b"%PDF-1.7 test")
    sha = hashlib.sha256(b"%PDF-1.7 test").hexdigest()
    after = local_flow.attach(a.id, "1.1.1", doc)
    assert after.items["1.1.1"].evidence == (Evidence(file="Kế hoạch 12.pdf", sha256=sha),)
    assert (local_flow.store.path / "evidence" / sha).read_bytes() == b"%PDF-1.7 test"
    assert local_flow.store.evidence_file(sha) == local_flow.store.path / "evidence" / sha
    assert local_flow.attach(a.id, "1.1.1", doc) == local_flow.get(a.id)  # once only
    assert _log(local_flow, a)[-1]["what"] == "item 1.1.1"
    assert local_flow.scores(local_flow.get(a.id)).status["1.1.1"] == "unanswered"
    with pytest.raises(WorkflowError, match="no such file"):
        local_flow.attach(a.id, "1.1.1", tmp_path / "nope.pdf")


def test_attach_refuses_a_file_too_large(local_flow, tmp_path, monkeypatch):
    from inspect_tool.store import embedded as tinystore

    monkeypatch.setattr(tinystore, "MAX_EVIDENCE_BYTES", 10)
    a = local_flow.new("HB-X01", SET, 2025, "self")
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 11)
    with pytest.raises(WorkflowError, match="larger than"):
        local_flow.attach(a.id, "1.1.1", big)
    assert not [p for p in (local_flow.store.path / "evidence").iterdir()]


def test_read_only_store_refuses_attach(local_flow, tmp_path):
    reader = open_store(local_flow.store.path, user="b", write=False)
    with pytest.raises(StoreError, match="read-only"):
        reader.keep_file(UNITS)


def test_no_band_before_an_answer_and_never_minus_zero(flow):
    a = flow.new("HB-X01", SET, 2025, "self")
    scores = flow.scores(a)
    assert scores.band is None and scores.band_label == ""
    answered = flow.answer(a.id, "1.1.1", {"date": "2025-01-20"})
    assert flow.scores(answered).band_label != ""
    assert fmt(-0.0) == "0" and fmt(-0.001) == "0" and fmt(-0.5) == "-0.5"


def test_pending_entries_travel_in_bundles(flow, core, tmp_path):
    from inspect_tool.store.bundle import export_bundle, import_bundle, read_bundle, write_bundle

    a = flow.new("HB-X01", SET, 2025, "self")
    flow.keep_pending(a.id, "3.4.1", {"numerator": "9x8"})
    path = tmp_path / "b.json"
    write_bundle(path, export_bundle(flow.store, unit="HB-X01"))
    with open_store(tmp_path / "other", user="b") as other:
        import_bundle(other, read_bundle(path))
        assert other.assessment(a.id).items["3.4.1"].pending == {"numerator": "9x8"}
