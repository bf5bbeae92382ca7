"""Hostile inputs and faults against the files the tool reads and writes: bounded work on
any input, no formula in a report, outputs that appear whole or not at all, clear errors.

Each test attacks the way the adversarial review did (issue 14), through the real command or
the real function, on real files."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from inspect_tool.cli import cli
from inspect_tool.model import Unit
from inspect_tool.output import OutputError, atomic_path
from inspect_tool.reports import write_ranking
from inspect_tool.store import Change, open_store
from inspect_tool.workflow import Workflow

LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{n}: &{n} [{', '.join(['*' + p] * 9)}]"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def run(*args: str, db: Path | None = None):
    base = ["--lang", "en"] + (["--db", str(db)] if db else [])
    return CliRunner().invoke(cli, [*base, *args])


# -- bounded work on hostile input ---------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("laughs.yaml", LAUGHS),
        ("deep-flow.yaml", "[" * 5000 + "]" * 5000),
        ("deep-block.yaml", "".join(" " * i + "a:\n" for i in range(3000)) + " " * 3000 + "1"),
    ],
)
def test_a_yaml_that_would_explode_is_refused_at_once(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    for args in (["criteria", "validate", str(path)], ["score", "cchc-xa-2025", str(path)]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert str(path) in result.output and "Traceback" not in result.output
    assert time.monotonic() - started < 30  # not a benchmark: the old behaviour ran for ever


def test_a_file_without_end_is_read_only_up_to_its_limit(tmp_path):
    for args in (
        ["criteria", "validate", "/dev/zero"],
        ["units", "import", "/dev/zero"],
        ["import", "/dev/zero"],
    ):
        result = run(*args, db=tmp_path / "db")
        assert result.exit_code == 1, (args, result.output)
        assert "MB" in result.output and "Traceback" not in result.output


def test_a_bundle_nested_without_end_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run("import", str(path), db=tmp_path / "db")
    assert result.exit_code == 1 and "nested too deeply" in result.output


# -- no formula in a report ----------------------------------------------------------------


HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\x07bell"]


@pytest.fixture
def poisoned(core, tmp_path, demo_store):
    """The demo province with units whose names and codes a spreadsheet would run."""
    store = open_store(demo_store(tmp_path / "demo", "Sở Nội vụ"), user="Sở Nội vụ")
    units = store.units()
    renamed = [
        Unit("=F07" if i == 0 else u.code, HOSTILE_NAMES[i], u.kind, u.parent)
        if i < len(HOSTILE_NAMES)
        else u
        for i, u in enumerate(units)
    ]
    store.put_units(renamed, [Change("renamed", None, len(renamed))])
    yield Workflow(core, store)
    store.close()


def test_report_cells_are_text_never_formulas(poisoned, tmp_path):
    xlsx, comma = tmp_path / "r.xlsx", tmp_path / "r.csv"
    write_ranking(poisoned, "cchc-xa-2025", 2025, xlsx, stage="self")
    write_ranking(poisoned, "cchc-xa-2025", 2025, comma, stage="self")
    book = load_workbook(xlsx)
    texts = [c for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in texts)
    shown = {c.value for c in texts}
    assert '=HYPERLINK("http://x","y")' in shown and "@SUM(1)" in shown
    assert "\ufffdbell" in shown  # the control character replaced, the report still made
    with comma.open(encoding="utf-8-sig", newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    for name in HOSTILE_NAMES[:4]:
        assert "'" + name in cells and name not in cells


# -- outputs appear whole or not at all ----------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "bien-ban.pdf"
    out.write_bytes(b"old")
    with pytest.raises(OutputError), atomic_path(out) as _tmp:
        pass  # exists, and no --force
    with pytest.raises(RuntimeError), atomic_path(out, force=True) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bien-ban.pdf"]
    with atomic_path(out, force=True) as tmp:
        tmp.write_bytes(b"new")
    assert out.read_bytes() == b"new" and oct(out.stat().st_mode & 0o777) != "0o600"


@pytest.fixture
def finalized_store(core, tmp_path, demo_store):
    path = tmp_path / "demo"
    with open_store(demo_store(path, "Sở Nội vụ"), user="Sở Nội vụ") as store:
        flow = Workflow(core, store)
        for a in [a for a in store.assessments() if a.state == "submitted"][:4]:
            flow.finalize(a.id)
    return path


def _inspect_tool(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "inspect_tool", "--lang", "en", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_existing_outputs_are_kept_unless_forced(finalized_store, tmp_path):
    ident = next(
        a.id for a in open_store(finalized_store, write=False).assessments() if a.kind == "self"
    )
    out = tmp_path / "bb.pdf"
    out.write_bytes(b"the clerk's copy")
    refused = run("minutes", ident, "--out", str(out), db=finalized_store)
    assert refused.exit_code == 1 and "--force" in refused.output
    assert out.read_bytes() == b"the clerk's copy"
    missing = run("minutes", ident, "--out", str(tmp_path / "nope" / "bb.pdf"), db=finalized_store)
    assert missing.exit_code == 1 and "does not exist" in missing.output
    report = tmp_path / "r.csv"
    report.write_text("keep", encoding="utf-8")
    again = run(
        "report", "ranking", "--set", "cchc-xa-2025", "--year", "2025", "--out", str(report),
        db=finalized_store,
    )  # fmt: skip
    assert again.exit_code == 1 and report.read_text(encoding="utf-8") == "keep"
    forced = run("minutes", ident, "--out", str(out), "--force", db=finalized_store)
    assert forced.exit_code == 0 and out.read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
def test_killed_while_writing_minutes_leaves_old_or_whole(finalized_store, tmp_path):
    ident = next(
        a.id for a in open_store(finalized_store, write=False).assessments() if a.kind == "self"
    )
    out = tmp_path / "bb.pdf"
    out.write_bytes(b"old")
    for delay, sig in ((0.8, signal.SIGKILL), (1.6, signal.SIGTERM), (2.4, signal.SIGKILL)):
        job = _inspect_tool(
            "--db", str(finalized_store), "minutes", ident, "--out", str(out), "--force"
        )
        time.sleep(delay)
        job.send_signal(sig)
        job.wait(timeout=30)
        content = out.read_bytes()
        assert content == b"old" or (content.startswith(b"%PDF-") and b"%%EOF" in content[-64:])
        if sig == signal.SIGTERM:  # a polite kill unwinds: no temporary file left behind
            assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


@pytest.mark.slow
def test_killing_minutes_all_ends_its_workers(finalized_store, tmp_path):
    folder = tmp_path / "every-minutes-out"
    job = _inspect_tool(
        "--db", str(finalized_store), "minutes", "--all", "--year", "2025",
        "--out-dir", str(folder), "--jobs", "2",
    )  # fmt: skip
    time.sleep(2.5)
    job.kill()
    job.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True)
        if not found.stdout.strip():
            break
        time.sleep(0.3)
    assert found.stdout.strip() == "", "workers outlived the command"


# -- clear errors ----------------------------------------------------------------------------


def test_settings_of_the_wrong_kind_are_named_with_their_line(finalized_store, tmp_path):
    settings = tmp_path / "settings.yaml"
    settings.write_text('document:\n  copies: "hai"\nsigning:\n  trust: "a.pem"\n', "utf-8")
    result = run(
        "minutes", "x", "--out", str(tmp_path / "x.pdf"), "--settings", str(settings),
        db=finalized_store,
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"{settings}:2: 'copies' must be a number" in result.output
    assert f"{settings}:4: 'trust' must be a list" in result.output


def test_errors_under_json_are_a_json_object_on_stdout(tmp_path):
    result = run("assess", "show", "nothing-here", "--json", db=tmp_path / "db")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert "nothing-here" in data["error"] and data["problems"] == [data["error"]]


def test_not_a_pdf_and_bad_numbers_get_a_message(tmp_path):
    fake = tmp_path / "bien-ban.pdf"
    fake.write_text("not a pdf", encoding="utf-8")
    for args in (["import", str(fake)], ["verify", str(fake)]):
        result = run(*args, db=tmp_path / "db")
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    days = run("keys", "test-cert", "--out", str(tmp_path / "k.p12"), "--name", "A", "--days", "-5")
    assert days.exit_code == 2 and "-5" in days.output
    assert not (tmp_path / "k.p12").exists()


def test_a_read_only_output_folder_is_a_message(finalized_store, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    result = run("export", "--out", str(folder / "b.json"), db=finalized_store)
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_validating_a_folder_without_yaml_is_not_all_good(tmp_path):
    result = run("criteria", "validate", str(tmp_path), "--json")
    assert result.exit_code == 1
    assert "a folder without YAML files" in json.loads(result.stdout)["error"]
