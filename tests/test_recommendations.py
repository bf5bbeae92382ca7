"""Recommendations followed up, on both stores, with an injected clock (never by sleeping): the
records a finalized inspection opens, the unit's reports, the Department's decisions, overdue
derived from the date, each record's own audit chain, and who may do what."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import pytest

from inspect_tool.demo import demo_units, finalized_inspection
from inspect_tool.model import Recommendation
from inspect_tool.recommendations import FollowUps, state_on, status, status_on
from inspect_tool.store import Change, StoreError, open_store
from inspect_tool.store.audit import verify
from inspect_tool.workflow import Workflow, WorkflowError

RECS = (
    ("B", "Niêm yết đầy đủ thủ tục hành chính", "2025-03-31"),
    ("D", "Gửi thư xin lỗi cho hồ sơ quá hạn", "2025-02-28"),
    ("E", "Nâng tỷ lệ hồ sơ trực tuyến", "2025-12-31"),
)


def clock(day: str):
    return lambda: dt.date.fromisoformat(day)


@pytest.fixture
def flow(core, store_target):
    with open_store(store_target, user="Sở Nội vụ") as store:
        store.put_units(demo_units(), [Change("units", None, 16)])
        yield Workflow(core, store)


@pytest.fixture
def earlier(flow):
    """A 2024 inspection of HB-P04, finalized with three recommendations."""
    unit = flow.store.unit("HB-P04")
    return finalized_inspection(flow, unit, 2024, RECS, "test")


def test_finalizing_opens_a_record_per_recommendation(flow, earlier):
    records = flow.store.followups()
    assert [r.id for r in records] == [f"{earlier.id}-{n}" for n in (1, 2, 3)]
    first = records[0]
    assert (first.unit, first.year, first.kind) == ("HB-P04", 2024, "inspection")
    assert first.state == "open"
    assert first.area_title == "Công khai thủ tục hành chính" and first.deadline == "2025-03-31"
    assert flow.store.followups("HB-P01") == []
    log = flow.store.followup_log(first.id)
    assert [e["what"] for e in log] == ["created"] and verify(first.id, log) is None


def test_overdue_is_derived_from_the_date_never_stored(flow, earlier):
    record = flow.store.followup(f"{earlier.id}-2")  # deadline 2025-02-28
    assert status(record, dt.date(2025, 2, 28)) == "open"
    assert status(record, dt.date(2025, 3, 1)) == "overdue"
    assert record.state == "open"
    rows = FollowUps(flow, today=clock("2025-04-01")).rows()
    assert [r.status for r in rows] == ["overdue", "overdue", "open"]  # overdue first
    assert [r.record.area for r in rows] == ["B", "D", "E"]


def test_the_unit_reports_and_the_department_decides(flow, earlier):
    follow = FollowUps(flow, today=clock("2025-03-20"))
    one, two, three = (f"{earlier.id}-{n}" for n in (1, 2, 3))
    after = follow.progress(one, "Đã niêm yết 40 thủ tục", day="2025-03-10")
    assert after.state == "in_progress" and after.history[-1].day == "2025-03-10"
    with pytest.raises(WorkflowError, match="evidence"):
        follow.progress(one, "Đã xong", done=True)
    with pytest.raises(WorkflowError, match="future"):
        follow.progress(one, "Đã xong", day="2025-03-21")
    with pytest.raises(WorkflowError):
        follow.accept(one)  # not reported done yet
    reported = follow.progress(one, "Đã xong", done=True, evidence="15/BC-UBND;2025-03-15;UBND")
    assert reported.state == "reported" and reported.history[-1].evidence[0].number == "15/BC-UBND"
    # reported before its deadline passed: waiting for the Department is not overdue
    assert status(reported, dt.date(2026, 1, 1)) == "reported"
    done = follow.accept(one[:36], "Đã kiểm tra")  # a unique prefix finds it
    assert done.state == "done" and status(done, dt.date(2030, 1, 1)) == "done"
    with pytest.raises(WorkflowError, match="nothing more"):
        follow.progress(one, "Thêm")
    follow.progress(two, "Đã gửi", done=True, evidence="01/TXL;2025-03-01;UBND")
    with pytest.raises(WorkflowError):
        follow.send_back(two, "  ")
    back = follow.send_back(two, "Chưa gửi đủ thư cho 4 hồ sơ")
    assert back.state == "in_progress" and back.history[-1].reason.startswith("Chưa gửi")
    assert status(back, dt.date(2025, 3, 20)) == "overdue"
    with pytest.raises(WorkflowError):
        follow.get("nope")
    assert flow.store.followup(three).state == "open"
    # every step is audited in the record's own chain, which holds
    log = flow.store.followup_log(one)
    assert [e["what"] for e in log] == ["created", "progress", "progress", "accepted"]
    assert verify(one, log) is None and all(e["who"] == "Sở Nội vụ" for e in log)
    assert [e["what"] for e in flow.store.followup_log(two)][-1] == "sent back"
    assert all(verify(name, entries) is None for name, entries in flow.store.audit_logs())


def test_the_state_on_a_day_comes_from_the_steps(flow, earlier):
    follow = FollowUps(flow, today=clock("2025-03-20"))
    one = f"{earlier.id}-1"
    follow.progress(one, "Đã xong", done=True, evidence="15/BC;2025-03-15;UBND", day="2025-03-15")
    record = follow.accept(one)
    assert state_on(record, dt.date(2025, 3, 14)) == "open"
    assert state_on(record, dt.date(2025, 3, 15)) == "reported"
    assert state_on(record, dt.date(2025, 3, 20)) == "done"
    assert status_on(record, dt.date(2025, 3, 14)) == "open"


def test_the_inspection_stays_locked_and_a_stale_copy_is_refused(flow, earlier):
    with pytest.raises(WorkflowError):
        flow.add_recommendation(earlier.id, "B", "Thêm", "2025-05-01")
    record = flow.store.followup(f"{earlier.id}-1")
    FollowUps(flow, today=clock("2025-03-01")).progress(record.id, "Đang làm")
    stale = dataclasses.replace(record, text="sửa", version=record.version + 1)
    with pytest.raises(StoreError):
        flow.store.save_followup(stale, [Change("text", record.text, "sửa")])
    assert flow.store.followup(record.id).state == "in_progress"


def test_reopened_and_finalized_again_the_records_follow(flow, earlier):
    flow.reopen(earlier.id, "Sửa kiến nghị")
    kept = earlier.recommendations
    changed = Recommendation("E", "Nâng tỷ lệ hồ sơ trực tuyến lên 60%", "2025-12-31")
    flow.update_header(earlier.id, recommendations=(kept[0], changed))
    flow.submit(earlier.id)
    flow.finalize(earlier.id)
    records = {r.id: r for r in flow.store.followups()}
    assert records[f"{earlier.id}-1"].version == 1  # unchanged
    second = records[f"{earlier.id}-2"]
    assert second.text.endswith("60%") and second.area == "E"
    assert records[f"{earlier.id}-3"].state == "withdrawn"
    assert [r.record.id for r in FollowUps(flow).rows()] == [f"{earlier.id}-{n}" for n in (1, 2)]


def test_finalizing_needs_a_deadline_for_every_recommendation(flow):
    unit = flow.store.unit("HB-P01")
    with pytest.raises(WorkflowError, match="deadline"):
        finalized_inspection(flow, unit, 2024, (("B", "Không hạn", ""),), "x")


def test_carried_to_next_year(flow, earlier):
    follow = FollowUps(flow, today=clock("2025-03-20"))
    follow.progress(f"{earlier.id}-1", "Xong", done=True, evidence="1/BC;2025-03-01;UBND")
    follow.accept(f"{earlier.id}-1")
    carried = follow.carried("HB-P04", 2025, dt.date(2025, 11, 20))
    assert [(r.record.area, r.status) for r in carried] == [("D", "overdue"), ("E", "open")]
    assert follow.carried("HB-P04", 2024) == [] and follow.carried("HB-P01", 2025) == []


@pytest.fixture
def unit_account(core, pg_store, pg_cluster):
    """A central store with HB-P04's finalized inspection, and an account of that unit."""
    from inspect_tool.store.postgres import add_account

    admin, department = pg_store
    with open_store(department, user="Sở") as store:
        store.put_units(demo_units(), [])
        flow = Workflow(core, store)
        earlier = finalized_inspection(flow, store.unit("HB-P04"), 2024, RECS, "t")
        other = finalized_inspection(flow, store.unit("HB-P01"), 2024, RECS[:1], "u")
    name = f"unit_p04_{os.getpid()}"
    add_account(admin, name, "unit", unit="HB-P04", province="Tỉnh Hòa An (mô phỏng)")
    database = admin.rsplit("/", 1)[1]
    return pg_cluster.url(database, name), earlier, other


