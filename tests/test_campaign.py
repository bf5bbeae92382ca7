"""The yearly campaign, driven through both stores with an injected clock (never sleeping):
the plan, one self-assessment per unit, a withdrawal, a late edit refused, an extension, the
appraisal, the explanation window in working days, the council's decisions (one contest
upheld, one rejected), publication with its documents, and moving back."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from inspect_tool import campaign as rules
from inspect_tool.campaign import Campaign, Track
from inspect_tool.campaign_flow import CampaignError, CampaignFlow
from inspect_tool.model import Evidence, Unit
from inspect_tool.samples import sample_answers
from inspect_tool.store import Change, open_store
from inspect_tool.store.audit import verify
from inspect_tool.workflow import DuplicateError, Workflow, WorkflowError, record_from_answer

SET = "cchc-xa-2025"
UNITS = [
    Unit("W-01", "Phường Một", "ward", "Tỉnh X"),
    Unit("W-02", "Phường Hai", "ward", "Tỉnh X"),
]
EVIDENCE = (Evidence("01/KH-UBND", "2025-01-10", "UBND"),)
HOLIDAYS = frozenset({dt.date(2026, 1, 1)})


class Clock:
    """The campaign's clock, moved by the test."""

    def __init__(self, day: dt.date):
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


# -- the pure rules ----------------------------------------------------------------------------


def test_working_days_skip_weekends_and_holidays():
    friday = dt.date(2025, 12, 26)
    # Mon 29, Tue 30, Wed 31, (Thu 1 Jan a holiday), Fri 2
    assert rules.add_working_days(friday, 4, HOLIDAYS) == dt.date(2026, 1, 2)
    assert rules.working_days_between(friday, dt.date(2026, 1, 2), HOLIDAYS) == 4
    assert rules.working_days_between(dt.date(2026, 1, 2), friday, HOLIDAYS) == -4
    assert rules.add_working_days(friday, 0, HOLIDAYS) == friday


def test_deadline_extension_and_steps():
    c = Campaign("c", "Tỉnh X", 2025, deadline="2026-01-15", explain_days=5)
    track = Track("W-01")
    assert rules.may_change_self(c, track, dt.date(2026, 1, 15))  # the day itself included
    assert not rules.may_change_self(c, track, dt.date(2026, 1, 16))
    extended = dataclasses.replace(
        track, extensions=(rules.Extension("2026-01-20", "ốm", "A", "2026-01-16"),)
    )
    assert rules.may_change_self(c, extended, dt.date(2026, 1, 20))
    assert rules.step(c, track, "", dt.date(2026, 1, 1), HOLIDAYS) == "not_started"
    assert rules.step(c, track, "draft", dt.date(2026, 1, 1), HOLIDAYS) == "self_draft"
    assert rules.days_left(c, track, "self_draft", dt.date(2026, 1, 18), HOLIDAYS) == (
        "deadline",
        -3,
    )
    sent = dataclasses.replace(track, appraisal_id="x", sent="2026-01-26")
    assert rules.window_close(c, sent, HOLIDAYS) == dt.date(2026, 2, 2)
    assert rules.step(c, sent, "submitted", dt.date(2026, 2, 2), HOLIDAYS) == "explanation"
    assert rules.step(c, sent, "submitted", dt.date(2026, 2, 3), HOLIDAYS) == "council"
    assert rules.days_left(c, sent, "explanation", dt.date(2026, 1, 29), HOLIDAYS) == (
        "window",
        2,
    )
    assert rules.counts(["final", "final", "council"])["final"] == 2


# -- a whole campaign on both stores -------------------------------------------------------


def _fill(flow: Workflow, assessment_id: str, seed: str) -> None:
    """Answer every item (the plan issued on time), as the unit would."""
    import random

    a = flow.get(assessment_id)
    engine = flow.engine(a)
    answers = sample_answers(engine, random.Random(seed), quality=0.8)
    items = {
        code: record_from_answer(code, ans, EVIDENCE if engine.item(code).evidence_required else ())
        for code, ans in answers.items()
    }
    items["1.1.1"] = record_from_answer(
        "1.1.1", engine.check("1.1.1", {"date": "2025-01-10"}), EVIDENCE
    )
    flow.store.save(dataclasses.replace(a, items=items), [Change("answers", None, len(items))])


