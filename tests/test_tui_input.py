"""Nothing typed is lost, nothing saved that the person did not mean (issue 13): the app at
the keyboard with Textual's Pilot, on a real demo store, at a laptop's 80×24."""

from __future__ import annotations

from textual.widgets import DataTable

from inspect_tool.store import open_store
from inspect_tool.tui.screens.assessment import AssessmentScreen
from inspect_tool.tui.screens.units import UnitsScreen
from tests.test_tui import app_on, open_unit

SIZE = (80, 24)


async def goto(pilot, screen: AssessmentScreen, code: str) -> None:
    """To item `code` as someone answering gets there: the focus in its first field."""
    screen.form.first_editor().focus()
    await pilot.pause()
    screen.show_item(code)
    await pilot.pause()


def stored(app, screen, code: str):
    return app.flow.get(screen.assessment.id).items.get(code)


async def test_typing_into_a_prefilled_field_replaces_its_value(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")  # a draft, half answered
        await goto(pilot, screen, "1.1.3")
        field = screen.form.first_editor()
        await pilot.press("9", "5")
        await pilot.pause()
        assert stored(app, screen, "1.1.3").inputs["value"] == 95
        await pilot.press("pagedown")  # 1.2, a count: the focus stays in the same input
        await pilot.press("2")
        await pilot.pause()
        assert screen.focused is field and stored(app, screen, "1.2").inputs["count"] == 2
        await pilot.press("pageup")  # back to 95: the 8 replaces it, not "985"
        await pilot.press("8")
        await pilot.pause()
        assert field.value == "8" and stored(app, screen, "1.1.3").inputs["value"] == 8
        # Tab to the evidence and Shift+Tab back: the value selected again
        await pilot.press("tab", "shift+tab", "7")
        await pilot.pause()
        assert stored(app, screen, "1.1.3").inputs["value"] == 7
        # a click into the field selects it too (a second click places the cursor)
        screen.criteria.focus()
        await pilot.pause()
        await pilot.click(field, offset=(2, 1))
        await pilot.press("6")
        await pilot.pause()
        assert field.value == "6"
    app.store.close()


async def test_opening_an_assessment_selects_the_first_value(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        code = next(c for c in screen.codes if c in screen.assessment.items and c == "1.2")
        screen.show_item(code)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    app.store.close()
    again = app_on(core, demo_path)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = again.screen
        assert isinstance(screen, AssessmentScreen) or True


async def test_what_is_typed_is_checked_as_typed_never_cleaned(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        await goto(pilot, screen, "1.2")  # a count
        field = screen.form.first_editor()
        await pilot.press("ctrl+u", "9", "x", "8")  # saved as typed: 9, then refused
        await pilot.pause()
        assert field.value == "9x8"  # on screen as typed
        assert stored(app, screen, "1.2").inputs["count"] == 9  # never 98 …
        error = screen.form.rows[0].error
        assert error.display and "9x8" in str(error.render())  # … the reason beside the field
        await pilot.press("ctrl+u", "-", "1")
        await pilot.pause()
        assert field.value == "-1" and stored(app, screen, "1.2").inputs["count"] == 9
        await pilot.press("ctrl+u", "3")
        await pilot.pause()
        assert stored(app, screen, "1.2").inputs["count"] == 3
        assert not error.display
        await goto(pilot, screen, "1.1.1")  # a date with slashes reaches the check as typed
        field = screen.form.first_editor()
        await pilot.press("ctrl+u", *"31/02/2025")
        await pilot.pause()
        assert field.value == "31/02/2025"
        assert "31/02/2025" in str(screen.form.rows[0].error.render())
    app.store.close()


async def test_the_first_space_in_a_checklist_ticks_the_highlighted_entry(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        app.flow.clear(screen.assessment.id, "1.4")
        screen.assessment = app.flow.get(screen.assessment.id)
        await goto(pilot, screen, "1.4")
        ticks = screen.form.first_editor()
        assert screen.focused is ticks and ticks.selected == []
        await pilot.press("space")
        await pilot.pause()
        first = screen.engine.inputs("1.4")[0].options[0][0]
        assert ticks.selected == [first]
        assert stored(app, screen, "1.4").inputs["ticked"] == [first]
    app.store.close()


async def test_a_partial_or_refused_entry_is_kept_on_leaving(core, demo_path):
    from inspect_tool.tui.widgets.criteria_tree import MARKS

    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        app.flow.clear(screen.assessment.id, "1.6")
        screen.assessment = app.flow.get(screen.assessment.id)
        await goto(pilot, screen, "1.6")  # three fields, two required
        await pilot.press("1", "2")  # the numerator alone: refused, the denominator needed
        await pilot.pause()
        assert stored(app, screen, "1.6") is None
        await pilot.press("pagedown")
        await pilot.pause()
        kept = stored(app, screen, "1.6")
        assert kept is not None and kept.pending["numerator"] == "12" and not kept.inputs
        label = str(screen.criteria.nodes_by_code["1.6"].label)
        assert label.startswith(MARKS["pending"])
        await pilot.press("pageup")  # back: the form shows what was typed, and why it waits
        await pilot.pause()
        assert screen.form.first_editor().value == "12"
        assert "not accepted" in str(screen.problem.render())
        await pilot.press("tab")  # the denominator
        await pilot.press("2", "0")
        await pilot.pause()
        done = stored(app, screen, "1.6")
        assert done.inputs["numerator"] == 12 and done.inputs["denominator"] == 20
        assert not screen.assessment.items["1.6"].pending  # accepted: nothing waits any more
        # a refused value over an answer: kept too, the answer standing beside it
        await goto(pilot, screen, "1.2")
        answer = stored(app, screen, "1.2").inputs
        await pilot.press("ctrl+u", *"1/2")
        await pilot.press("escape")  # leaving for the units keeps it as well
        await pilot.pause()
        kept = app.flow.get(screen.assessment.id).items["1.2"]
        assert kept.pending == {"count": "1/2"} and kept.inputs == answer
    app.store.close()


async def test_an_entry_left_when_quitting_is_kept(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        await goto(pilot, screen, "1.1.1")
        await pilot.press("ctrl+u", *"31/02/2025")
        await pilot.pause()
        ident = screen.assessment.id
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.flow.get(ident).items["1.1.1"].pending == {"date": "31/02/2025"}
    app.store.close()


async def test_clear_and_undo(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        await goto(pilot, screen, "1.2")
        await pilot.press("4")
        await pilot.pause()
        assert stored(app, screen, "1.2").inputs["count"] == 4
        await pilot.press("ctrl+d")  # cleared, logged, the form empty
        await pilot.pause()
        assert stored(app, screen, "1.2") is None
        assert screen.form.first_editor().value == ""
        log = app.store.audit_log(screen.assessment.id)
        assert log[-1]["what"] == "item 1.2" and log[-1]["new"] is None
        await pilot.press("ctrl+z")  # and back
        await pilot.pause()
        assert stored(app, screen, "1.2").inputs["count"] == 4
        assert screen.form.first_editor().value == "4"
        await pilot.press("x")  # typing refused, then undone: the saved answer shown again
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert screen.form.first_editor().value == "4"
        assert stored(app, screen, "1.2").inputs["count"] == 4
        assert not screen.form.rows[0].error.display
    app.store.close()


async def test_undo_is_of_an_edit_not_of_a_key(core, demo_path):
    """Every key is saved (a crash keeps what was typed), but Ctrl+Z undoes what the person
    meant: the whole edit of a field, from the focus to leaving it."""
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        await goto(pilot, screen, "1.1.3")
        field = screen.form.first_editor()
        before = stored(app, screen, "1.1.3")
        await pilot.press("4", "2")
        await pilot.pause()
        assert stored(app, screen, "1.1.3").inputs["value"] == 42  # saved as typed
        log = app.store.audit_log(screen.assessment.id)
        assert [e["what"] for e in log[-2:]] == ["item 1.1.3"] * 2  # each key kept
        await pilot.press("ctrl+z")  # the whole edit, not the last key
        await pilot.pause()
        assert stored(app, screen, "1.1.3") == before
        await pilot.press("ctrl+z")  # again: redone
        await pilot.pause()
        assert stored(app, screen, "1.1.3").inputs["value"] == 42
        # two edits: the note, then the value again; undo goes back one edit at a time
        await pilot.press("tab")  # to the evidence, then the note
        note = screen.query_one("#note")
        note.focus()
        await pilot.pause()
        await pilot.press("o", "k")
        await pilot.pause()
        field.focus()
        await pilot.pause()
        await pilot.press("1", "2")
        await pilot.pause()
        assert stored(app, screen, "1.1.3").inputs["value"] == 12
        await pilot.press("ctrl+z")
        await pilot.pause()
        kept = stored(app, screen, "1.1.3")
        assert kept.inputs["value"] == 42 and kept.note.endswith("ok")
        assert float(field.value) == 42
    app.store.close()
    # what was typed survives a crash: a new window reads every key's save
    with open_store(demo_path, user="t", write=False) as store:
        a = store.assessment(screen.assessment.id)
        assert a.items["1.1.3"].inputs["value"] == 42


async def test_submit_asks_first_and_enter_alone_does_not_submit(core, demo_path):
    from inspect_tool.tui.screens.confirm import ConfirmScreen
    from inspect_tool.tui.screens.finish import FinishScreen

    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-P02")  # submitted by the demo
        ident = screen.assessment.id
        await pilot.press("f5")
        await pilot.pause()
        finish = app.screen
        assert isinstance(finish, FinishScreen)
        finish.query_one("#finalize").focus()
        await pilot.press("enter")  # asks, saying what the step locks
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "locked" in str(app.screen.query_one("#confirm-message").render())
        await pilot.press("enter")  # the focus is on Cancel: nothing happens
        await pilot.pause()
        assert isinstance(app.screen, FinishScreen)
        assert app.flow.get(ident).state == "submitted"
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#confirm-yes").press()  # chosen: done
        await pilot.pause()
        assert app.flow.get(ident).state == "finalized"
    app.store.close()


async def test_enter_on_the_only_missing_item_jumps_to_it(core, demo_path):
    with open_store(demo_path, user="t") as store:
        from inspect_tool.workflow import Workflow

        flow = Workflow(core, store)
        a = next(x for x in store.assessments() if x.unit == "HB-P02" and x.kind == "self")
        flow.reopen(a.id, "Bổ sung")
        flow.clear(a.id, "3.2")
        assert [c for c, _t in flow.missing_items(flow.get(a.id))] == ["3.2"]
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-P02")
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("enter")  # the first key: straight to the item
        await pilot.pause()
        assert app.screen is screen and screen.code == "3.2"
    app.store.close()


async def test_a_duplicate_is_refused_and_an_empty_draft_deleted(core, demo_path):
    from inspect_tool.tui.screens.confirm import ConfirmScreen
    from inspect_tool.tui.screens.new_assessment import NewAssessmentScreen

    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        units = app.screen
        existing = next(
            a for _u, a in units.rows.values() if a and a.unit == "HB-X06" and a.kind == "self"
        )
        before = len(app.store.assessments())
        units.action_new("HB-X06")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewAssessmentScreen)
        dialog.query_one("#set").value = existing.set_key
        await pilot.pause()
        dialog.create()
        await pilot.pause()
        assert len(app.store.assessments()) == before  # refused …
        assert isinstance(app.screen, ConfirmScreen)  # … the existing one offered
        app.screen.query_one("#confirm-yes").press()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen)
        assert app.screen.assessment.id == existing.id
        await pilot.press("escape")
        await pilot.pause()
        # a unit without one: created, then deleted while still empty
        units.action_new("HB-X07")
        await pilot.pause()
        app.screen.query_one("#set").value = "cchc-xa-2025@2025.1"
        await pilot.pause()
        app.screen.create()
        await pilot.pause()
        draft = app.screen
        assert isinstance(draft, AssessmentScreen) and draft.assessment.items == {}
        ident = draft.assessment.id
        await pilot.press("f5")
        await pilot.pause()
        delete = app.screen.query_one("#delete")
        assert delete.display
        delete.press()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.query_one("#confirm-yes").press()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, UnitsScreen)
        assert all(a.id != ident for a in app.store.assessments())
    app.store.close()


async def test_an_accepted_entry_drops_the_kept_one_in_the_store(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        app.flow.clear(screen.assessment.id, "1.6")
        screen.assessment = app.flow.get(screen.assessment.id)
        await goto(pilot, screen, "1.6")
        await pilot.press("1", "2", "pagedown", "pageup", "tab", "2", "0")
        await pilot.pause()
        assert not stored(app, screen, "1.6").pending
    app.store.close()


async def test_an_empty_draft_shows_no_band_and_no_minus_zero(core, demo_path):
    from inspect_tool.tui.widgets.totals import TotalsBar
    from inspect_tool.workflow import Workflow

    with open_store(demo_path, user="t") as store:
        fresh = Workflow(core, store).new("HB-X07", "cchc-xa-2025", 2025, "self")
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        units = app.screen
        row = next(k for k, (_u, a) in units.rows.items() if a and a.id == fresh.id)
        cells = [str(c) for c in units.query_one(DataTable).get_row(row)]
        assert "None" not in cells and "-0.00" not in cells
        # at 80 columns the band is left to the detail line: no band there either
        assert units.details[row].split(" · ")[4] == "0.00% —"
        app.open_assessment(fresh.id)
        await pilot.pause()
        screen = app.screen
        totals = str(screen.query_one(TotalsBar).render())
        assert "-0" not in totals and "Band: —" in totals
        labels = [str(n.label) for n in screen.criteria.nodes_by_code.values()]
        assert not any("(-0" in label for label in labels)
    app.store.close()


async def test_a_file_attached_by_its_path(core, demo_path, tmp_path):
    import hashlib

    scan = tmp_path / "ke-hoach-12.pdf"
    scan.write_bytes(b"%PDF-1.4 a scanned plan")
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        await goto(pilot, screen, "1.2")
        entry = screen.query_one("#attach")
        entry.focus()
        entry.value = str(tmp_path / "nothing-here.pdf")  # as pasted: a path is long to type
        await pilot.press("enter")  # refused, with why
        await pilot.pause()
        assert "no such file" in str(screen.problem.render())
        entry.value = str(scan)
        await pilot.press("enter")
        await pilot.pause()
        [kept] = [e for e in stored(app, screen, "1.2").evidence if e.file]
        assert (kept.file, kept.sha256) == (scan.name, digest)
        files = str(screen.query_one("#item-files").render())
        assert scan.name in files and digest[:8] in files
        assert entry.value == ""
        # typing in the item afterwards keeps the file (it is not in the typed evidence)
        await goto(pilot, screen, "1.2")
        await pilot.press("5")
        await pilot.pause()
        record = stored(app, screen, "1.2")
        assert record.inputs["count"] == 5 and any(e.file == scan.name for e in record.evidence)
    app.store.close()


async def test_clear_and_undo_are_in_the_palette(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        titles = {c.title: c for c in app.get_system_commands(screen)}
        assert {"Clear the answer", "Undo"} <= set(titles)
        await goto(pilot, screen, "1.2")
        titles["Clear the answer"].callback()
        await pilot.pause()
        assert stored(app, screen, "1.2") is None
        titles["Undo"].callback()
        await pilot.pause()
        assert stored(app, screen, "1.2") is not None
    app.store.close()


async def test_keys_in_one_burst_keep_the_focus_in_the_form(core, demo_path):
    """A held PgDn: the next key comes before the app is idle again (checklist between)."""
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        await goto(pilot, screen, "1.1.1")
        screen.action_next_item()  # to 1.1.2, a checklist …
        screen.action_next_item()  # … and on to 1.1.3 before the first move's focus settled
        await pilot.pause()
        assert screen.code == "1.1.3" and screen.focused is screen.form.first_editor()
        await pilot.press("4", "2")
        await pilot.pause()
        assert stored(app, screen, "1.1.3").inputs["value"] == 42
    app.store.close()