def test_a_unit_account_reports_on_its_own_and_never_accepts(core, unit_account):
    url, earlier, other = unit_account
    with open_store(url, user="UBND phường Đông Sơn") as store:
        flow = Workflow(core, store)
        follow = FollowUps(flow, today=clock("2025-03-20"))
        assert {r.unit for r in store.followups()} == {"HB-P04"}
        with pytest.raises(WorkflowError):
            follow.get(f"{other.id}-1")
        one = f"{earlier.id}-1"
        follow.progress(one, "Đã xong", done=True, evidence="1/BC;2025-03-01;UBND")
        with pytest.raises(WorkflowError, match="Department"):
            follow.accept(one)
        # and row-level security holds even when the tool is bypassed
        record = store.followup(one)
        forged = dataclasses.replace(record, state="done", version=record.version + 1)
        with pytest.raises(StoreError):
            store.save_followup(forged, [Change("accepted", "reported", "done")])
        assert store.followup(one).state == "reported"


# -- carried to next year's inspection: the demo, the app, the minutes --------------------------


@pytest.fixture(scope="module")
def demo_store(core, tmp_path_factory):
    """The demo province: HB-P04 inspected in 2024 (finalized, followed up) and in 2025."""
    from inspect_tool.demo import build_demo_store

    path = tmp_path_factory.mktemp("recs") / "demo"
    with open_store(path, user="Tổ kiểm tra") as store:
        build_demo_store(core, store)
    return path