@pytest.fixture
def store(store_target):
    with open_store(store_target, user="Sở Nội vụ") as s:
        s.put_units(UNITS, [Change("units", None, 2)])
        yield s


@pytest.mark.slow  # 5-9 s: its publication renders three PDFs
def test_a_whole_campaign(core, store, tmp_path):
    clock = Clock(dt.date(2026, 1, 5))
    flow = Workflow(core, store)
    cf = CampaignFlow(flow, clock=clock, holidays=HOLIDAYS)
    c = cf.new(
        "hoa-an-2025",
        "Tỉnh X",
        2025,
        {"ward": SET},
        deadline="15/1/2026",
        appraisal_from="2026-01-16",
        appraisal_to="10/02/2026",
        explain_days=5,
        publish_on="31/3/2026",
        place="Sở Nội vụ tỉnh X",
    )
    assert c.deadline == "2026-01-15" and sorted(c.tracks) == ["W-01", "W-02"]
    with pytest.raises(CampaignError, match="exists already"):
        cf.new("hoa-an-2025", "Tỉnh X", 2025, {"ward": SET})

    # self-scoring: one each, a second refused with the first named
    a = cf.start_self("hoa-an-2025", "W-01")
    b = cf.start_self("hoa-an-2025", "W-02")
    with pytest.raises(DuplicateError, match=a.id[:8]):
        cf.start_self("hoa-an-2025", "W-01")
    _fill(flow, a.id, "a")
    _fill(flow, b.id, "b")
    flow.submit(a.id)
    # before the deadline a unit may take its submission back to edit it
    assert cf.withdraw("hoa-an-2025", "W-01", "Bổ sung tài liệu").state == "draft"
    flow.answer(a.id, "1.1.1", {"date": "2025-01-12"})
    flow.submit(a.id)

    # after the deadline: W-02's late edit is refused, until an extension
    clock.day = dt.date(2026, 1, 19)
    with pytest.raises(WorkflowError, match="deadline"):
        flow.answer(b.id, "1.1.1", {"date": "2025-01-11"})
    with pytest.raises(WorkflowError, match="deadline"):
        flow.submit(b.id)
    with pytest.raises(CampaignError, match="deadline"):
        cf.withdraw("hoa-an-2025", "W-01", "muộn")
    with pytest.raises(CampaignError):
        cf.extend("hoa-an-2025", "W-02", "2026-01-10", "lùi", "Giám đốc")  # before the deadline
    cf.extend("hoa-an-2025", "W-02", "22/1/2026", "Cán bộ phụ trách ốm", "Nguyễn Văn Giám")
    flow.answer(b.id, "1.1.1", {"date": "2025-01-11"})
    flow.submit(b.id)

    # appraisal: both plans were in fact signed late
    clock.day = dt.date(2026, 1, 26)  # a Monday
    for unit in ("W-01", "W-02"):
        appraisal = cf.appraise("hoa-an-2025", unit)
        flow.answer(appraisal.id, "1.1.1", {"date": "2025-02-20"}, reason="Ký số ngày 20/02/2025")
        cf.send("hoa-an-2025", unit)
    with pytest.raises(WorkflowError, match="appraisal .* has started"):
        flow.reopen(a.id, "sửa nữa")  # its appraisal started from it: it no longer changes
    c, rows = cf.board("hoa-an-2025")
    assert [r.step for r in rows] == ["explanation", "explanation"]
    assert rows[0].window_close == "2026-02-02" and rows[0].days == 5 and rows[0].changed == 1

    # the explanation round: both contest; the council upholds one and rejects the other
    with pytest.raises(CampaignError, match="not changed"):
        cf.explain("hoa-an-2025", "W-01", "1.1.2", "contest", "x")
    with pytest.raises(CampaignError, match="reason"):
        cf.explain("hoa-an-2025", "W-01", "1.1.1", "contest", "")
    cf.explain("hoa-an-2025", "W-01", "1.1.1", "contest", "Ký ngày 12/01", "Văn bản 01/KH")
    with pytest.raises(CampaignError, match="explanation round"):
        cf.final("hoa-an-2025", "W-02", "Hội đồng")  # W-02 has not answered, its window is open
    cf.explain("hoa-an-2025", "W-02", "1.1.1", "contest", "Đã ký đúng hạn")
    clock.day = dt.date(2026, 2, 3)
    with pytest.raises(CampaignError, match="not open"):
        cf.explain("hoa-an-2025", "W-02", "1.1.1", "accept")
    before = flow.scores(flow.get(c.tracks["W-01"].appraisal_id)).total
    cf.decide("hoa-an-2025", "W-01", "1.1.1", "change", "Chữ ký số ngày 12/01", "Hội đồng")
    cf.decide("hoa-an-2025", "W-02", "1.1.1", "keep", "Chữ ký số ngày 20/02", "Hội đồng")
    after = flow.scores(flow.get(c.tracks["W-01"].appraisal_id)).total
    assert after > before
    _c, rows = cf.board("hoa-an-2025")
    assert [(r.step, r.contested, r.waiting) for r in rows] == [("council", 1, 0)] * 2

    # final, then publication locks the results and writes the documents
    with pytest.raises(CampaignError, match="not every result"):
        cf.publish("hoa-an-2025", "Giám đốc", tmp_path / "docs")
    cf.final("hoa-an-2025", "W-01", "Hội đồng")
    cf.final("hoa-an-2025", "W-02", "Hội đồng")
    clock.day = dt.date(2026, 3, 31)
    c, written = cf.publish("hoa-an-2025", "Trần Giám Đốc", tmp_path / "docs")
    assert c.published == "2026-03-31" and [r.unit for r in c.results][0] == "W-01"
    assert {p.name for p in written} == {
        "ket-qua-hoa-an-2025.pdf",
        "ket-qua-hoa-an-2025.xlsx",
        "thong-bao-hoa-an-2025-W-01.pdf",
        "thong-bao-hoa-an-2025-W-02.pdf",
    }
    assert all(p.stat().st_size > 1000 for p in written)
    appraisal = c.tracks["W-01"].appraisal_id
    assert flow.get(appraisal).state == "finalized"
    with pytest.raises(WorkflowError, match="published"):
        flow.reopen(appraisal, "sửa")
    with pytest.raises(CampaignError, match="published"):
        cf.decide("hoa-an-2025", "W-02", "1.1.1", "change", "x", "y")

    # moving back needs a reason and a name, and is logged
    with pytest.raises(CampaignError, match="reason"):
        cf.reopen("hoa-an-2025", "", "Giám đốc")
    c = cf.reopen("hoa-an-2025", "Khiếu nại của phường Hai", "Trần Giám Đốc")
    assert not c.published and not c.results
    c = cf.reopen("hoa-an-2025", "Xem lại", "Trần Giám Đốc", unit="W-02")
    assert (
        not c.tracks["W-02"].final and flow.get(c.tracks["W-02"].appraisal_id).state == "submitted"
    )

    campaign_log = store.campaign_log("hoa-an-2025")
    assert [e["what"] for e in campaign_log] == ["campaign created", "published", "reopened"]
    unit_log = store.campaign_log("hoa-an-2025", "W-02")
    whats = [e["what"] for e in unit_log]
    assert whats[:2] == ["self-assessment", "extension"] and whats[-1] == "moved back"
    assert "decision 1.1.1" in whats and "explanation 1.1.1" in whats
    for name, log in store.audit_logs():
        assert verify(name, log) is None


