"""The plugin guide's examples run: each `# file:` block of docs/plugins.md is written into a
plugins folder and used through the tool as a plugin author would (issue 14, item 15)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli, register_plugin_commands
from inspect_tool.plugins import load_plugins
from tests.test_store import UNITS

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "plugins.md"

SET = """\
id: docs-examples
title: Ví dụ của hướng dẫn
version: "1"
year: 2025
level: [commune, ward]
basis: thử
max_points: 10
bands: [{min: 50, label: Đạt}, {min: 0, label: Yếu}]
areas:
  - code: "1"
    title: Một
    criteria:
      - {code: "1.1", title: Trong ngày, max_points: 5, method: same_day_share,
         params: {target: 50}}
      - {code: "1.2", title: Tiếp công dân, max_points: 5, method: citizen_reception}
"""


def guide_plugins() -> dict[str, str]:
    """file name → source, for every ```python block that starts with `# file: NAME.py`."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    found = {}
    for block in blocks:
        first, _nl, _rest = block.partition("\n")
        if match := re.fullmatch(r"# file: (\w+\.py)", first.strip()):
            found[match.group(1)] = block
    return found


@pytest.fixture
def folder(tmp_path) -> Path:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    for name, source in guide_plugins().items():
        (plugins / name).write_text(source, encoding="utf-8")
    return plugins


@pytest.fixture
def tool(tmp_path, folder):
    """The command line with the guide's plugins, their commands added as at start-up."""
    group = click.Group(
        "inspect-tool",
        commands=dict(cli.commands),
        params=list(cli.params),
        callback=cli.callback,
        invoke_without_command=True,
    )
    registry = load_plugins(folder)
    register_plugin_commands(registry, group)
    assert [p for p in registry.problems if p.plugin.startswith("hoa_an")] == []

    def _run(*args: str):
        base = ["--lang", "en", "--plugins-dir", str(folder), "--db", str(tmp_path / "store")]
        return CliRunner().invoke(group, [*base, *args])

    return _run


def test_the_guide_has_its_examples():
    assert set(guide_plugins()) >= {
        "hoa_an_rules.py",
        "hoa_an_tiep_dan.py",
        "hoa_an_evidence.py",
        "hoa_an_summary.py",
    }


def test_the_guides_plugins_load_and_score(tool, tmp_path):
    shown = tool("plugins", "--json")
    assert shown.exit_code == 0, shown.output
    rows = {r["name"]: r for r in json.loads(shown.stdout)}
    for name in ("hoa_an_rules", "hoa_an_tiep_dan", "hoa_an_evidence", "hoa_an_summary"):
        assert rows[name]["error"] == "", rows[name]
    assert rows["hoa_an_rules"]["methods"] == ["same_day_share"]
    assert rows["hoa_an_tiep_dan"]["methods"] == ["citizen_reception"]
    cset = tmp_path / "docs-examples.yaml"
    cset.write_text(SET, encoding="utf-8")
    assert tool("criteria", "validate", str(cset)).exit_code == 0
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        '"1.1": {same_day: 30, total: 100}\n'
        '"1.2": {held: 12, planned: 12, chair: chu_tich, channels: [tai_tru_so, truc_tuyen],'
        " published: yes}\n",
        encoding="utf-8",
    )
    # the set is not registered by a plugin: score it through the engine of the validated file
    from inspect_tool.criteria import load_set
    from inspect_tool.scoring import Engine

    methods = load_plugins(cset.parent / "plugins").methods
    engine = Engine(load_set(cset, methods), methods)
    from inspect_tool.answers import read_answers

    scores = engine.score(read_answers(answers, engine))
    assert scores.points["1.1"] == 3 and scores.explanation("1.1") == "30.0% trong ngày → 3"
    assert scores.points["1.2"] == 5
    assert scores.explanation("1.2") == "12/12 buổi, chu_tich → 5"
    # the declared bounds, step, options and required hold for every answer
    for raw, field in (
        ({"held": 12, "planned": 0}, "planned"),
        ({"held": 12, "planned": 12, "chair": "x"}, "chair"),
        ({"held": 12, "planned": 12, "satisfied": 90.3}, "satisfied"),
        ({"held": 30, "planned": 12}, "held"),
    ):
        full = {"chair": "chu_tich", "published": True, "channels": []} | raw
        with pytest.raises(ValueError, match=field):
            engine.check("1.2", full)
    answer = engine.check(
        "1.2", {"held": 6, "planned": 12, "chair": "pho_chu_tich", "published": "không"}
    )
    assert answer.inputs["first"] is None and answer.inputs["channels"] == ()


def test_the_guides_local_rule_and_command_work_on_a_store(tool):
    assert tool("units", "import", str(UNITS)).exit_code == 0
    new = tool(
        "assess", "new", "HB-X01", "--set", "cchc-xa-2025", "--year", "2025", "--kind", "self"
    )
    ident = new.stdout.strip()
    tool("assess", "answer", ident, "1.1.1", "--input", "date=2025-01-20", "--evidence", ";;UBND")
    tool("assess", "answer", ident, "2.4", "--na")
    submit = tool("assess", "submit", ident)
    assert "nội dung 1.1.1: tài liệu của UBND phải ghi số văn bản" in submit.output, submit.output
    assert "nội dung 2.4: không áp dụng phải ghi lý do vào ghi chú" in submit.output
    summary = tool("hoa-an-summary", "--year", "2025")
    assert summary.exit_code == 0, summary.output
    assert summary.stdout.startswith("HB-X01\t") and "\tself\tdraft\t" in summary.stdout
