"""The progress board in the app on the central store (a real PostgreSQL): opened from the
units screen by its key, it shows every unit, follows a ward's save made through another
connection without a key pressed, searches without diacritics while it listens, and is not
offered on a laptop's embedded store."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Input, Static

from inspect_tool.model import Unit
from inspect_tool.store import Change, open_store
from inspect_tool.tui.app import InspectApp
from inspect_tool.tui.progress import ProgressScreen
from inspect_tool.tui.screens.units import UnitsScreen
from inspect_tool.workflow import Workflow

SIZE = (150, 40)
SET = "cchc-xa-2025"
UNITS = [
    Unit("Q-01", "Phường Đông Sơn", "ward", "Tỉnh Q"),
    Unit("Q-02", "Xã Hòa Bình", "commune", "Tỉnh Q"),
    Unit("Q-03", "Xã Tân Lập", "commune", "Tỉnh Q"),
]


async def wait_for(pilot, condition, what: str) -> None:
    """Let the app run until `condition()` holds (the board's thread reads the store)."""
    for _ in range(600):
        if condition():
            return
        await pilot.pause(0.05)
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


def cells(screen: ProgressScreen) -> list[list[str]]:
    table = screen.query_one("#board", DataTable)
    return [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]


async def test_the_board_follows_a_wards_save(core, pg_store):
    _admin, url = pg_store
    with open_store(url, user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, len(UNITS))])
        flow = Workflow(core, store)
        ids = {u.code: flow.new(u.code, SET, 2025, "self").id for u in UNITS[:2]}
    with open_store(url, user="Sở Nội vụ") as store:
        app = InspectApp(core, store)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, UnitsScreen), "units")
            await pilot.press("ctrl+b")
            screen = app.screen
            assert isinstance(screen, ProgressScreen)
            await wait_for(pilot, lambda: screen.reads >= 1, "the first read")
            rows = cells(screen)
            assert [r[0] for r in rows] == ["Q-01", "Q-02", "Q-03"]
            assert rows[2][3] == "not started" and rows[0][4] == "0/64"
            counts = str(screen.query_one("#counts", Static).render())
            assert "draft: 2" in counts and "not started: 1" in counts
            # a ward saves through its own connection: the board shows it by itself
            with open_store(url, user="Phường Đông Sơn") as ward:
                Workflow(core, ward).answer(ids["Q-01"], "1.1.1", {"date": "2025-02-01"})
            await wait_for(pilot, lambda: cells(screen)[0][4] == "1/64", "the ward's answer")
            assert cells(screen)[0][8] == "Phường Đông Sơn"
            # searching while it listens, without diacritics
            await pilot.click("#search")
            await pilot.press(*"hoa binh")
            assert screen.query_one("#search", Input).value == "hoa binh"
            await wait_for(pilot, lambda: [r[0] for r in cells(screen)] == ["Q-02"], "search")
            await pilot.press("escape")
            assert isinstance(app.screen, UnitsScreen)


async def test_the_board_is_not_offered_on_the_embedded_store(core, demo_path):
    with open_store(demo_path, user="x") as store:
        app = InspectApp(core, store)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, UnitsScreen), "units")
            await pilot.press("ctrl+b")
            await pilot.pause()
            assert isinstance(app.screen, UnitsScreen)
