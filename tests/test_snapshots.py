"""Snapshots of the main screens in Vietnamese (pytest-textual-snapshot).

Update them after a deliberate change of the screens with `pytest --snapshot-update`, and look
at the report before committing the new SVGs.
"""

from __future__ import annotations

import pytest

from inspect_tool.i18n import set_language
from inspect_tool.store import open_store
from inspect_tool.tui.app import InspectApp

pytestmark = pytest.mark.usefixtures("steady_cursor")

SIZE = (150, 42)


@pytest.fixture
def vietnamese_app(core, tmp_path, demo_store):
    set_language("vi")
    demo_store(tmp_path / "demo", "demo")
    store = open_store(tmp_path / "demo", user="demo")
    yield InspectApp(core, store)
    store.close()


def test_units_screen(vietnamese_app, snap_compare):
    assert snap_compare(vietnamese_app, terminal_size=SIZE)


def test_assessment_screen(vietnamese_app, snap_compare):
    async def open_draft(pilot):
        screen = pilot.app.screen
        key = next(k for k, (u, a) in screen.rows.items() if u.code == "HB-X05" and a)
        table = screen.query_one("DataTable")
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()

    assert snap_compare(vietnamese_app, terminal_size=SIZE, run_before=open_draft)


async def test_the_command_palette_speaks_vietnamese(vietnamese_app):
    async with vietnamese_app.run_test(size=SIZE) as pilot:
        titles = {c.title for c in vietnamese_app.get_system_commands(vietnamese_app.screen)}
        assert {"Giao diện", "Thoát", "Đánh giá mới"} <= titles  # Textual's own ones too
        assert not titles & {"Theme", "Quit", "Keys", "Screenshot"}
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert vietnamese_app.screen.query_one("Input").placeholder == "Tìm lệnh…"
