"""An assessment's life on a real store: answers, states, appraisal, pinning, bundles."""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

from inspect_tool.core import Core
from inspect_tool.model import Evidence
from inspect_tool.samples import sample_answers
from inspect_tool.store import open_store
from inspect_tool.store.bundle import (
    BundleError,
    export_bundle,
    import_bundle,
    read_bundle,
    write_bundle,
)
from inspect_tool.units import read_units_csv
from inspect_tool.workflow import Workflow, WorkflowError
from tests.test_store import UNITS

SET = "cchc-xa-2025"


@pytest.fixture
def flow(core, store_target):
    """On both stores: the embedded one and the central one."""
    store = open_store(store_target, user="Nguyễn Văn A")
    store.put_units(read_units_csv(UNITS), [])
    yield Workflow(core, store)
    store.close()


def fill(flow: Workflow, ref: str, seed: int = 1) -> None:
    """Answer every item as a unit would, evidence included where required."""
    a = flow.get(ref)
    engine = flow.engine(a)
    for code, answer in sample_answers(engine, random.Random(seed), quality=0.9).items():
        evidence = [Evidence("01/BC-UBND", "2025-12-01", "UBND")]
        if answer.na:
            flow.answer(ref, code, na=True, evidence=evidence)
        else:
            flow.answer(ref, code, answer.inputs, evidence=evidence)


def test_new_checks_unit_set_year_and_level(flow):
    with pytest.raises(WorkflowError, match="no unit 'NOPE'"):
        flow.new("NOPE", SET, 2025, "self")
    with pytest.raises(WorkflowError, match="is for 2025, not 2024"):
        flow.new("HB-X01", SET, 2024, "self")
    with pytest.raises(WorkflowError, match="no submitted self-assessment"):
        flow.new("HB-X01", SET, 2025, "appraisal")
    a = flow.new("HB-X01", SET, 2025, "self")
    assert (a.state, a.kind, a.set_id) == ("draft", "self", SET)
    assert flow.get(a.id[:6]) == a


def test_answers_are_checked_stored_and_merged(flow):
    a = flow.new("HB-P01", SET, 2025, "self")
    flow.answer(
        a.id,
        "3.4.1",
        {"numerator": "4541", "denominator": "4545"},
        note="Số liệu từ Hệ thống thông tin giải quyết TTHC",
    )
    before = (flow.store.assessment(a.id), flow.store.audit_log(a.id))
    with pytest.raises(WorkflowError) as info:
        flow.answer(a.id, "3.4.1", {"numerator": "5000"})
    assert "item 3.4.1: numerator: cannot exceed" in str(info.value)
    assert (flow.store.assessment(a.id), flow.store.audit_log(a.id)) == before  # nothing stored
    merged = flow.answer(a.id, "3.4.1", {"numerator": "4500"})
    item = merged.items["3.4.1"]
    assert (item.inputs["numerator"], item.inputs["denominator"]) == (4500, 4545)
    assert item.note.startswith("Số liệu")
    with pytest.raises(WorkflowError, match="points are typed only for manual items"):
        flow.answer(a.id, "3.4.1", points=1)
    manual = next(c for c in flow.engine(a).cset.items() if c.method == "manual")
    scored = flow.answer(a.id, manual.code, points="0.25")
    assert flow.scores(scored).points[manual.code] == 0.25
    na = flow.answer(a.id, "2.4", na=True)
    assert flow.scores(na).explanation("2.4") == "not applicable, counted as full points"


def test_life_draft_submitted_finalized_reopened(flow):
    a = flow.new("HB-X02", SET, 2025, "self")
    with pytest.raises(WorkflowError, match="cannot submit"):
        flow.submit(a.id)
    fill(flow, a.id)
    assert flow.missing(flow.get(a.id)) == []
    assert flow.submit(a.id).state == "submitted"
    with pytest.raises(WorkflowError, match="is submitted: reopen it"):
        flow.answer(a.id, "1.3.1", {"done": "yes"})
    assert flow.finalize(a.id).state == "finalized"
    with pytest.raises(WorkflowError, match="needs a reason"):
        flow.reopen(a.id, " ")
    assert flow.reopen(a.id, "Đơn vị bổ sung tài liệu").state == "draft"
    log = dict(flow.store.audit_logs())
    entries = next(v for k, v in log.items() if a.id in k)
    assert entries[-1]["new"] == {"state": "draft", "reason": "Đơn vị bổ sung tài liệu"}
    assert all(e["who"] == "Nguyễn Văn A" for e in entries)