def test_the_deadline_binds_until_an_extension(core, store):
    """The default run's share of the whole campaign (which is slow): the dates' locks."""
    clock = Clock(dt.date(2026, 1, 5))
    flow = Workflow(core, store)
    cf = CampaignFlow(flow, clock=clock, holidays=HOLIDAYS)
    cf.new("c", "Tỉnh X", 2025, {"ward": SET}, units=["W-01"], deadline="15/01/2026")
    a = cf.start_self("c", "W-01")
    flow.answer(a.id, "1.1.1", {"date": "2025-01-10"})
    clock.day = dt.date(2026, 1, 16)
    with pytest.raises(WorkflowError, match="deadline .* was 15/01/2026"):
        flow.answer(a.id, "1.1.1", {"date": "2025-01-11"})
    cf.extend("c", "W-01", "2026-01-20", "Mất điện", "Giám đốc Sở")
    flow.answer(a.id, "1.1.1", {"date": "2025-01-11"})
    [entry] = [e for e in store.campaign_log("c", "W-01") if e["what"] == "extension"]
    assert entry["new"]["reason"] == "Mất điện" and entry["new"]["by"] == "Giám đốc Sở"
    clock.day = dt.date(2026, 1, 21)
    with pytest.raises(WorkflowError, match="deadline .* was 20/01/2026"):
        flow.clear(a.id, "1.1.1")


