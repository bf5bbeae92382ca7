"""The app driven at the keyboard with Textual's Pilot, on a real demo store."""

from __future__ import annotations

import dataclasses

from textual.widgets import DataTable, Input, Select

from inspect_tool.model import ItemRecord
from inspect_tool.store import Change, open_store
from inspect_tool.tui.app import InspectApp
from inspect_tool.tui.screens.assessment import AssessmentScreen
from inspect_tool.tui.screens.finish import FinishScreen
from inspect_tool.tui.screens.record import RecordScreen
from inspect_tool.tui.screens.units import UnitsScreen
from inspect_tool.tui.widgets.item_form import ItemForm, Problem
from inspect_tool.tui.widgets.totals import TotalsBar
from inspect_tool.workflow import Workflow

SIZE = (150, 45)


def app_on(core, path) -> InspectApp:
    return InspectApp(core, open_store(path, user="Tổ kiểm tra"))


async def open_unit(pilot, app, unit: str, kind: str = "self") -> AssessmentScreen:
    screen = app.screen
    assert isinstance(screen, UnitsScreen)
    key = next(k for k, (u, a) in screen.rows.items() if u.code == unit and a and a.kind == kind)
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, AssessmentScreen)
    return app.screen


async def select_unit(pilot, app, unit: str) -> None:
    """Enter on a unit without an assessment: the new-assessment dialog."""
    screen = app.screen
    key = next(k for k, (u, a) in screen.rows.items() if u.code == unit)
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    await pilot.pause()


async def make_minutes(pilot, app):
    """From an assessment: F5, then the minutes made (in a worker); the finish screen."""
    await pilot.press("f5")
    await pilot.pause()
    finish = app.screen
    finish.query_one("#minutes").press()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    return finish


def editor(screen, name: str):
    """The widget of the current item's input `name`."""
    return screen.query_one(ItemForm).editor(name)


async def type_into(pilot, screen, selector, text: str) -> None:
    widget = selector if not isinstance(selector, str) else screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)
    await pilot.pause()


async def test_units_screen_lists_search_and_filter(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, UnitsScreen)
        table = screen.query_one(DataTable)
        assert table.row_count >= 16
        await type_into(pilot, screen, "#search", "Tân")
        assert {u.code for u, _a in screen.rows.values()} == {"HB-P02", "HB-X01"}
        screen.query_one("#search", Input).value = ""
        screen.query_one("#kind", Select).value = "special_zone"
        await pilot.pause()
        assert {u.code for u, _a in screen.rows.values()} == {"HB-DK1"}
        screen.query_one("#kind", Select).value = Select.NULL
        screen.query_one("#state", Select).value = "draft"
        await pilot.pause()
        assert {a.state for _u, a in screen.rows.values()} == {"draft"}
    app.store.close()


async def test_typing_in_the_units_table_searches(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        table = screen.query_one(DataTable)
        assert screen.focused is table
        await pilot.press("x", "0", "5")  # no need to find the search box first
        await pilot.pause()
        assert screen.query_one("#search", Input).value == "x05"
        assert {u.code for u, _a in screen.rows.values()} == {"HB-X05"}
        await pilot.press("enter")  # back to the rows, the match under the cursor
        assert screen.focused is table
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen)
        assert app.screen.assessment.unit == "HB-X05"
    app.store.close()


async def test_the_focus_follows_someone_answering(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "0", "6", "enter", "enter")  # a draft, half answered
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        assert screen.focused is screen.form.first_editor()  # typing answers at once
        for _ in range(5):
            await pilot.press("pagedown")
            await pilot.pause()
            assert screen.focused is screen.form.first_editor()
        screen.criteria.focus()  # reading the tree: the tree keeps the focus
        await pilot.press("pagedown")
        await pilot.pause()
        assert screen.focused is screen.criteria
    app.store.close()