def test_missing_lists_evidence_and_unanswered(flow):
    a = flow.new("HB-X03", SET, 2025, "self")
    required = next(c for c in flow.engine(a).cset.items() if c.evidence_required)
    fill(flow, a.id)
    flow.answer(a.id, required.code, evidence=[])
    assert flow.missing(flow.get(a.id)) == [f"item {required.code}: evidence required"]


def test_appraisal_starts_from_the_self_assessment_and_needs_reasons(flow):
    own = flow.new("HB-X04", SET, 2025, "self")
    fill(flow, own.id)
    flow.submit(own.id)
    appraisal = flow.new("HB-X04", SET, 2025, "appraisal")
    assert appraisal.base == own.id
    assert appraisal.items == flow.get(own.id).items
    code = "1.1.1"
    with pytest.raises(WorkflowError, match="give the reason"):
        flow.answer(appraisal.id, code, {"date": "2025-06-30"})
    changed = flow.answer(
        appraisal.id, code, {"date": "2025-06-30"}, reason="Ngày ký số trên văn bản là 30/6"
    )
    assert flow.scores(changed).points[code] == 0
    assert flow.missing_items(changed) == []
    assert flow.submit(appraisal.id).state == "submitted"


def test_an_appraisal_differing_from_a_reworked_self_assessment_asks_for_reasons(flow):
    own = flow.new("HB-X02", SET, 2025, "self")
    fill(flow, own.id)
    flow.submit(own.id)
    appraisal = flow.new("HB-X02", SET, 2025, "appraisal")
    code = "1.1.1"
    # the ward reopens its own self-assessment and changes an answer after the appraisal began
    flow.reopen(own.id, "Bổ sung tài liệu theo yêu cầu của Sở")
    flow.answer(own.id, code, {"date": "2025-06-30"})
    flow.submit(own.id)
    appraisal = flow.get(appraisal.id)
    assert flow.missing_items(appraisal) == [(code, f"item {code}: changed score without a reason")]
    with pytest.raises(WorkflowError, match="changed score without a reason"):
        flow.submit(appraisal.id)


def test_an_assessment_keeps_its_set_after_the_yaml_changes(flow, core):
    a = flow.new("HB-X05", SET, 2025, "self")
    fill(flow, a.id)
    before = flow.scores(flow.get(a.id))
    edited = Core(core.registry, dataclasses.replace(core.catalog, sets=[]))
    later = Workflow(edited, flow.store)  # the shipped set is gone or changed: the pin holds
    after = later.scores(later.get(a.id))
    assert (after.total, after.points) == (before.total, before.points)


def test_findings_recommendations_participants(flow):
    a = flow.new("HB-X06", SET, 2025, "inspection")
    flow.add_finding(a.id, "3", "Chưa gửi thư xin lỗi đối với 4 hồ sơ quá hạn")
    flow.add_recommendation(a.id, "3", "Gửi thư xin lỗi, hẹn lại ngày trả kết quả", "2026-01-31")
    flow.add_participant(a.id, "Trần Thị B", "Trưởng đoàn", "team")
    flow.add_participant(a.id, "Lê Văn C", "Chủ tịch UBND xã", "unit")
    flow.update_header(a.id, place="Trụ sở UBND xã Thạch Đồng", started="2025-11-20T08:30")
    got = flow.get(a.id)
    assert got.findings[0].area == "3" and got.recommendations[0].deadline == "2026-01-31"
    assert [p.side for p in got.participants] == ["team", "unit"]
    assert got.place.startswith("Trụ sở")
    with pytest.raises(WorkflowError, match="no area '99'"):
        flow.add_finding(a.id, "99", "x")
    with pytest.raises(WorkflowError, match="is not a date"):
        flow.add_recommendation(a.id, "3", "x", "sau Tết 2026")