def test_the_appraisal_waits_for_the_deadline_or_the_plans_period(core, store):
    """Provinces appraise after the deadline (an extension included); a plan whose
    appraisal period begins earlier lets a unit that submitted be appraised from then."""
    clock = Clock(dt.date(2026, 1, 5))
    flow = Workflow(core, store)
    cf = CampaignFlow(flow, clock=clock, holidays=HOLIDAYS)
    cf.new("c", "Tỉnh X", 2025, {"ward": SET}, deadline="15/01/2026")
    for unit in ("W-01", "W-02"):
        a = cf.start_self("c", unit)
        _fill(flow, a.id, unit)
        flow.submit(a.id)
    with pytest.raises(CampaignError, match="before 16/01/2026: .* deadline is 15/01/2026"):
        cf.appraise("c", "W-01")
    clock.day = dt.date(2026, 1, 15)
    cf.extend("c", "W-02", "2026-01-20", "Mất điện", "Giám đốc Sở")
    clock.day = dt.date(2026, 1, 16)
    assert cf.appraise("c", "W-01").kind == "appraisal"
    with pytest.raises(CampaignError, match="before 21/01/2026: .* deadline is 20/01/2026"):
        cf.appraise("c", "W-02")
    assert not cf.get("c").tracks["W-02"].appraisal_id  # refused: nothing changed
    # the plan's appraisal period begins on the 19th: from then a submitted unit may start
    cf.update("c", appraisal_from="19/01/2026")
    with pytest.raises(CampaignError, match="before 19/01/2026, the first day"):
        cf.appraise("c", "W-02")
    clock.day = dt.date(2026, 1, 19)
    assert cf.appraise("c", "W-02").unit == "W-02"


def test_the_plan_changes_its_sets_and_units_until_they_are_used(core, store):
    """A kind's set changes while no unit of it scored itself on the old one; units join
    until publication and leave while they have not started; each change logged."""
    clock = Clock(dt.date(2026, 1, 5))
    flow = Workflow(core, store)
    cf = CampaignFlow(flow, clock=clock, holidays=HOLIDAYS)
    cf.new("c", "Tỉnh X", 2025, {"ward": SET}, units=["W-01"], deadline="15/01/2026")
    other = "kiem-tra-mot-cua-2025"
    assert cf.update("c", sets={"ward": other}).sets == {"ward": other}
    assert sorted(cf.update("c", add_units=["W-02"]).tracks) == ["W-01", "W-02"]
    with pytest.raises(CampaignError, match="no unit 'NOPE'"):
        cf.update("c", add_units=["NOPE"], deadline="16/01/2026")
    assert cf.get("c").deadline == "2026-01-15"  # refused as a whole
    with pytest.raises(CampaignError, match="at least one unit"):
        cf.update("c", remove_units=["W-01", "W-02"])
    a = cf.start_self("c", "W-01")
    assert a.set_id == other
    with pytest.raises(CampaignError, match=f"units W-01 have their self-assessment on {other}"):
        cf.update("c", sets={"ward": SET})
    with pytest.raises(CampaignError, match="units W-01 have started .* cannot be removed"):
        cf.update("c", remove_units=["W-01", "W-02"])
    with pytest.raises(CampaignError, match="W-03 do not take part"):
        cf.update("c", remove_units=["W-03"])
    c = cf.update("c", remove_units=["W-02"])
    assert sorted(c.tracks) == ["W-01"] and c.sets == {"ward": other}
    whats = [(e["what"], e["new"]) for e in store.campaign_log("c")]
    assert whats[1:] == [
        ("sets", {"ward": other}),
        ("units added", ["W-02"]),
        ("units removed", None),
    ]
    # after publication nothing changes until the recorded reopening
    store.save_campaign(dataclasses.replace(c, published="2026-03-31"), [Change("t", None, 1)])
    with pytest.raises(CampaignError, match="published"):
        cf.update("c", add_units=["W-02"])