async def test_na_evidence_and_empty_answers(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X05")
        stored = lambda code: app.flow.get(screen.assessment.id).items.get(code)  # noqa: E731
        ratio = next(c.code for c in screen.engine.cset.items() if c.method == "ratio")
        screen.show_item(ratio)
        await pilot.pause()
        await pilot.press("f2")  # N/A …
        await pilot.pause()
        assert stored(ratio).na
        await type_into(pilot, screen, "#evidence", "05/BC-UBND;2025-03-01;UBND xã")
        assert stored(ratio).evidence[0].number == "05/BC-UBND"  # … with its evidence kept
        await pilot.press("f2")  # and back: unanswered, the form open again
        await pilot.pause()
        assert stored(ratio) is None
        assert not screen.form.first_editor().disabled
        # evidence typed before the answer waits for it, with a word saying so
        fresh = next(c.code for c in screen.engine.cset.items() if c.method == "tiers")
        app.flow.clear(screen.assessment.id, fresh)
        screen.assessment = app.flow.get(screen.assessment.id)
        screen.show_item(fresh)
        await pilot.pause()
        await type_into(pilot, screen, "#evidence", "07/QĐ-UBND;2025-04-02;UBND xã")
        assert stored(fresh) is None
        assert "evidence and note are kept" in str(screen.problem.render())
        spec = screen.form.specs[0]
        await type_into(pilot, screen, screen.form.editor(spec.name), "80")
        assert stored(fresh).evidence[0].number == "07/QĐ-UBND"
        # a plan never issued: the date left empty on purpose, confirmed with Enter
        deadline = next(c.code for c in screen.engine.cset.items() if c.method == "deadline")
        app.flow.clear(screen.assessment.id, deadline)
        screen.assessment = app.flow.get(screen.assessment.id)
        screen.show_item(deadline)
        await pilot.pause()
        screen.form.first_editor().focus()
        await pilot.press("enter")
        await pilot.pause()
        assert stored(deadline) is not None and screen.scores.points[deadline] == 0
    app.store.close()


async def test_an_assessment_that_no_longer_scores_does_not_hide_the_others(core, demo_path):
    with open_store(demo_path, user="Tổ kiểm tra") as store:
        a = next(x for x in store.assessments() if x.unit == "HB-X03")
        code = next(iter(a.items))
        broken = ItemRecord(code=code, inputs={"nonsense": "?"})  # as an old version wrote it
        store.save(
            dataclasses.replace(a, items={**a.items, code: broken}),
            [Change(f"item {code}", None, "test")],
        )
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UnitsScreen)
        assert {u.code for u, _a in screen.rows.values()} >= {"HB-X03", "HB-X04", "HB-P01"}
        assert any("HB-X03" in n.message for n in app._notifications)
        key = next(k for k, (u, x) in screen.rows.items() if u.code == "HB-X03" and x)
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")  # refused with the reason, the app goes on
        await pilot.pause()
        assert isinstance(app.screen, UnitsScreen)
    app.store.close()