def this_years_inspection(store):
    return next(a for a in store.assessments() if a.kind == "inspection" and a.year == 2025)


def test_the_demo_has_a_recommendation_in_each_state(core, demo_store):
    with open_store(demo_store, user="x", write=False) as store:
        rows = FollowUps(Workflow(core, store), today=clock("2025-11-20")).rows()
    assert [r.status for r in rows] == ["overdue", "in_progress", "reported", "done"]
    assert {r.record.unit for r in rows} == {"HB-P04"}


async def test_next_years_inspection_shows_them_on_its_first_screen(core, demo_store, tmp_path):
    import shutil

    from textual.widgets import DataTable

    from inspect_tool.tui.app import InspectApp
    from inspect_tool.tui.screens.assessment import AssessmentScreen
    from inspect_tool.tui.widgets.carried import CarriedRecommendations
    from tests.test_tui import SIZE, open_unit

    path = tmp_path / "demo"
    shutil.copytree(demo_store, path)
    app = InspectApp(core, open_store(path, user="Tổ kiểm tra"))
    async with app.run_test(size=SIZE) as pilot:
        units = app.screen
        key = next(
            k
            for k, (u, a) in units.rows.items()
            if u.code == "HB-P04" and a and a.kind == "inspection" and a.year == 2025
        )
        table = units.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AssessmentScreen) and screen.assessment.year == 2025
        carried = screen.query_one(CarriedRecommendations)
        assert carried.display and len(carried.rows) == 3
        shown = str(carried.render())
        assert "Gửi thư xin lỗi" in shown and "Niêm yết" not in shown  # the done one is not
        await pilot.press("escape")
        await pilot.pause()
        screen = await open_unit(pilot, app, "HB-X05")  # a self-assessment: nothing carried
        assert isinstance(screen, AssessmentScreen)
        assert not screen.query_one(CarriedRecommendations).display