def test_hostile_plan_is_refused(core, store):
    cf = CampaignFlow(Workflow(core, store), clock=Clock(dt.date(2026, 1, 5)), holidays=HOLIDAYS)
    for bad in ("../x", "A", "", "x" * 70, "a/b"):
        with pytest.raises(CampaignError, match="campaign id"):
            cf.new(bad, "Tỉnh X", 2025, {"ward": SET})
    with pytest.raises(CampaignError, match="not a date|real date"):
        cf.new("c", "Tỉnh X", 2025, {"ward": SET}, deadline="31/2/2026")
    with pytest.raises(CampaignError, match="comes before"):
        cf.new(
            "c", "Tỉnh X", 2025, {"ward": SET}, appraisal_from="2/2/2026", appraisal_to="1/2/2026"
        )
    with pytest.raises(CampaignError, match="kind of unit"):
        cf.new("c", "Tỉnh X", 2025, {"palace": SET})
    with pytest.raises(CampaignError, match="no unit"):
        cf.new("c", "Tỉnh X", 2025, {"ward": SET}, units=["NOPE"])
    with pytest.raises(CampaignError, match="working days"):
        cf.new("c", "Tỉnh X", 2025, {"ward": SET}, explain_days=0)
    assert store.campaign_ids() == []
    with pytest.raises(KeyError):
        store.campaign("../../etc")


# -- the central store: who may write what -----------------------------------------------


def _sent(core, store, clock: Clock) -> CampaignFlow:
    """A campaign whose two units' appraisals were sent on Monday 26/01/2026."""
    flow = Workflow(core, store)
    cf = CampaignFlow(flow, clock=clock, holidays=HOLIDAYS)
    cf.new("c-2025", "Tỉnh X", 2025, {"ward": SET}, deadline="2026-01-15", place="Sở Nội vụ")
    for n, unit in enumerate(("W-01", "W-02")):
        a = cf.start_self("c-2025", unit)
        _fill(flow, a.id, str(n))
        flow.submit(a.id)
    clock.day = dt.date(2026, 1, 26)
    for unit in ("W-01", "W-02"):
        appraisal = cf.appraise("c-2025", unit)
        flow.answer(appraisal.id, "1.1.1", {"date": "2025-02-20"}, reason="Ký muộn")
        cf.send("c-2025", unit)
    return cf


def test_a_unit_account_explains_its_own_and_nothing_else(core, pg_store, pg_cluster):
    import psycopg

    from inspect_tool.store.postgres import add_account

    admin, department = pg_store
    clock = Clock(dt.date(2026, 1, 5))
    with open_store(department, user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, 2)])
        _sent(core, store, clock)
    add_account(admin, "unit_w01", "unit", unit="W-01")
    url = pg_cluster.url(admin.rsplit("/", 1)[1], "unit_w01")
    with open_store(url, user="Phường Một") as store:
        cf = CampaignFlow(Workflow(core, store), clock=clock, holidays=HOLIDAYS)
        c = cf.get("c-2025")
        assert list(c.tracks) == ["W-01"]  # another unit's track is not even seen
        cf.explain("c-2025", "W-01", "1.1.1", "contest", "Đã ký đúng hạn")
        with pytest.raises(CampaignError, match="does not take part"):
            cf.explain("c-2025", "W-02", "1.1.1", "accept")
        assert [e["what"] for e in store.campaign_log("c-2025", "W-01")][-1] == "explanation 1.1.1"
    for sql in ("UPDATE campaign_tracks SET doc = '{}'", "UPDATE campaigns SET year = 1999"):
        with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql)  # the plan and the tracks are the Department's
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO campaign_explanations (campaign_id, unit, item, doc) "
            "VALUES ('c-2025', 'W-02', '1.1.1', '{}')"
        )
    with open_store(department, user="Sở Nội vụ") as store:
        c = store.campaign("c-2025")
        assert c.tracks["W-01"].contested == ["1.1.1"] and not c.tracks["W-02"].explanations


