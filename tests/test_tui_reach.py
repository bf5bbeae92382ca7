"""Everything reachable and readable at 80×24, help, search and whole areas not applicable,
Textual's own words in the user's language, and a second window that only reads (issue 13)."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Input, Select

from inspect_tool.i18n import _, set_language
from inspect_tool.store import StoreLocked, open_store
from inspect_tool.tui.app import InspectApp
from inspect_tool.tui.screens.area_na import ConfirmGroupNA
from inspect_tool.tui.screens.assessment import AssessmentScreen
from inspect_tool.tui.screens.help import HelpScreen
from inspect_tool.tui.screens.new_assessment import NewAssessmentScreen
from inspect_tool.tui.screens.record import RecordScreen
from inspect_tool.tui.search import fold
from inspect_tool.tui.textual_words import Palette
from inspect_tool.tui.widgets.keys_footer import KeysFooter

SMALL = (80, 24)


@pytest.fixture(params=["vi", "en"])
def language(request):
    set_language(request.param)
    yield request.param
    set_language("vi")


def app_on(core, path) -> InspectApp:
    return InspectApp(core, open_store(path, user="Tổ kiểm tra"))


def on_screen(app, widget) -> bool:
    """Whether `widget` is drawn whole inside the terminal."""
    region = widget.region
    return bool(region) and app.screen.region.contains_region(region)


async def open_draft(pilot, app, unit: str = "HB-X05") -> AssessmentScreen:
    screen = app.screen
    key = next(k for k, (u, a) in screen.rows.items() if u.code == unit and a)
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, AssessmentScreen)
    return app.screen


def test_folding_diacritics():
    assert fold("Một cửa Sơn ĐÔNG") == "mot cua son dong"
    assert len(fold("Bộ phận Một cửa")) == len("Bộ phận Một cửa")


# -- 7. dialogs at 80×24 ----------------------------------------


async def test_the_new_assessment_dialog_fits_80x24(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewAssessmentScreen)
        for selector in ("#unit", "#year", "#set", "#kind", "#create", "#cancel"):
            assert on_screen(app, dialog.query_one(selector)), selector
        dialog.query_one("#create", Button).press()  # nothing chosen: refused, and readable
        await pilot.pause()
        error = dialog.query_one("#error")
        assert str(error.render()) and on_screen(app, error)
    app.store.close()


# -- 8. refusals where one looks --------------------------------


async def test_a_refused_deadline_is_seen_at_80x24(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_draft(pilot, app)
        await pilot.press("f4")
        await pilot.pause()
        record = app.screen
        assert isinstance(record, RecordScreen)
        record.query_one("#area", Select).value = screen.engine.cset.areas[0].code
        record.query_one("#text", Input).value = "Kiện toàn bộ phận một cửa"
        record.query_one("#deadline", Input).value = "31/02/2026"
        record.query_one("#add-recommendation", Button).press()
        await pilot.pause()
        assert not app.flow.get(screen.assessment.id).recommendations
        messages = [n.message for n in app._notifications]
        assert messages and str(record.query_one("#error").render()).strip() in messages[-1]
    app.store.close()


async def test_the_points_line_is_scrolled_into_view_at_80x24(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_draft(pilot, app)
        screen.show_item("1.3.2", answering=True)
        await pilot.pause()
        first = screen.form.first_editor()
        first.focus()
        first.value = "3"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        shown = screen.problem if str(screen.problem.render()).strip() else screen.statics["points"]
        assert on_screen(app, shown)
    app.store.close()


# -- 9. the focus is always seen --------------------------------


async def test_tab_from_the_tree_lands_in_a_field(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_draft(pilot, app)
        screen.criteria.focus()
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is screen.form.first_editor()
        assert on_screen(app, screen.focused)
        await pilot.press("ctrl+f")  # a palette jump, then PgDn: the next item's first field
        await pilot.pause()
        await pilot.press(*"3.4.1")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.code == "3.4.1"
        await pilot.press("pagedown")
        await pilot.pause()
        assert screen.focused is screen.form.first_editor()
    app.store.close()


# -- 10. nothing cut at 80 columns ------------------------------


async def test_the_units_row_is_read_in_full_and_the_footer_cuts_whole_keys(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = app.screen
        await pilot.press("x", "0", "5", "enter")
        await pilot.pause()
        detail = str(screen.query_one("#detail").render())
        assert "HB-X05" in detail and "Xã Sơn Hà" in detail and "/" in detail
        assessment = await open_draft(pilot, app)
        await pilot.pause()
        footer = assessment.query_one(KeysFooter)
        keys = [k for k in footer.query("FooterKey") if k.display]
        assert any(k.action in ("help", "app.help") for k in keys)
        for key in keys:
            assert on_screen(app, key), key.description
    app.store.close()


# -- 11. help ---------------------------------------------------


async def test_help_lists_the_keys_and_the_marks(core, demo_path, language):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")  # in the units table: help, not a search
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert on_screen(app, app.screen.query_one("#help-keys"))
        assert not app.screen.query("#help-marks")  # no tree here
        await pilot.press("escape")
        await pilot.pause()
        screen = await open_draft(pilot, app)
        await pilot.press("question_mark")  # typed into the answer field: it is the field's
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = dict(help_screen.keys)
        marks = dict(help_screen.marks)
        assert "f5" in keys and "f1 ?" in keys and "pgdn" in keys
        assert marks["○"] == _("not answered yet") and marks["–"] == _("not applicable")
        # in the chosen language, the screens' own key words too: they are translated when
        # shown, not when their module was imported (in whichever language then)
        assert _("To the next field: the evidence, the note") in keys.values()
        assert keys["pgdn"] == {"vi": _("Next item"), "en": "Next item"}[language]
        assert keys["f1 ?"] == {"vi": _("Help"), "en": "Help"}[language]
        if language == "vi":
            assert keys["pgdn"] != "Next item"
        footer = {b.description for _n, b, _e, _t in screen.active_bindings.values()}
        assert _("Next item") in footer and _("Finish") in footer
        close = str(help_screen.query_one("#close", Button).label)
        assert close == {"vi": "Đóng", "en": "Close"}[language]
        await pilot.press("end")  # longer than 24 lines: it scrolls
        await pilot.pause()
        assert on_screen(app, help_screen.query_one("#help-marks"))
        assert on_screen(app, help_screen.query_one("#close"))
    app.store.close()


# -- 12. search -------------------------------------------------


async def test_the_units_search_ignores_diacritics(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("s", "o", "n")
        await pilot.pause()
        names = {u.name for u, _a in app.screen.rows.values()}
        assert "Xã Sơn Hà" in names and "Phường Đông Sơn" in names
        assert all("Sơn" in name for name in names)
    app.store.close()


async def palette_hits(pilot, app, keys: str, wait: float = 0.5) -> list[str]:
    await pilot.press(*keys)
    await pilot.pause(wait)
    palette = app.screen
    assert isinstance(palette, Palette)
    options = palette.query_one("CommandList")
    prompts = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
    return [str(getattr(p, "renderable", p)) for p in prompts]  # "no matches" is centred


async def test_the_palette_finds_items_by_code_and_words(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_draft(pilot, app)
        await pilot.press("ctrl+p")
        hits = await palette_hits(pilot, app, "3.4.1")
        assert hits[0].startswith("3.4.1 ")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        hits = await palette_hits(pilot, app, "mot cua")
        assert hits[0].startswith("3.3.1 ")  # an item first; its area and criterion too
        assert any(h.startswith("3 ") for h in hits)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.code == "3.3.1"
    app.store.close()


async def test_the_tree_search(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_draft(pilot, app)
        screen.criteria.focus()
        await pilot.press("slash")  # `/` in the tree: the criteria search
        hits = await palette_hits(pilot, app, "hai long tiep can")
        assert hits and hits[0].startswith("9.1 ")
        await pilot.press("escape")
        await pilot.pause()
        screen.form.first_editor().focus()
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen is screen  # typed into a field, `/` is the field's
    app.store.close()


# -- 13. an area not applicable ---------------------------------


async def test_f2_on_an_area_asks_then_marks_every_item(core, demo_path):
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_draft(pilot, app)
        screen.criteria.focus()
        screen.criteria.move_cursor(screen.criteria.nodes_by_code["9"])
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmGroupNA)
        assert "9" in str(app.screen.query_one("#question").render())
        await pilot.press("escape")  # no: nothing changes
        await pilot.pause()
        items = app.flow.get(screen.assessment.id).items
        assert not any(items.get(f"9.{n}") and items[f"9.{n}"].na for n in range(1, 7))
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#yes", Button).press()
        await pilot.pause()
        items = app.flow.get(screen.assessment.id).items
        assert all(items[f"9.{n}"].na for n in range(1, 7))
        assert screen.scores.points["9"] == 0
        await pilot.press("f2")  # again: the mark taken off them all, asked first too
        await pilot.pause()
        app.screen.query_one("#yes", Button).press()
        await pilot.pause()
        items = app.flow.get(screen.assessment.id).items
        assert not any(f"9.{n}" in items for n in range(1, 7))
    app.store.close()


# -- 15. Textual's words ----------------------------------------


async def test_textual_words_are_in_vietnamese(core, demo_path):
    set_language("vi")
    app = app_on(core, demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("tab")  # the search, then the kind's list
        await pilot.press("tab")
        await pilot.press("enter")
        await pilot.pause()
        descriptions = {b.description for _n, b, _e, _t in app.screen.active_bindings.values()}
        assert "Dismiss menu" not in descriptions and _("Close the list") in descriptions
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        hits = await palette_hits(pilot, app, "qqqqzz", wait=1.2)
        assert hits == [_("No matches found")]
        await pilot.press("escape")
        await pilot.pause()
        words = {b.description for bs in app.screen._bindings.key_to_bindings.values() for b in bs}
        assert not words & {"Focus Next", "Focus Previous"}
    app.store.close()


# -- 19. a second window reads ----------------------------------


async def test_a_second_window_reads_and_says_who_writes(core, demo_path):
    first = open_store(demo_path, user="Nguyễn Văn An")
    try:
        with pytest.raises(StoreLocked) as locked:
            open_store(demo_path, user="Tổ kiểm tra")
        store = open_store(demo_path, user="Tổ kiểm tra", write=False)
        app = InspectApp(core, store, lock_holder=locked.value.holder)
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            banner = str(app.screen.query_one("#read-only").render())
            assert locked.value.holder in banner
            screen = await open_draft(pilot, app)
            await pilot.pause()
            assert on_screen(app, screen.query_one("#read-only"))
            assert screen.form.first_editor().disabled
            before = app.flow.get(screen.assessment.id)
            await pilot.press("f2")
            await pilot.pause()
            assert app.flow.get(screen.assessment.id) == before
        store.close()
    finally:
        first.close()
