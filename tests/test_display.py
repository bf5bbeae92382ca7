"""Figures and dates as the reader's language writes them (inspect_tool/display.py): in the
app and the command line's human output; --json keeps the stored values."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inspect_tool import display
from inspect_tool.cli import cli
from inspect_tool.i18n import set_language
from inspect_tool.inputs import InputError, parse_moment
from inspect_tool.store import open_store
from inspect_tool.tui.app import InspectApp
from inspect_tool.tui.screens.assessment import AssessmentScreen
from inspect_tool.tui.screens.record import RecordScreen
from inspect_tool.tui.widgets.item_form import ItemForm
from inspect_tool.tui.widgets.totals import TotalsBar

from .test_tui import SIZE, open_unit, type_into

ISO = "2025-11-20T08:30:00+07:00"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", ("6,33", "82,93", "−1,50", "0,00", "6,33/7", "22/01/2024", "20/11/2025 08:30")),
        ("en", ("6.33", "82.93", "-1.50", "0.00", "6.33/7", "2024-01-22", "2025-11-20 08:30")),
    ],
)
def test_figures_and_dates_follow_the_language(language, expected):
    set_language(language)
    shown = (
        display.points(6.333),
        display.fixed(82.9251),
        display.fixed(-1.5),
        display.fixed(-0.001),  # never -0
        display.score(6.333, 7),
        display.day("2024-01-22"),
        display.moment(ISO),
    )
    assert shown == expected
    assert display.day("not a date") == "not a date"  # what was typed, kept as typed
    assert display.typed("date", "2024-01-22") == expected[5]


def test_a_number_in_its_field_is_never_rounded():
    set_language("vi")
    assert display.typed("number", 0.125) == "0,125"  # saved again as it is when left
    assert display.typed("count", 12) == "12"
    set_language("en")
    assert display.typed("number", 0.125) == "0.125"


def test_a_visit_time_is_typed_either_way():
    assert parse_moment("20/11/2025 08:30") == "2025-11-20T08:30"
    assert parse_moment(ISO) == ISO  # as the store keeps it: unchanged
    for wrong in ("20/11/2025", "31/02/2025 08:30", "20/11/2025 25:00", "soon"):
        with pytest.raises(InputError, match="20/11/2025 08:30"):
            parse_moment(wrong)


def app_on(core, path) -> InspectApp:
    return InspectApp(core, open_store(path, user="Tổ kiểm tra"))


async def test_the_app_writes_vietnamese_figures_and_dates(core, demo_path):
    set_language("vi")
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-P01", kind="appraisal")
        assert isinstance(screen, AssessmentScreen)
        screen.show_item("1.1.1")  # a date item, appraised late
        await pilot.pause()
        form = screen.query_one(ItemForm)
        name = form.specs[0].name
        field = form.editor(name)
        assert field.value == "20/02/2025"  # stored as 2025-02-20
        assert form.rows[0].input.placeholder.endswith("31/01/2025")
        points = str(screen.statics["points"].render())
        assert "0,25/0,5" in points and "20/02/2025" in points and "31/01/2025" in points
        assert "2025-" not in points and "0.25" not in points
        base = str(screen.statics["base"].render())
        assert "0,5" in base and "16/01/2025" in base
        totals = str(screen.query_one(TotalsBar).render())
        assert "1:\xa04,93/5,5" in totals and "82,66" in totals and "82.66" not in totals
        await type_into(pilot, screen, field, "25/01/2025")  # typed as Vietnamese writes it
        assert app.flow.get(screen.assessment.id).items["1.1.1"].inputs[name] == "2025-01-25"
        assert "0,5/0,5" in str(screen.statics["points"].render())
    app.store.close()


async def test_the_visit_time_is_shown_and_typed_as_written(core, demo_path):
    set_language("vi")
    app = app_on(core, demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_unit(pilot, app, "HB-X06")
        ident = screen.assessment.id
        app.flow.update_header(ident, started=ISO)
        await pilot.press("f4")
        await pilot.pause()
        record = app.screen
        assert isinstance(record, RecordScreen)
        started = record.query_one("#started")
        assert started.value == "20/11/2025 08:30"
        record.save_visit()  # left as shown: the stored value, seconds and offset, stays
        assert app.flow.get(ident).started == ISO
        await type_into(pilot, record, "#ended", "20/11/2025 11:45")
        record.save_visit()
        assert (app.flow.get(ident).started, app.flow.get(ident).ended) == (ISO, "2025-11-20T11:45")
        await type_into(pilot, record, "#ended", "20/11/2025 11 giờ")
        record.save_visit()
        assert "20/11/2025 08:30" in str(record.query_one("#error").render())
        assert app.flow.get(ident).ended == "2025-11-20T11:45"  # nothing changed
    app.store.close()


def run(path, *args: str, lang: str) -> str:
    result = CliRunner().invoke(cli, ["--lang", lang, "--db", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_line_writes_the_readers_figures_json_the_stored_ones(demo_path):
    listed = json.loads(run(demo_path, "assess", "list", "--json", lang="vi"))
    ident = next(a["id"] for a in listed if a["unit"] == "HB-P01" and a["kind"] == "appraisal")
    shown = run(demo_path, "assess", "show", ident, lang="vi")
    assert "82,66" in shown and "20/02/2025" in shown  # the index, an explanation's date
    assert "82.66" not in shown and "2025-02-20" not in shown
    english = run(demo_path, "assess", "show", ident, lang="en")
    assert "82.66" in english and "2025-02-20" in english
    data = json.loads(run(demo_path, "assess", "show", ident, "--json", lang="vi"))
    assert "2025-02-20" in data["explanations"]["1.1.1"]  # machine-readable, no locale
    assert isinstance(data["totals"]["index"], float)
