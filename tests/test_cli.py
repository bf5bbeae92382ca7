"""The command line as a user and a script see it: output, JSON, exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from tests.conftest import SMALL_SET


@pytest.fixture
def run(tmp_path):
    def _run(*args: str):
        runner = CliRunner()
        return runner.invoke(cli, ["--lang", "en", "--plugins-dir", str(tmp_path), *args])

    return _run


def test_criteria_list(run):
    result = run("criteria", "list", "--json")
    assert result.exit_code == 0, result.output
    sets = {s["id"]: s for s in json.loads(result.stdout)}
    assert sets["cchc-xa-2025"]["max_points"] == 100
    assert sets["kiem-tra-mot-cua-2025"]["plugin"] == "inspect_tool.builtin_sets"


def test_criteria_show(run):
    result = run("criteria", "show", "kiem-tra-mot-cua-2025")
    assert result.exit_code == 0
    assert "Công khai thủ tục hành chính" in result.stdout
    data = json.loads(run("criteria", "show", "kiem-tra-mot-cua-2025", "--json").stdout)
    assert data["id"] == "kiem-tra-mot-cua-2025" and len(data["hash"]) == 64
    missing = run("criteria", "show", "no-such-set")
    assert missing.exit_code == 1
    assert "no criteria set 'no-such-set' (available:" in missing.stderr


def test_validate_good_and_bad(run, write):
    good = write("good.yaml", SMALL_SET)
    ok = run("criteria", "validate", str(good))
    assert ok.exit_code == 0
    assert f"{good}: OK (small 1, 6 items, 10 points)" in ok.stdout
    bad = write("bad.yaml", SMALL_SET.replace("method: ratio", "method: ratoi"))
    result = run("criteria", "validate", str(good), str(bad))
    assert result.exit_code == 1
    assert f"{bad}:29: unknown scoring method 'ratoi' (did you mean 'ratio'?)" in result.stderr
    assert "Traceback" not in result.output


def test_score_from_answers_file(run, write, tmp_path):
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "small.yaml").write_text(SMALL_SET, encoding="utf-8")
    (tmp_path / "p.py").write_text(
        "import inspect_tool\nfrom pathlib import Path\n"
        "@inspect_tool.hookimpl\ndef register_criteria_sets(register):\n"
        f"    register(Path({str(sets)!r}))\n",
        encoding="utf-8",
    )
    answers = write(
        "answers.yaml",
        """\
        "1.1": {done: yes}
        1.2.2: {numerator: 3, denominator: 4}
        "2.1": {value: 96}
        1.2.1: {na: true}
    """,
    )
    result = run("score", "small", str(answers), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["total"], data["max_points"], data["index"]) == (7.5, 10, 75)
    assert data["band"] == "Đạt"
    assert data["items"]["1.2.2"]["explanation"] == "3/4 = 75% (target 100%) → 1.5"
    text = run("score", "small", str(answers), "--items")
    assert "Total: 7.50 / 10   Index: 75.00%   Band: Đạt" in text.stdout

    wrong = write(
        "wrong.yaml",
        """\
        "1.1": {done: perhaps}
        "9.9": {x: 1}
        "2.1": {na: true}
    """,
    )
    result = run("score", "small", str(wrong))
    assert result.exit_code == 1
    assert f"{wrong}:1: item 1.1: done: answer yes or no, not 'perhaps'" in result.stderr
    assert f"{wrong}:2: no scorable item '9.9' in small@1" in result.stderr
    assert f"{wrong}:3: item 2.1: this item may not be marked not applicable" in result.stderr


def test_usage_errors_exit_2(run):
    assert run("score").exit_code == 2
    assert run("criteria", "frobnicate").exit_code == 2
    assert run("score", "small", "/no/such/file.yaml").exit_code == 2


def test_plugins_command(run):
    result = run("plugins", "--json")
    assert result.exit_code == 0
    names = {p["name"]: p for p in json.loads(result.stdout)}
    assert "ratio" in names["inspect_tool.builtin_methods"]["methods"]
    assert "cchc-xa-2025@2025.1" in names["inspect_tool.builtin_sets"]["sets"]


def test_demo_is_deterministic_and_ranks_sixteen_units(run):
    first = run("demo", "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert json.loads(run("demo", "--json").stdout) == data
    commune = data["cchc-xa-2025"]
    assert len(commune) == 16
    assert commune[0]["rank"] == "1/16"
    assert len({u["band"] for u in commune}) >= 3  # the demo spreads over the bands


def test_vietnamese_is_the_default(tmp_path):
    result = CliRunner().invoke(cli, ["--plugins-dir", str(tmp_path), "demo", "--table"])
    assert result.exit_code == 0
    assert "Dữ liệu minh họa" in result.stdout  # the closing note, in Vietnamese


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "inspect_tool", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("inspect-tool, version")
