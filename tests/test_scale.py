"""A nation's store (issue 15): the commands that read a whole store read less and hold less,
and still give what they gave. The export is streamed to its file, byte for byte the bundle
that was built in memory; a long list is printed as plain columns; `units show` lists from the
summaries; the documents render with a lighter user-agent stylesheet that keeps list markers."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.store import open_store
from inspect_tool.store.bundle import bundle_bytes, export_bundle, read_bundle, stream_bundle
from inspect_tool.units import read_units_csv
from inspect_tool.workflow import Workflow
from tests.test_store import UNITS
from tests.test_workflow import SET

CREATED = "2025-12-01T08:00:00+07:00"


@pytest.fixture
def flow(core, store_target):
    """Two units' self-assessments and one appraisal, on either store."""
    with open_store(store_target, user="Nguyễn Văn A") as store:
        store.put_units(read_units_csv(UNITS), [])
        flow = Workflow(core, store)
        a = flow.new("HB-X01", SET, 2025, "self")
        flow.answer(a.id, "1.1.1", {"date": "20/01/2025"}, note='Kế hoạch số 12, "quý" I')
        b = flow.new("HB-X02", SET, 2025, "self")
        flow.answer(b.id, "2.4", na=True)
        yield flow


def run(store_target, *args: str):
    return CliRunner().invoke(cli, ["--lang", "en", "--db", str(store_target), *args])


def test_the_streamed_export_is_the_bundle_byte_for_byte(flow, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    for unit, year in ((None, None), ("HB-X02", None), (None, 2024), ("NOPE", None)):
        target = io.BytesIO()
        written = stream_bundle(flow.store, target, spool, unit=unit, year=year, created=CREATED)
        expected = bundle_bytes(export_bundle(flow.store, unit=unit, year=year, created=CREATED))
        assert target.getvalue() == expected
        data = json.loads(expected)
        assert written.hash == data["hash"]
        assert written.units == len(data["units"])
        assert written.assessments == len(data["assessments"])
    assert list(spool.iterdir()) == []  # the spool file is gone


def test_export_writes_a_bundle_that_imports(flow, store_target, tmp_path):
    bundle = tmp_path / "usb.json"
    done = run(store_target, "export", "--out", str(bundle))
    assert done.exit_code == 0, done.output
    assert "2 assessments" in done.stdout
    assert len(read_bundle(bundle)["assessments"]) == 2  # shape, hash and chains checked
    again = run(store_target, "export", "--out", str(bundle))
    assert again.exit_code == 1 and "already exists" in again.stderr  # refused before any work
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    loaded = run(tmp_path / "department", "import", str(bundle))
    assert loaded.exit_code == 0 and "imported 2 assessments" in loaded.stdout


def test_a_long_list_is_printed_as_plain_columns(flow, store_target, monkeypatch):
    short = run(store_target, "assess", "list")
    assert short.exit_code == 0 and "┃" in short.stdout  # rich's table for a short list
    from inspect_tool.cli import store as commands

    monkeypatch.setattr(commands, "PLAIN_ROWS", 1)
    long = run(store_target, "assess", "list")
    assert long.exit_code == 0 and "┃" not in long.stdout
    head, rule, *rows = long.stdout.splitlines()
    assert head.split()[:3] == ["Id", "Unit", "Year"] and set(rule) == {"─", " "}
    assert [row.split()[1] for row in rows] == ["HB-X01", "HB-X02"]
    for label in ("Unit", "State", "Band"):  # every row's cell starts under its header
        at = head.index(label)
        assert all(row[at - 1] == " " and row[at] != " " for row in rows)
    as_json = json.loads(run(store_target, "assess", "list", "--json").stdout)
    assert [a["unit"] for a in as_json] == ["HB-X01", "HB-X02"]


def test_units_show_lists_the_units_assessments_from_the_summaries(flow, store_target):
    shown = run(store_target, "units", "show", "HB-X02", "--json")
    assert shown.exit_code == 0, shown.output
    listed = json.loads(run(store_target, "assess", "list", "--unit", "HB-X02", "--json").stdout)
    assert json.loads(shown.stdout)["assessments"] == listed
    assert [a["answered"] for a in listed] == [1]
    table = run(store_target, "units", "show", "HB-X02")
    assert table.exit_code == 0 and "1/64" in table.stdout and "HB-X01" not in table.stdout


def test_the_lighter_stylesheet_keeps_list_markers(tmp_path):
    from pypdf import PdfReader

    from inspect_tool.minutes import render_pdf

    (tmp_path / "style.css").write_text("p { color: #333 }", encoding="utf-8")
    html = (
        '<html><head><link rel="stylesheet" href="style.css"></head><body>'
        "<ol><li>Một</li><li>Hai</li></ol><p>Đoạn văn</p></body></html>"
    )
    (tmp_path / "out.pdf").write_bytes(render_pdf(html, tmp_path))
    text = PdfReader(tmp_path / "out.pdf").pages[0].extract_text()
    assert "1." in text and "2." in text and "Hai" in text and "Đoạn văn" in text