def test_a_unit_account_scores_itself_and_withdraws(core, pg_store, pg_cluster):
    from inspect_tool.store.postgres import add_account

    admin, department = pg_store
    clock = Clock(dt.date(2026, 1, 5))
    with open_store(department, user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, 2)])
        CampaignFlow(Workflow(core, store), clock=clock, holidays=HOLIDAYS).new(
            "c-2025", "Tỉnh X", 2025, {"ward": SET}, deadline="2026-01-15"
        )
    add_account(admin, "unit_w02", "unit", unit="W-02")
    url = pg_cluster.url(admin.rsplit("/", 1)[1], "unit_w02")
    with open_store(url, user="Phường Hai") as store:
        flow = Workflow(core, store)
        cf = CampaignFlow(flow, clock=clock, holidays=HOLIDAYS)
        a = cf.start_self("c-2025", "W-02")
        with pytest.raises(DuplicateError, match=a.id[:8]):
            cf.start_self("c-2025", "W-02")
        _fill(flow, a.id, "w02")
        flow.submit(a.id)
        assert cf.withdraw("c-2025", "W-02", "Bổ sung").state == "draft"
        whats = [e["what"] for e in store.campaign_log("c-2025", "W-02")]
        assert whats == ["self-assessment", "withdrawn"]
        _c, [row] = cf.board("c-2025")
        assert (row.unit, row.step, row.self_id) == ("W-02", "self_draft", a.id)


def test_two_people_at_once_lose_nothing(core, pg_store):
    from inspect_tool.store.postgres import StaleError

    clock = Clock(dt.date(2026, 1, 5))
    with open_store(pg_store[1], user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, 2)])
        cf = _sent(core, store, clock)
        item = "1.1.1"
        cf.explain("c-2025", "W-01", item, "contest", "Đã ký đúng hạn")
        read = store.campaign("c-2025")  # a council member's copy, read before the next steps
        clock.day = dt.date(2026, 2, 3)
        cf.decide("c-2025", "W-01", item, "keep", "Ký muộn", "Hội đồng")
        late = dataclasses.replace(read.tracks["W-01"], final="2026-02-03", version=2)
        stale = dataclasses.replace(read, tracks={**read.tracks, "W-01": late})
        with pytest.raises(StaleError, match="someone else"):
            store.save_campaign(stale, [Change("final", None, "x")], unit="W-01")
        # a campaign's own save (its dates) from an old copy leaves the tracks as they are
        store.save_campaign(dataclasses.replace(read, place="Hội trường"), [Change("place", 1, 2)])
        kept = store.campaign("c-2025").tracks["W-01"]
        assert (
            kept.decisions[item].outcome == "keep" and kept.explanations[item].answer == "contest"
        )


# -- the command line and the demo --------------------------------------------------------


@pytest.fixture
def run(tmp_path):
    from click.testing import CliRunner

    from inspect_tool.cli import cli

    def _run(*args: str):
        return CliRunner().invoke(
            cli,
            ["--lang", "en", "--plugins-dir", str(tmp_path / "none"), "--db",
             str(tmp_path / "demo"), "--user", "Sở Nội vụ", *args],
        )  # fmt: skip

    return _run


@pytest.mark.slow  # 6 s: the demo, and the board as PDF
def test_the_demo_campaign_from_the_command_line(core, tmp_path, run):
    import json

    from inspect_tool.demo import DEMO_CAMPAIGN, build_demo_store

    with open_store(tmp_path / "demo", user="demo") as store:
        build_demo_store(core, store, campaign=True)
    board = run("campaign", "board", DEMO_CAMPAIGN, "--json")
    assert board.exit_code == 0, board.output
    data = json.loads(board.output)
    steps = {u["unit"]: u["step"] for u in data["units"]}
    assert steps["HB-X04"] == "explanation" and steps["HB-P01"] == "appraisal"
    assert steps["HB-X05"] == "self_draft" and steps["HB-X09"] == "not_started"
    assert data["counts"]["submitted"] == 8 and sum(data["counts"].values()) == 15
    waiting = next(u for u in data["units"] if u["unit"] == "HB-X04")
    assert waiting["contested"] == 1 and waiting["clock"] == "window"

    changes = json.loads(run("campaign", "changes", DEMO_CAMPAIGN, "HB-X04", "--json").output)
    [item] = [c["item"] for c in changes]
    assert changes[0]["answer"] == "contest" and changes[0]["reason"]
    # the council decides: the unit answered everything, so it need not wait for the window
    no_name = run("campaign", "decide", DEMO_CAMPAIGN, "HB-X04", item, "--keep", "--reason", "x")
    assert no_name.exit_code == 2
    decided = run(
        "campaign", "decide", DEMO_CAMPAIGN, "HB-X04", item, "--change",
        "--reason", "Có bản ký số", "--by", "Hội đồng thẩm định", "--json",
    )  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.output)["tracks"]["HB-X04"]["decisions"][item]["outcome"] == "change"
    final = run("campaign", "final", DEMO_CAMPAIGN, "HB-X04", "--by", "Hội đồng")
    assert final.exit_code == 0, final.output
    late = run("campaign", "publish", DEMO_CAMPAIGN, "--by", "Giám đốc", "--out", str(tmp_path))
    assert late.exit_code == 1 and "not every result is final" in late.stderr

    for name in ("board.xlsx", "board.pdf"):
        made = run("campaign", "board", DEMO_CAMPAIGN, "--out", str(tmp_path / name))
        assert made.exit_code == 0, made.output
        assert (tmp_path / name).stat().st_size > 1000
    again = run("campaign", "board", DEMO_CAMPAIGN, "--out", str(tmp_path / "board.pdf"))
    assert again.exit_code == 1  # not replaced without --force


