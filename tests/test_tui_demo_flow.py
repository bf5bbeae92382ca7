"""The demo flow in the app, on either store (issue 15's "done when": `--db postgresql://…`
runs units, an assessment, an appraisal, the minutes and the ranking in the app as the
embedded store does)."""

from __future__ import annotations

import csv
import subprocess

import pytest
from textual.widgets import Select

from inspect_tool.demo import build_demo_store
from inspect_tool.reports import report_file_name
from inspect_tool.store import open_store
from inspect_tool.tui.app import InspectApp
from inspect_tool.tui.screens.assessment import AssessmentScreen
from inspect_tool.tui.screens.new_assessment import NewAssessmentScreen
from inspect_tool.tui.screens.reports import ReportsScreen
from inspect_tool.tui.screens.units import UnitsScreen
from inspect_tool.workflow import Workflow
from tests.test_tui import SIZE, editor, make_minutes, open_unit, select_unit, type_into


@pytest.mark.slow  # 15-20 s per store
async def test_the_demo_flow_in_the_app(core, store_target):
    with open_store(store_target, user="Sở Nội vụ") as store:
        build_demo_store(core, store)
        own = next(a for a in store.assessments() if a.unit == "HB-P02" and a.kind == "self")
        Workflow(core, store).finalize(own.id)
    app = InspectApp(core, open_store(store_target, user="Tổ kiểm tra"))
    async with app.run_test(size=SIZE) as pilot:
        units = app.screen
        assert isinstance(units, UnitsScreen)
        assert {"HB-P01", "HB-P02", "HB-X07"} <= {u.code for u, _a in units.rows.values()}
        # a unit without an assessment: one is started from the dialog
        await select_unit(pilot, app, "HB-X07")
        dialog = app.screen
        assert isinstance(dialog, NewAssessmentScreen)
        dialog.query_one("#set", Select).value = "cchc-xa-2025@2025.1"
        await pilot.pause()
        dialog.query_one("#create").press()
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen)
        assert app.screen.assessment.unit == "HB-X07"
        await pilot.press("escape")
        await pilot.pause()
        # the appraisal: a changed score with its reason, read back through another connection
        appraisal = await open_unit(pilot, app, "HB-P01", "appraisal")
        appraisal.show_item("1.1.2")
        await pilot.pause()
        editor(appraisal, "ticked").deselect_all()
        await pilot.pause()
        await type_into(pilot, appraisal, "#reason", "Kế hoạch thiếu nội dung")
        with open_store(store_target, user="kiểm tra", write=False) as other:
            saved = other.assessment(appraisal.assessment.id).items["1.1.2"]
        assert saved.inputs["ticked"] == [] and saved.reason == "Kế hoạch thiếu nội dung"
        await pilot.press("escape")
        await pilot.pause()
        # the minutes of the finalized self-assessment, made from its finish screen
        await open_unit(pilot, app, "HB-P02")
        finish = await make_minutes(pilot, app)
        minutes = subprocess.run(
            ["pdftotext", str(finish.minutes_path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "PHƯỜNG TÂN AN" in minutes and "Tân An, ngày" in minutes
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        # the ranking of the year, from the reports dialog (Ctrl+E)
        assert isinstance(app.screen, UnitsScreen)
        await pilot.press("ctrl+e")
        await pilot.pause()
        reports = app.screen
        assert isinstance(reports, ReportsScreen)
        reports.query_one("#set", Select).value = "cchc-xa-2025"
        reports.query_one("#stage", Select).value = "self"
        reports.query_one("#format", Select).value = ".csv"
        await pilot.pause()
        reports.query_one("#make").press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reports.made is not None, str(reports.query_one("#error").render())
        with reports.made.open(encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        codes = {cell for row in rows for cell in row}
        assert "HB-P01" in codes and "HB-P02" in codes
    app.store.close()


def test_a_report_file_name_from_store_data_is_never_a_path():
    name = report_file_name("ranking", 2025, ".pdf", "../../etc/passwd@1", "final")
    assert "/" not in name and ".." not in name and name.endswith(".pdf")
    assert report_file_name("differences", 2025, ".xlsx") == "chenh-lech-2025.xlsx"
    assert report_file_name("ranking", 2025, ".csv", "cchc-xa-2025", "self") == (
        "xep-hang-cchc-xa-2025-2025-self.csv"
    )