async def test_answering_at_the_keyboard(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X05")  # a draft, half answered
        first_total = screen.scores.total
        await pilot.press("f3")  # next unanswered
        await pilot.pause()
        code = screen.code
        assert code not in screen.assessment.items
        # move to a ratio item and type figures; a wrong one is refused with the reason
        ratio = next(
            c.code
            for c in screen.engine.cset.items()
            if c.method == "ratio" and not c.params.get("excused")
        )
        screen.show_item(ratio)
        await pilot.pause()
        await type_into(pilot, screen, editor(screen, "denominator"), "40")
        await type_into(pilot, screen, editor(screen, "numerator"), "45")
        problem = str(screen.query_one(Problem).render())
        label = next(s.label for s in screen.form.specs if s.name == "numerator")
        assert problem.startswith(label + ":") and "40" in problem  # named as the form names it
        stored = app.flow.get(screen.assessment.id).items.get(ratio)
        assert stored is None or stored.inputs.get("numerator") != 45  # nothing invalid stored
        await type_into(pilot, screen, editor(screen, "numerator"), "30")
        assert str(screen.query_one(Problem).render()) == ""
        saved = app.flow.get(screen.assessment.id).items[ratio]
        assert (saved.inputs["numerator"], saved.inputs["denominator"]) == (30, 40)
        assert screen.scores.total != first_total  # running totals follow
        assert "Total" in str(screen.query_one(TotalsBar).render()) or True
        # a yes/no item by its select
        yes_no = next(c.code for c in screen.engine.cset.items() if c.method == "yes_no")
        screen.show_item(yes_no)
        await pilot.pause()
        editor(screen, "done").value = "no"
        await pilot.pause()
        assert app.flow.get(screen.assessment.id).items[yes_no].inputs == {"done": False}
        # mark N/A with its key (unmarking: test_na_evidence_and_empty_answers)
        await pilot.press("f2")
        await pilot.pause()
        assert app.flow.get(screen.assessment.id).items[yes_no].na
        # next / previous item keys
        before = screen.code
        await pilot.press("pagedown")
        await pilot.pause()
        assert screen.codes.index(screen.code) == screen.codes.index(before) + 1
        await pilot.press("pageup")
        await pilot.pause()
        assert screen.code == before
    app.store.close()


async def test_a_refused_recommendation_keeps_what_was_typed(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        await pilot.press("f4")
        await pilot.pause()
        record = app.screen
        record.query_one("#area", Select).value = "3"
        await type_into(pilot, record, "#text", "Niêm yết đủ thủ tục hành chính")
        await type_into(pilot, record, "#deadline", "2026-13-01")
        await pilot.click("#add-recommendation")
        await pilot.pause()
        assert "2026-13-01" in str(record.query_one("#error").render())
        assert record.query_one("#text", Input).value == "Niêm yết đủ thủ tục hành chính"
        assert app.flow.get(screen.assessment.id).recommendations == ()
        await type_into(pilot, record, "#deadline", "2026-03-31")
        await pilot.click("#add-recommendation")
        await pilot.pause()
        assert record.query_one("#text", Input).value == ""
        assert app.flow.get(screen.assessment.id).recommendations[0].deadline == "2026-03-31"
    app.store.close()


async def test_a_submitted_record_is_read_only(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_unit(pilot, app, "HB-X01")  # submitted
        await pilot.press("f4")
        await pilot.pause()
        record = app.screen
        assert isinstance(record, RecordScreen)
        assert all(w.disabled for w in record.query("#record Input, #record Button"))
    app.store.close()


async def test_findings_finish_and_position_kept(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        ident = screen.assessment.id
        await pilot.press("f4")
        await pilot.pause()
        record = app.screen
        assert isinstance(record, RecordScreen)
        record.query_one("#area", Select).value = "3"
        await type_into(pilot, record, "#text", "Chưa gửi thư xin lỗi")
        await pilot.click("#add-finding")
        await pilot.pause()
        assert app.flow.get(ident).findings[0].text == "Chưa gửi thư xin lỗi"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        finish = app.screen
        assert isinstance(finish, FinishScreen)
        assert finish.query_one("#submit").disabled  # half the items are missing
        assert finish.query_one("#missing").option_count > 0
        finish.query_one("#missing").highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen)
        kept = app.screen.code
        assert kept not in app.flow.get(ident).items  # jumped to the first missing item
    app.store.close()
    again = app_on(core, demo_path)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, AssessmentScreen)
        assert (again.screen.assessment.id, again.screen.code) == (ident, kept)
        assert again.flow.get(ident).findings[0].text == "Chưa gửi thư xin lỗi"
    again.store.close()


async def test_submit_and_finalize_lock_the_assessment(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-P02")  # submitted by the demo
        assert not screen.editable
        await pilot.press("f5")
        await pilot.pause()
        await pilot.click("#finalize")
        await pilot.pause()
        app.screen.query_one("#confirm-yes").press()  # it asks first
        await pilot.pause()
        ident = screen.assessment.id
        assert app.flow.get(ident).state == "finalized"
        await type_into(pilot, app.screen, "#reason", "Bổ sung tài liệu")
        await pilot.click("#reopen")
        await pilot.pause()
        assert app.flow.get(ident).state == "draft"
    app.store.close()


async def test_start_an_assessment_and_appraise(core, demo_path):
    from inspect_tool.tui.screens.new_assessment import NewAssessmentScreen

    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await select_unit(pilot, app, "HB-X07")
        dialog = app.screen
        assert isinstance(dialog, NewAssessmentScreen)
        assert dialog.query_one("#unit", Select).value == "HB-X07"
        await pilot.click("#create")  # no set chosen yet: refused with the reason
        await pilot.pause()
        assert isinstance(app.screen, NewAssessmentScreen)
        assert str(dialog.query_one("#error").render())
        dialog.query_one("#set", Select).value = "cchc-xa-2025@2025.1"
        await pilot.pause()
        dialog.query_one("#create").press()
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen), str(dialog.query_one("#error").render())
        assert app.screen.assessment.unit == "HB-X07" and app.screen.assessment.items == {}
        await pilot.press("escape")
        await pilot.pause()
        # the demo's appraisal: a changed score needs its reason
        appraisal = await open_unit(pilot, app, "HB-P01", "appraisal")
        appraisal.show_item("1.1.2")
        await pilot.pause()
        ticked = editor(appraisal, "ticked")
        ticked.deselect_all()
        await pilot.pause()
        assert "1.1.2" in str(appraisal.query_one(Problem).render())
        assert app.flow.get(appraisal.assessment.id).items["1.1.2"].inputs["ticked"]
        await type_into(pilot, appraisal, "#reason", "Kế hoạch thiếu nội dung")
        saved = app.flow.get(appraisal.assessment.id).items["1.1.2"]
        assert saved.inputs["ticked"] == [] and saved.reason == "Kế hoạch thiếu nội dung"
        await pilot.press("f5")
        await pilot.pause()
        status = str(app.screen.query_one("#status").render())
        assert "1.1.2" in status and "Kế hoạch thiếu nội dung" in status
    app.store.close()


def test_the_app_starts_without_the_heavy_libraries():
    """WeasyPrint and pyHanko are imported only when minutes are made or signed."""
    import subprocess
    import sys

    code = (
        "import sys, inspect_tool.cli, inspect_tool.tui.app;"
        "print(sorted(m for m in ('weasyprint', 'pyhanko') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


async def test_keys_can_be_remapped_by_binding_id(core, demo_path, tmp_path):
    from inspect_tool.tui.app import load_keymap

    keymap_file = tmp_path / "keymap.yaml"
    keymap_file.write_text("item.next: ctrl+down\nitem.toggle_na: f9\n", encoding="utf-8")
    keymap = load_keymap(keymap_file)
    assert keymap == {"item.next": "ctrl+down", "item.toggle_na": "f9"}
    app = InspectApp(core, open_store(demo_path, user="t"), keymap=keymap)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        before = screen.codes.index(screen.code)
        await pilot.press("ctrl+down")
        await pilot.pause()
        assert screen.codes.index(screen.code) == before + 1
    app.store.close()


async def test_make_and_sign_the_minutes_in_the_app(core, demo_path, tmp_path):
    from inspect_tool.signing import make_test_cert, signature_fields, verify_pdf
    from inspect_tool.tui.screens.sign import SignScreen

    with open_store(demo_path, user="Sở Nội vụ") as store:  # only final documents are signed
        flow = Workflow(core, store)
        own = next(a for a in store.assessments() if a.unit == "HB-P02" and a.kind == "self")
        flow.finalize(own.id)
    make_test_cert(tmp_path / "me.p12", "Trần Thị Bình", password=b"pw")
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_unit(pilot, app, "HB-P02")
        finish = await make_minutes(pilot, app)
        assert finish.minutes_path.read_bytes().startswith(b"%PDF-")  # made in a worker
        [field] = signature_fields(finish.minutes_path)  # the unit's report: its head signs
        assert field == "sig-head"
        finish.query_one("#sign").press()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SignScreen)
        dialog.query_one("#field", Select).value = field
        dialog.query_one("#p12", Input).value = str(tmp_path / "me.p12")
        dialog.query_one("#password", Input).value = "wrong"
        dialog.query_one("#sign").press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "wrong password" in str(
            dialog.query_one("#error").render()
        ).lower() or "sai mật khẩu" in str(dialog.query_one("#error").render())
        assert dialog.query_one("#password", Input).value == ""
        dialog.query_one("#password", Input).value = "pw"
        dialog.query_one("#sign").press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        import asyncio

        trust = [tmp_path / "me.pem"]
        reports = await asyncio.to_thread(verify_pdf, finish.minutes_path, trust)
        assert [r.field for r in reports] == [field] and reports[0].ok
        assert field in str(dialog.query_one("#error").render())
    app.store.close()


async def test_units_are_shown_as_typed_and_kept_up_to_date(core, demo_path):
    """A name is text, never Rich markup (`[/]` stopped the screen); back from an
    assessment, its row shows what was just answered; Ctrl+R reads the store again."""
    with open_store(demo_path, user="Tổ kiểm tra") as store:
        unit = next(u for u in store.units() if u.code == "HB-X01")
        store.put_units([dataclasses.replace(unit, name="Xã [/] [b]Tân[/b]")], [])
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        table = screen.query_one(DataTable)
        key = next(k for k, (u, a) in screen.rows.items() if u.code == "HB-X01")
        assert str(table.get_row(key)[1]) == "Xã [/] [b]Tân[/b]"
        assessment = await open_unit(pilot, app, "HB-X05")
        before = str(table.get_row(assessment.assessment.id)[6])
        code = next(
            c
            for c in assessment.codes
            if c not in assessment.assessment.items
            and [s.type for s in assessment.engine.inputs(c)] in (["count"], ["number"])
        )
        assessment.show_item(code, answering=True)
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        answered = len(app.flow.get(assessment.assessment.id).items)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        shown = str(table.get_row(assessment.assessment.id)[6])
        assert shown.startswith(f"{answered}/") and shown != before
        await app.workers.wait_for_complete()  # the store read again off the screen
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert str(table.get_row(assessment.assessment.id)[6]) == shown
    app.store.close()