def test_hostile_command_lines_exit_1_without_a_traceback(run, tmp_path):
    from inspect_tool.demo import demo_units

    with open_store(tmp_path / "demo", user="x") as store:
        store.put_units(demo_units(), [Change("units", None, 15)])
    cases = [
        ("campaign", "new", "../x", "--province", "P", "--year", "2025", "--set", "ward=" + SET),
        ("campaign", "new", "c", "--province", "P", "--year", "2025", "--set", "ward"),
        ("campaign", "new", "c", "--province", "P", "--year", "2025", "--set", "ward=nope"),
        ("campaign", "new", "c", "--province", "P", "--year", "2025", "--set", "ward=" + SET,
         "--deadline", "32/1/2026"),
        ("campaign", "show", "nope"),
        ("campaign", "board", "../../etc"),
        ("campaign", "explain", "nope", "HB-P01", "1.1.1", "--accept"),
        ("campaign", "set", "nope", "--set", "ward"),
        ("campaign", "set", "nope", "--add-units", "HB-P01"),
    ]  # fmt: skip
    for args in cases:
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert isinstance(result.exception, SystemExit)  # a message, never a traceback
        assert "Traceback" not in result.output
    assert run("campaign", "list", "--json").output.strip() == "[]"


# -- the app ----------------------------------------------------------------------------


async def test_the_explanation_round_in_the_app(core, tmp_path):
    from textual.widgets import DataTable, Input

    from inspect_tool.demo import DEMO_CAMPAIGN, build_demo_store
    from inspect_tool.tui.app import InspectApp
    from inspect_tool.tui.campaign import CampaignScreen

    with open_store(tmp_path / "demo", user="demo") as store:
        build_demo_store(core, store, campaign=True)
    app = InspectApp(core, open_store(tmp_path / "demo", user="Sở Nội vụ"))
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CampaignScreen) and screen.campaign_id == DEMO_CAMPAIGN
        board = screen.query_one("#board", DataTable)
        board.move_cursor(row=[r.unit for r in screen.rows].index("HB-X04"))
        await pilot.pause()
        assert screen.unit == "HB-X04" and len(screen.items) == 1
        [item] = screen.items
        # the unit, in its window, contests the item again with a better reason
        screen.query_one("#reason", Input).value = "Bản ký số ngày 12/01, gửi kèm"
        screen.query_one("#contest").press()
        await pilot.pause()
        track = app.store.campaign(DEMO_CAMPAIGN).tracks["HB-X04"]
        assert track.explanations[item].reason == "Bản ký số ngày 12/01, gửi kèm"
        # the Department decides without a name: refused, in words
        screen.query_one("#reason", Input).value = "Có bản ký số"
        screen.query_one("#keep").press()
        await pilot.pause()
        assert "who decides" in str(screen.query_one("#error").render())
        screen.query_one("#by", Input).value = "Hội đồng thẩm định"
        screen.query_one("#reason", Input).value = "Có bản ký số"
        screen.query_one("#change").press()
        await pilot.pause()
        decision = app.store.campaign(DEMO_CAMPAIGN).tracks["HB-X04"].decisions[item]
        assert (decision.outcome, decision.by) == ("change", "Hội đồng thẩm định")
        assert next(r for r in screen.rows if r.unit == "HB-X04").waiting == 0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CampaignScreen)
    app.store.close()