def test_next_years_minutes_report_on_them(core, demo_store, tmp_path):
    from inspect_tool.minutes import make_minutes
    from tests.test_minutes import text_of

    with open_store(demo_store, user="x", write=False) as store:
        flow = Workflow(core, store)
        a = this_years_inspection(store)
        out = make_minutes(flow, a.id, tmp_path / "bb.pdf")
    text = text_of(out)
    assert "Kết quả thực hiện kiến nghị lần trước" in text
    # as they stood on the day of the visit (20/11/2025): the accepted one is not carried
    assert "Gửi thư xin lỗi, hẹn lại ngày trả kết quả cho hồ sơ quá hạn" in text
    assert "Quá hạn, chưa hoàn thành" in text and "Đang thực hiện" in text
    assert "chờ Sở Nội vụ công nhận" in text
    assert "Niêm yết đầy đủ, kịp thời thủ tục hành chính tại Bộ phận Một cửa" not in text


# -- the command line and the report ------------------------------------------------------------


@pytest.fixture
def demo_copy(demo_store, tmp_path):
    import shutil

    path = tmp_path / "demo"
    shutil.copytree(demo_store, path)
    return path


def run(path, *args: str, code: int = 0, lang: str = "en"):
    from click.testing import CliRunner

    from inspect_tool.cli import cli

    result = CliRunner().invoke(cli, ["--lang", lang, "--db", str(path), *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def test_the_command_line_follows_up(demo_copy):
    import json

    listed = json.loads(run(demo_copy, "recommendations", "list", "--json").output)
    assert [r["status"] for r in listed] == ["overdue", "in_progress", "reported", "done"]
    before = json.loads(
        run(demo_copy, "recommendations", "list", "--on", "2025-01-01", "--json").output
    )
    assert {r["status"] for r in before} == {"open", "in_progress", "reported", "done"}
    late, reported = listed[0]["short_id"], listed[2]["short_id"]
    assert "Deadline: 2025-02-28" in run(demo_copy, "recommendations", "show", late).output
    shown = run(demo_copy, "recommendations", "show", late, lang="vi").output
    assert "28/02/2025" in shown and "2025-02-28" not in shown  # as Vietnamese writes it
    # hostile or wrong input: the reason, exit 1, nothing changed
    run(demo_copy, "recommendations", "progress", late, "Xong", "--done", code=1)
    run(demo_copy, "recommendations", "progress", late, "Xong", "--day", "2999-01-01", code=1)
    run(demo_copy, "recommendations", "progress", late, "", code=1)
    run(demo_copy, "recommendations", "accept", "nope", code=1)
    run(demo_copy, "recommendations", "accept", late, code=1)  # not reported done
    run(demo_copy, "recommendations", "list", "--on", "someday", code=2)
    assert (
        json.loads(run(demo_copy, "recommendations", "show", late, "--json").output)["history"]
        == []
    )
    done = run(
        demo_copy, "recommendations", "progress", late, "Đã gửi thư", "--done",
        "--evidence", "02/TXL;2025-04-01;UBND",
    )  # fmt: skip
    assert "reported done" in done.output
    run(demo_copy, "recommendations", "accept", late, "--note", "Đủ thư")
    run(demo_copy, "recommendations", "return", reported, "--reason", "Chưa lắp thiết bị")
    shown = json.loads(run(demo_copy, "recommendations", "show", reported, "--json").output)
    assert shown["state"] == "in_progress" and shown["history"][-1]["reason"]
    run(demo_copy, "audit", "verify")


def test_the_report_in_three_formats(core, demo_copy, tmp_path):
    import csv

    from openpyxl import load_workbook

    from tests.test_minutes import text_of

    with open_store(demo_copy, user="Sở") as store:
        flow = Workflow(core, store)
        hostile = (("B", '=HYPERLINK("http://x","y")', "2025-01-31"),)
        finalized_inspection(flow, store.unit("HB-P01"), 2024, hostile, "h")
    run(demo_copy, "report", "recommendations", "--out", str(tmp_path / "r.csv"))
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["Code", "Unit"] and len(rows) == 6
    assert [r[7] for r in rows[1:3]] == ["overdue", "overdue"]  # overdue first, by unit
    assert rows[1][5] == '\'=HYPERLINK("http://x","y")'  # neutralised
    run(demo_copy, "report", "recommendations", "--out", str(tmp_path / "r.xlsx"))
    sheet = load_workbook(tmp_path / "r.xlsx").active
    cell = sheet.cell(row=2, column=6)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # text, no formula
    assert all(c.data_type == "s" for c in sheet[2] if c.value not in (None, ""))
    run(demo_copy, "report", "recommendations", "--out", str(tmp_path / "r.csv"), code=1)
    run(demo_copy, "report", "recommendations", "--state", "done", "--out", str(tmp_path / "r.pdf"))
    text = text_of(tmp_path / "r.pdf")
    assert "TÌNH HÌNH THỰC HIỆN KIẾN NGHỊ" in text and "Đã hoàn thành" in text
    assert "Quá hạn" not in text


def test_a_store_from_before_follow_ups_lists_them_and_keeps_them_on_first_report(demo_copy):
    import json
    import shutil

    shutil.rmtree(demo_copy / "recommendations")  # finalized before records were made
    listed = json.loads(run(demo_copy, "recommendations", "list", "--json").output)
    assert [r["status"] for r in listed] == ["overdue", "overdue", "overdue", "open"]
    assert not (demo_copy / "recommendations").exists()  # listing writes nothing
    run(demo_copy, "recommendations", "progress", listed[0]["short_id"], "Đang làm")
    assert len(list((demo_copy / "recommendations").glob("*.json"))) == 4


# -- follow-ups travel in bundles --------------------------------------------------------------


def _rehashed(bundle: dict) -> dict:
    """The bundle with its hash made again (as a forger would), so that only the checks of
    the content itself stand in the way."""
    from inspect_tool.store.bundle import _digest

    body = {k: v for k, v in bundle.items() if k != "hash"}
    return body | {"hash": _digest(body)}


def test_follow_ups_travel_in_a_bundle_with_their_chain(core, flow, earlier, tmp_path):
    import copy
    import json

    from inspect_tool.store.bundle import (
        BundleError,
        export_bundle,
        import_bundle,
        read_bundle,
        write_bundle,
    )

    one = f"{earlier.id}-1"
    FollowUps(flow, today=clock("2025-03-20")).progress(one, "Đã niêm yết 40 thủ tục")
    source = {r.id: r for r in flow.store.followups()}
    bundle = export_bundle(flow.store, unit="HB-P04")
    assert [e["record"]["id"] for e in bundle["followups"]] == sorted(source)
    write_bundle(tmp_path / "b.json", bundle)
    data = read_bundle(tmp_path / "b.json")

    def hostile(change, match: str) -> None:
        bad = copy.deepcopy(data)
        change(bad)
        with pytest.raises(BundleError, match=match):
            import_bundle(target, _rehashed(bad), core=core)
        assert target.followups() == []  # nothing was written

    with open_store(tmp_path / "other", user="Sở") as target:
        record = lambda b: b["followups"][0]["record"]  # noqa: E731
        hostile(lambda b: record(b).update(text="Đã sửa"), "audit log ends with")
        hostile(lambda b: record(b).update(state="late"), "unknown state 'late'")
        hostile(lambda b: record(b).update(id="x-1"), "not a recommendation's id")
        hostile(lambda b: b["assessments"].clear(), "neither in the bundle nor in this store")
        hostile(lambda b: b["followups"][0]["audit"].clear(), "audit log ends with")
        counts = import_bundle(target, data, core=core)
        assert counts["followups"] == 3
        assert {r.id: r for r in target.followups()} == source
        log = target.followup_log(one)
        assert log[:-1] == flow.store.followup_log(one) and log[-1]["what"] == "imported"
        assert verify(one, log) is None
        assert import_bundle(target, data, core=core)["followups_unchanged"] == 3
    # a chain broken in the file is refused on reading, naming the file
    broken = copy.deepcopy(data)
    broken["followups"][0]["audit"][0]["who"] = "Người khác"
    (tmp_path / "broken.json").write_text(json.dumps(_rehashed(broken)), encoding="utf-8")
    with pytest.raises(BundleError, match="broken.json: audit log broken"):
        read_bundle(tmp_path / "broken.json")