def test_bundle_round_trip_idempotent_and_conflicts_refused(flow, core, tmp_path):
    a = flow.new("HB-X07", SET, 2025, "self")
    fill(flow, a.id)
    flow.add_finding(a.id, "1", "Kế hoạch ban hành chậm")
    write_bundle(tmp_path / "b.json", export_bundle(flow.store, unit="HB-X07"))
    with open_store(tmp_path / "other", user="Sở Nội vụ") as other:
        counts = import_bundle(other, read_bundle(tmp_path / "b.json"))
        assert counts == {
            "units": 1, "assessments": 1, "unchanged": 0, "followups": 0, "followups_unchanged": 0
        }  # fmt: skip
        again = import_bundle(other, read_bundle(tmp_path / "b.json"))
        assert again == {
            "units": 0, "assessments": 0, "unchanged": 1, "followups": 0, "followups_unchanged": 0
        }  # fmt: skip
        there = Workflow(core, other)
        assert there.scores(there.get(a.id)).total == flow.scores(flow.get(a.id)).total
        assert there.get(a.id).findings == flow.get(a.id).findings
        log = next(v for k, v in other.audit_logs() if a.id in k)
        assert log[0]["what"] == "created" and log[-1]["what"] == "imported"
        # the ward changes its copy and sends it again: refused, not overwritten
        flow.answer(a.id, "1.2", flow.get(a.id).items["1.2"].inputs, note="sửa lại")
        write_bundle(tmp_path / "b2.json", export_bundle(flow.store, unit="HB-X07"))
        with pytest.raises(BundleError, match="different content; it was not overwritten"):
            import_bundle(other, read_bundle(tmp_path / "b2.json"))
        assert there.get(a.id).items["1.2"].note == ""


def test_tampered_bundle_refused(flow, tmp_path):
    a = flow.new("HB-X08", SET, 2025, "self")
    flow.answer(a.id, "1.3.1", {"done": "yes"})
    write_bundle(tmp_path / "b.json", export_bundle(flow.store))
    data = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    data["assessments"][0]["items"][0]["inputs"]["done"] = False
    (tmp_path / "t.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BundleError, match="does not match its hash"):
        read_bundle(tmp_path / "t.json")
    (tmp_path / "n.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(BundleError, match="not an inspect-tool bundle"):
        read_bundle(tmp_path / "n.json")


def test_item_state_says_what_a_mark_shows(flow):
    from inspect_tool.model import Evidence, ItemRecord
    from inspect_tool.workflow import item_state

    a = flow.new("HB-X07", SET, 2025, "self")
    required = next(c for c in flow.engine(a).cset.items() if c.evidence_required)
    answered = ItemRecord(code=required.code, inputs={"x": 1})
    proof = Evidence(number="01/KH-UBND", date="2025-01-20", issuer="UBND xã")
    cases = [
        (None, 0.0, None, "unanswered"),
        (answered, 0.5, 0.25, "differs"),  # an appraisal that changed the points
        (ItemRecord(code=required.code, na=True), 0.0, None, "na"),
        (answered, 0.5, None, "evidence"),
        (answered, 0.5, 0.5 + 1e-12, "evidence"),  # float noise is no change
        (ItemRecord(code=required.code, inputs={"x": 1}, evidence=(proof,)), 0.5, None, "answered"),
    ]
    for record, points, base, expected in cases:
        assert item_state(required, record, points, base) == expected


def test_sets_offered_for_a_unit(flow):
    years = [s.year for s in flow.sets_for("HB-X07", 2025)]
    assert years and years[0] == 2025
    assert all("commune" in s.levels for s in flow.sets_for("HB-X07", 2025))


def test_findings_and_participants_need_words(flow):
    a = flow.new("HB-X08", SET, 2025, "self")
    for call in (
        lambda: flow.add_finding(a.id, "1", "   "),
        lambda: flow.add_recommendation(a.id, "1", ""),
        lambda: flow.add_participant(a.id, "Nguyễn Văn A", " "),
        lambda: flow.add_participant(a.id, "", "Trưởng đoàn"),
    ):
        with pytest.raises(WorkflowError, match="write the"):
            call()
    kept = flow.add_finding(a.id, "1", "  Chưa ban hành kế hoạch  ")
    assert kept.findings[-1].text == "Chưa ban hành kế hoạch"