# -- the board: recommendations overdue, at 80 columns ------------------------------------


@pytest.fixture
def overdue_store(store_target, core):
    """Two wards in a 2025 campaign; HB-P04's 2024 inspection left three recommendations,
    two of them due by 31/03/2025."""
    from inspect_tool.demo import demo_units, finalized_inspection

    recs = (
        ("B", "Niêm yết đầy đủ thủ tục hành chính", "2025-03-31"),
        ("D", "Gửi thư xin lỗi cho hồ sơ quá hạn", "2025-02-28"),
        ("E", "Nâng tỷ lệ hồ sơ trực tuyến", "2025-12-31"),
    )
    with open_store(store_target, user="Sở Nội vụ") as store:
        store.put_units(demo_units(), [Change("units", None, 16)])
        flow = Workflow(core, store)
        finalized_inspection(flow, store.unit("HB-P04"), 2024, recs, "test")
        cf = CampaignFlow(flow, clock=Clock(dt.date(2025, 4, 1)), holidays=HOLIDAYS)
        cf.new("c", "Tỉnh X", 2025, {"ward": SET}, units=["HB-P01", "HB-P04"])
        yield store


def test_the_board_counts_each_units_overdue_recommendations(core, overdue_store, tmp_path):
    flow = Workflow(core, overdue_store)
    on = Clock(dt.date(2025, 4, 1))
    _c, rows = CampaignFlow(flow, clock=on, holidays=HOLIDAYS).board("c")
    assert {r.unit: r.overdue for r in rows} == {"HB-P01": 0, "HB-P04": 2}
    on.day = dt.date(2025, 3, 1)  # derived from the day: only the February one was late
    _c, rows = CampaignFlow(flow, clock=on, holidays=HOLIDAYS).board("c")
    assert {r.unit: r.overdue for r in rows} == {"HB-P01": 0, "HB-P04": 1}

    from inspect_tool.campaign_docs import board_body, board_columns

    column = [label for label, _kind in board_columns()].index("Recommendations overdue")
    assert [row[column] for row in board_body(rows)] == [0, 1]

    from inspect_tool.campaign_docs import write_board
    from tests.test_reports import pdf_text

    c = CampaignFlow(flow, clock=on, holidays=HOLIDAYS).get("c")
    write_board(c, rows, tmp_path / "board.pdf", on.day)
    text = pdf_text(tmp_path / "board.pdf")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text  # the ranking's masthead, shared
    assert "Kiến nghị" in text and "TIẾN ĐỘ XÁC ĐỊNH" in text  # the overdue column


def test_the_campaigns_documents_read_the_rankings_sheet_and_nothing_else(tmp_path):
    from weasyprint.urls import URLFetchingError

    from inspect_tool.minutes import _fetcher

    own, shared = tmp_path / "campaign", tmp_path / "ranking"
    for folder in (own, shared, tmp_path / "other"):
        folder.mkdir()
        (folder / "a.css").write_text("p {}")
    fetch = _fetcher([own, shared]).fetch
    for url in (f"file://{own}/../other/a.css", "file:///etc/passwd", "http://example.com/a"):
        with pytest.raises(URLFetchingError):
            fetch(url)
    assert fetch(f"file://{own}/../ranking/a.css") is not None  # the sibling named


async def test_the_board_fits_80_columns(core, overdue_store):
    from textual.widgets import DataTable, Static

    from inspect_tool.tui.app import InspectApp
    from inspect_tool.tui.campaign import NARROW, CampaignScreen

    app = InspectApp(core, overdue_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CampaignScreen)
        board = screen.query_one("#board", DataTable)
        assert tuple(c.value for c in board.columns) == NARROW
        assert board.virtual_size.width <= 80 - 1  # every column whole, the scrollbar beside
        board.move_cursor(row=1)
        await pilot.pause()
        assert board.get_row("HB-P04")[-1] == str(screen.rows[1].overdue)
        detail = str(screen.query_one("#detail", Static).render())
        assert screen.rows[1].name in detail  # the name the narrow board cuts, in full
        await pilot.resize_terminal(150, 40)
        await pilot.pause()
        assert "index" in [c.value for c in board.columns]
