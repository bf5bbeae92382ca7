"""Snapshots at a laptop's 80×24, in Vietnamese: every dialog and the screens behind them
(issue 13). Update them after a deliberate change with `pytest --snapshot-update`, and look at
the report before committing the new SVGs."""

from __future__ import annotations

import pytest

from inspect_tool.i18n import set_language
from inspect_tool.minutes import make_minutes
from inspect_tool.store import open_store
from inspect_tool.tui.app import InspectApp
from inspect_tool.workflow import Workflow

pytestmark = pytest.mark.usefixtures("steady_cursor")

SMALL = (80, 24)


@pytest.fixture
def vietnamese_app(core, tmp_path, demo_store):
    set_language("vi")
    demo_store(tmp_path / "demo", "demo")
    store = open_store(tmp_path / "demo", user="demo")
    yield InspectApp(core, store)
    store.close()


async def open_draft(pilot):
    screen = pilot.app.screen
    key = next(k for k, (u, a) in screen.rows.items() if u.code == "HB-X05" and a)
    table = screen.query_one("DataTable")
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    await pilot.pause()


def test_units_80x24(vietnamese_app, snap_compare):
    assert snap_compare(vietnamese_app, terminal_size=SMALL)


async def settle(pilot) -> None:
    """After a button press: its flash (0.2 s), a scroll to the refusal and a notice sliding
    in are over, so the picture does not depend on the moment it is taken."""
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.3)


def test_new_assessment_80x24(vietnamese_app, snap_compare):
    async def run_before(pilot):
        await pilot.press("ctrl+n")
        await pilot.pause()
        pilot.app.screen.query_one("#create").press()  # nothing chosen: the refusal shows
        await settle(pilot)

    assert snap_compare(vietnamese_app, terminal_size=SMALL, run_before=run_before)


def test_assessment_80x24(vietnamese_app, snap_compare):
    assert snap_compare(vietnamese_app, terminal_size=SMALL, run_before=open_draft)


def test_help_80x24(vietnamese_app, snap_compare):
    async def run_before(pilot):
        await open_draft(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(vietnamese_app, terminal_size=SMALL, run_before=run_before)


def test_area_not_applicable_80x24(vietnamese_app, snap_compare):
    async def run_before(pilot):
        await open_draft(pilot)
        screen = pilot.app.screen
        screen.criteria.focus()
        screen.criteria.move_cursor(screen.criteria.nodes_by_code["9"])
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()

    assert snap_compare(vietnamese_app, terminal_size=SMALL, run_before=run_before)


def test_record_refusal_80x24(vietnamese_app, snap_compare):
    async def run_before(pilot):
        await open_draft(pilot)
        await pilot.press("f4")
        await pilot.pause()
        pilot.app.screen.query_one("#add-finding").press()  # no area: refused, said
        await settle(pilot)

    assert snap_compare(vietnamese_app, terminal_size=SMALL, run_before=run_before)


def test_search_in_the_tree_80x24(vietnamese_app, snap_compare):
    async def run_before(pilot):
        await open_draft(pilot)
        pilot.app.screen.criteria.focus()
        await pilot.press("slash", *"mot cua")
        await pilot.pause(0.5)

    assert snap_compare(vietnamese_app, terminal_size=SMALL, run_before=run_before)


@pytest.fixture
def sign_app(core, tmp_path, demo_store):
    set_language("vi")
    with open_store(demo_store(tmp_path / "demo", "demo"), user="demo") as store:
        flow = Workflow(core, store)
        a = next(x for x in store.assessments() if x.kind == "appraisal")
        flow.update_header(a.id, place="Trụ sở UBND", started="2025-11-20T08:30")
        flow.submit(a.id)
        flow.finalize(a.id)
        make_minutes(flow, a.id, tmp_path / "bien-ban.pdf")
    store = open_store(tmp_path / "demo", user="demo")
    yield InspectApp(core, store), tmp_path / "bien-ban.pdf"
    store.close()


def test_sign_80x24(sign_app, snap_compare):
    app, pdf = sign_app

    async def run_before(pilot):
        from inspect_tool.tui.screens.sign import SignScreen

        await pilot.app.push_screen(SignScreen(pdf))
        await pilot.pause()
        pilot.app.screen.query_one("#sign").press()  # nothing chosen: refused, said
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
