"""Plugins cannot take the tool down or fool it (issue 14, items 7 and 10 to 16).

Real plugins are written as plain `.py` files into a plugins folder, as a province's IT staff
would, and then break on purpose: impossible dates and absurd numbers in their sets and
overlays, nonsense from every method call and hook, commands that raise or take over the
tool's own, slow imports, and a plugin that goes away under a store. Each must end as that
plugin's failure, named, with the reason, and the tool goes on: never a traceback, never
points outside [0, max], never "OK" for a set that is not.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inspect_tool import InputSpec, Outcome, ParamProblem, ScoringMethod
from inspect_tool.catalog import build_catalog
from inspect_tool.cli import cli, register_plugin_commands
from inspect_tool.cli.catalog import scores_as_dict
from inspect_tool.criteria import load_set
from inspect_tool.methods import GuardedMethod, PluginMethodError
from inspect_tool.overlays import apply_overlay
from inspect_tool.plugins import load_plugins
from inspect_tool.scoring import AnswerError, Engine
from inspect_tool.yaml_lines import ProblemsError
from tests.test_store import UNITS

REPO = Path(__file__).resolve().parent.parent

# -- a hostile plugin, as a file in a plugins folder ------------------------------------------

# mode → what the scorer returns (or does); "ok" is the one honest answer
MODES = {
    "ok": "Outcome(max_points, 'đủ {0}', (max_points,))",
    "text": "Outcome('năm')",
    "fifty": "Outcome(50)",
    "nan": "Outcome(math.nan)",
    "inf": "Outcome(-math.inf)",
    "huge": "Outcome(10**400)",
    "negative": "Outcome(-1)",
    "bool": "Outcome(True)",
    "template": "Outcome(1, '{0:.1f} điểm', ('một',))",
    "field": "Outcome(1, '{missing} điểm', ())",
    "args": "Outcome(1, '{0}', 5)",
    "none": "None",
    "string": "'5'",
    "bare": "1.0",
    "long": "(1, 'a', (), 'b')",
    "raise": "1 / 0",
    "check_raises": "Outcome(1)",
    "check_text": "Outcome(1)",
    "compile_raises": "Outcome(1)",
    "compile_junk": "Outcome(1)",
}

PLUGIN = """\
import math
from pathlib import Path

import inspect_tool
from inspect_tool import InputSpec, Outcome, ScoringMethod

HERE = Path(__file__).with_name("hostile_data")


class Hostile(ScoringMethod):
    name = "hostile"
    param_names = ("mode",)

    def check_params(self, params, max_points):
        if params.get("mode") == "params_text":
            return "tham số sai"
        if params.get("mode") == "params_raise":
            raise RuntimeError("không kiểm được")
        return []

    def inputs(self, params, max_points):
        if params.get("mode") == "inputs_junk":
            return ["value"]
        return (InputSpec("value", "count", "Giá trị"),)

    def check_inputs(self, params, values):
        if params.get("mode") == "check_raises":
            raise RuntimeError("kiểm tra hỏng")
        if params.get("mode") == "check_text":
            return "sai"
        return []

    def compile(self, params, max_points):
        mode = params.get("mode", "ok")
        if mode == "compile_raises":
            raise RuntimeError("biên dịch hỏng")
        if mode == "compile_junk":
            return 42

        def score(values):
%(branches)s
        return score


@inspect_tool.hookimpl
def register_methods(register):
    register(Hostile())


@inspect_tool.hookimpl
def register_criteria_sets(register):
    register(HERE / "sets")


@inspect_tool.hookimpl
def register_overlays(register):
    register(HERE / "bad-overlay.yaml")


@inspect_tool.hookimpl
def check_assessment(assessment, criteria_set):
    return "một vấn đề"


@inspect_tool.hookimpl
def minutes_sections(assessment, criteria_set):
    return "không phải danh sách"
"""


def _plugin_source() -> str:
    branches = "\n".join(
        f"            if mode == {mode!r}:\n                return {value}"
        for mode, value in MODES.items()
    )
    return PLUGIN % {"branches": branches}


def _set_yaml(set_id: str, modes: list[str], **top: str) -> str:
    items = "\n".join(
        f'      - {{code: "1.{n}", title: "{mode}", max_points: 5, method: hostile, '
        f"params: {{mode: {mode}}}}}"
        for n, mode in enumerate(modes, start=1)
    )
    extra = "".join(f"{key}: {value}\n" for key, value in top.items())
    return (
        f"id: {set_id}\ntitle: Bộ thử\nversion: '1'\nyear: 2025\nlevel: [commune, ward]\n"
        f"basis: thử\nmax_points: {5 * len(modes)}\n{extra}"
        "bands: [{min: 50, label: Đạt}, {min: 0, label: Yếu}]\n"
        f"areas:\n  - code: '1'\n    title: Một\n    criteria:\n{items}\n"
    )


BAD_OVERLAY = """\
overlay: hostile
base: hostile-set
id: hostile-local
version: "1-local"
changes:
  - set: {code: "1.1", max_points: 6}
  - add:
      to: "1"
      criterion: {code: "1.99", title: Thêm, max_points: .nan, method: hostile}
"""


@pytest.fixture
def plugins_dir(tmp_path) -> Path:
    folder = tmp_path / "plugins"
    data = folder / "hostile_data"
    (data / "sets").mkdir(parents=True)
    (folder / "hostile.py").write_text(_plugin_source(), encoding="utf-8")
    (data / "sets" / "hostile-set.yaml").write_text(
        _set_yaml("hostile-set", list(MODES)), encoding="utf-8"
    )
    (data / "sets" / "bad-params.yaml").write_text(
        _set_yaml("bad-params", ["params_text", "params_raise", "inputs_junk"]), encoding="utf-8"
    )
    (data / "sets" / "bad-date.yaml").write_text(
        _set_yaml("bad-date", ["ok"], notes="2025-02-30"), encoding="utf-8"
    )
    (data / "bad-overlay.yaml").write_text(BAD_OVERLAY, encoding="utf-8")
    return folder


@pytest.fixture
def run(tmp_path, plugins_dir):
    def _run(*args: str, folder: Path | None = None):
        return CliRunner().invoke(
            cli,
            [
                "--lang",
                "en",
                "--plugins-dir",
                str(folder or plugins_dir),
                "--db",
                str(tmp_path / "store"),
                *args,
            ],
        )

    return _run


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception,
        result.output,
    )
    assert "Traceback" not in result.output


def _strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


# -- item 10 and 7: impossible dates and absurd numbers where sets come from ------------------


def test_a_plugins_bad_sets_and_overlay_are_its_failure_and_the_tool_goes_on(run, plugins_dir):
    shown = run("plugins", "--json")
    _no_traceback(shown)
    assert shown.exit_code == 0
    info = {row["name"]: row for row in _strict_json(shown.stdout)}["hostile"]
    assert info["methods"] == ["hostile"] and "hostile-set@1" in info["sets"]
    refused = "\n".join(info["refused"])
    data = plugins_dir / "hostile_data"
    assert f"{data / 'sets' / 'bad-date.yaml'}:8: '2025-02-30' is not a real date" in refused
    bad_params = data / "sets" / "bad-params.yaml"
    assert (
        f"{bad_params}:13: plugin 'hostile', method 'hostile': check_params returned "
        "'tham số sai', not a list of ParamProblem"
    ) in refused
    assert "could not check its params: RuntimeError: không kiểm được" in refused
    assert "inputs() returned 'value', not a tuple of InputSpec" in refused
    overlay = data / "bad-overlay.yaml"
    assert f"{overlay}:9: item 1.99: 'max_points' must be a number, not 'nan'" in refused
    table = run("plugins")
    assert table.exit_code == 0 and "left out" in table.stdout
    listed = run("criteria", "list", "--json")
    assert listed.exit_code == 0
    assert "hostile-set" in {s["id"] for s in _strict_json(listed.stdout)}
    assert "is not a real date" in listed.stderr


@pytest.mark.parametrize(
    ("top", "message"),
    [
        ("notes: 2025-02-30", "'2025-02-30' is not a real date"),
        ("notes: 2025-13-01 10:00:00", "'2025-13-01 10:00:00' is not a real date"),
    ],
)
def test_an_impossible_date_in_a_set_is_refused_at_its_line(run, tmp_path, top, message):
    path = tmp_path / "set.yaml"
    key, value = top.split(": ", 1)
    path.write_text(_set_yaml("dated", ["ok"], **{key: value}), encoding="utf-8")
    result = run("criteria", "validate", str(path))
    _no_traceback(result)
    assert result.exit_code == 1
    assert f"{path}:8: " in result.stderr and message in result.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("max_points: 5, method", "max_points: .nan, method"),
        ("max_points: 5, method", "max_points: .inf, method"),
        ("max_points: 5, method", "max_points: " + "9" * 400 + ", method"),
        ("{min: 50,", "{min: .nan,"),
        ("{min: 50,", "{min: -.inf,"),
    ],
)
def test_non_finite_and_absurd_numbers_in_a_set_are_refused(run, tmp_path, old, new):
    path = tmp_path / "set.yaml"
    path.write_text(_set_yaml("numbers", ["ok"]).replace(old, new, 1), encoding="utf-8")
    result = run("criteria", "validate", str(path), "--json")
    _no_traceback(result)
    assert result.exit_code == 1
    (found,) = _strict_json(result.stdout)
    assert found["ok"] is False and found["problems"], found


def test_absurd_numbers_in_params_and_recorded_figures_are_refused(run, tmp_path):
    path = tmp_path / "set.yaml"
    text = _set_yaml("numbers", ["ok"]).replace(
        "method: hostile, params: {mode: ok}",
        "method: ratio, params: {numerator: a, denominator: b, target: .nan}, "
        "record: [{name: x, type: number, max: .inf}]",
    )
    path.write_text(text, encoding="utf-8")
    result = run("criteria", "validate", str(path))
    _no_traceback(result)
    assert result.exit_code == 1 and "OK" not in result.stdout
    assert "'target' must be a number" in result.stderr
    assert "'max' must be a number, not 'inf'" in result.stderr


def test_an_impossible_date_in_an_answers_file_is_refused_at_its_line(run, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text('"1.1.1": {date: 2025-01-20}\n"1.1.2": {date: 2025-02-30}\n', "utf-8")
    result = run("score", "cchc-xa-2025", str(answers))
    _no_traceback(result)
    assert result.exit_code == 1
    assert f"{answers}:2: '2025-02-30' is not a real date" in result.stderr


# -- item 11: everything a plugin's method returns is checked ---------------------------------


def test_every_bad_return_value_scores_zero_with_the_reason(run, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "".join(f'"1.{n}": {{value: 3}}\n' for n in range(1, len(MODES) + 1)), encoding="utf-8"
    )
    result = run("score", "hostile-set", str(answers), "--json")
    _no_traceback(result)
    assert result.exit_code == 0, result.output
    scores = _strict_json(result.stdout)
    items = scores["items"]
    for n, mode in enumerate(MODES, start=1):
        item = items[f"1.{n}"]
        assert 0 <= item["points"] <= item["max_points"] == 5, (mode, item)
        if mode == "ok":
            assert item["points"] == 5 and item["explanation"] == "đủ 5"
        else:
            assert item["points"] == 0, (mode, item)
            assert item["explanation"].startswith("plugin 'hostile', method 'hostile': "), item
            assert item["explanation"].endswith("; counted as 0"), item
    assert scores["total"] == 5
    why = {mode: items[f"1.{n}"]["explanation"] for n, mode in enumerate(MODES, start=1)}
    assert "gave 50 points, outside 0 to 5" in why["fifty"]
    assert "gave nan as points, not a finite number" in why["nan"]
    assert "gave 'năm' as points" in why["text"]
    assert "explanation cannot be written" in why["template"]
    assert "check_inputs failed: RuntimeError: kiểm tra hỏng" in why["check_raises"]
    assert "check_inputs returned 'sai', not a list" in why["check_text"]
    assert "compile failed: RuntimeError: biên dịch hỏng" in why["compile_raises"]
    assert "compile returned 42, not a scorer" in why["compile_junk"]
    assert "the scorer failed: ZeroDivisionError" in why["raise"]
    table = run("score", "hostile-set", str(answers), "--items")
    _no_traceback(table)
    assert table.exit_code == 0


def test_the_assessment_life_goes_on_with_a_broken_method_and_hooks(run, plugins_dir):
    from inspect_tool.core import open_core
    from inspect_tool.model import Assessment

    assert run("units", "import", str(UNITS)).exit_code == 0
    new = run("assess", "new", "HB-X01", "--set", "hostile-set", "--year", "2025", "--kind", "self")
    assert new.exit_code == 0, new.output
    ident = new.stdout.strip()
    for n, mode in enumerate(MODES, start=1):
        answered = run("assess", "answer", ident, f"1.{n}", "--input", "value=2")
        _no_traceback(answered)
        assert answered.exit_code == 0, (mode, answered.output)
    shown = run("assess", "show", ident, "--json")
    _no_traceback(shown)
    data = _strict_json(shown.stdout)
    assert data["totals"]["total"] == 5
    listed = run("assess", "list", "--json")
    assert listed.exit_code == 0 and _strict_json(listed.stdout)[0]["total"] == 5
    # check_assessment returning a text: one problem naming the plugin, not one per character
    submit = run("assess", "submit", ident)
    _no_traceback(submit)
    assert "hook check_assessment returned 'một vấn đề': expected a list of texts" in (
        submit.stderr
    )
    assert "\n".join(submit.output.splitlines()).count("hostile: ") == 0
    # minutes_sections returning a text: left out, named
    core = open_core(plugins_dir)
    cset = core.catalog.get("hostile-set")
    a = Assessment("x", "HB-X01", 2025, "self", cset.id, cset.version, cset.hash)
    found = core.registry.call_each(
        "minutes_sections", assessment=a, criteria_set=core.catalog.get("hostile-set")
    )
    assert [plugin for plugin, _s in found if plugin == "hostile"] == []
    assert any(
        p.plugin == "hostile" and "hook minutes_sections returned" in p.message
        for p in core.registry.problems
    )


# -- hypothesis: any value a plugin may return ------------------------------------------------

_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=10**300, max_value=10**450),
        st.floats(allow_nan=True, allow_infinity=True),
        st.fractions(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.complex_numbers(),
        st.text(max_size=12),
        st.text(alphabet="{}0123456789:.!rsfxd<>^ abc_[]", max_size=12),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner),
        st.tuples(inner, inner),
        st.tuples(inner, inner, inner),
        st.tuples(inner, inner, inner, inner),
        st.dictionaries(st.text(max_size=4), inner, max_size=2),
    ),
    max_leaves=6,
)
_outcomes = st.one_of(
    _values,
    st.builds(Outcome, _values, _values, _values),
    st.builds(
        Outcome,
        st.floats(min_value=-10, max_value=10),
        st.text(alphabet="{}01:.fd! xy", max_size=8),
        st.tuples(_values),
    ),
)

_RETURN: dict[str, object] = {}


class Anything(ScoringMethod):
    """A method whose every answer is whatever the test puts in `_RETURN`."""

    name = "anything"
    param_names = ()

    def inputs(self, params, max_points):
        return (InputSpec("value", "count", "Giá trị"),)

    def check_inputs(self, params, values):
        return _RETURN.get("check", [])

    def compile(self, params, max_points):
        return lambda values: _RETURN["outcome"]


class SignedAnything(Anything):
    name = "signed_anything"
    signed = True


ANY_SET = """\
id: any
title: Bất kỳ
version: "1"
year: 2025
level: ward
basis: thử
max_points: 5
bands: [{min: 0, label: Tất cả}]
areas:
  - code: A
    title: A
    criteria:
      - {code: A.1, title: Một, max_points: 5, method: anything}
  - code: B
    title: Thưởng trừ
    kind: bonus_penalty
    max_points: 2
    criteria:
      - {code: B.1, title: Hai, max_points: 2, method: signed_anything}
"""


@pytest.fixture(scope="module")
def any_engine(tmp_path_factory):
    methods = dict(
        load_plugins(tmp_path_factory.mktemp("none"), entry_points=False, blocked=()).methods
    )
    methods["anything"] = GuardedMethod(Anything(), "prop")
    methods["signed_anything"] = GuardedMethod(SignedAnything(), "prop")
    path = tmp_path_factory.mktemp("any") / "any.yaml"
    path.write_text(ANY_SET, encoding="utf-8")
    return Engine(load_set(path, methods), methods)


COUNT = {"outcomes": 0, "refused": 0, "params": 0, "inputs": 0}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outcome=_outcomes, check=_values)
@example(outcome=None, check=[(None, "")])
@example(outcome=Outcome(5.0, "{0}", (math.nan,)), check=[("value", "quá lớn")])
def test_any_value_a_scorer_returns_gives_points_within_the_item(any_engine, outcome, check):
    COUNT["outcomes"] += 1
    _RETURN["outcome"], _RETURN["check"] = outcome, check
    try:
        answers = {code: any_engine.check(code, {"value": 1}) for code in ("A.1", "B.1")}
    except AnswerError as exc:  # a well-formed refusal is the method's right, with a reason
        assert exc.problems and all(why.strip() for _name, why in exc.problems)
        answers = {}
        COUNT["refused"] += 1
        _RETURN["check"] = []
        answers = {code: any_engine.check(code, {"value": 1}) for code in ("A.1", "B.1")}
    scores = any_engine.score(answers)
    assert 0 <= scores.points["A.1"] <= 5
    assert -2 <= scores.points["B.1"] <= 2
    assert 0 <= scores.total <= scores.max_points == 5
    for code in ("A.1", "B.1"):
        assert isinstance(scores.explanation(code), str)
    json.dumps(scores_as_dict(any_engine.cset, scores), allow_nan=False, default=str)


@settings(max_examples=200, deadline=None)
@given(found=_values)
def test_any_value_check_params_or_check_inputs_returns_is_used_safely(found):
    COUNT["params"] += 1

    class Params(Anything):
        def check_params(self, params, max_points):
            return found

        def check_inputs(self, params, values):
            return found

    guarded = GuardedMethod(Params(), "prop")
    problems = guarded.validate_params({}, 5)
    assert isinstance(problems, list)
    assert all(isinstance(p, ParamProblem) and isinstance(p.message, str) for p in problems)
    checked = guarded.check_inputs({}, {"value": 1})
    assert all(
        (name is None or isinstance(name, str)) and isinstance(why, str) for name, why in checked
    )


@settings(max_examples=200, deadline=None)
@given(
    specs=st.one_of(
        _values,
        st.lists(
            st.builds(
                InputSpec,
                st.one_of(st.text(max_size=5), st.none(), st.integers()),
                st.sampled_from(["count", "number", "choice", "date", "bogus", 5]),
                st.text(max_size=5),
                min=st.one_of(st.none(), st.floats(), st.integers(min_value=10**300)),
                max=st.one_of(st.none(), st.floats()),
                options=st.one_of(st.just(()), _values),
                step=st.one_of(st.none(), st.floats()),
            ),
            max_size=3,
        ),
    )
)
def test_any_declaration_of_inputs_is_taken_or_refused_with_the_reason(specs):
    COUNT["inputs"] += 1

    class Declares(Anything):
        def inputs(self, params, max_points):
            return specs

    try:
        found = GuardedMethod(Declares(), "prop").inputs({}, 5)
    except PluginMethodError as exc:
        assert str(exc).startswith("plugin 'prop', method 'anything': ")
        return
    assert found and all(isinstance(s, InputSpec) for s in found)
    for spec in found:
        for value in (spec.min, spec.max, spec.step):
            assert value is None or math.isfinite(value)


def test_plain_float_points_of_other_number_types_are_taken(any_engine):
    for points in (Fraction(3, 2), 2, 2.5):
        _RETURN["outcome"], _RETURN["check"] = Outcome(points, "{0}", (points,)), []
        scores = any_engine.score({"A.1": any_engine.check("A.1", {"value": 1})})
        assert scores.points["A.1"] == float(points)


# -- item 12: register_commands raising, and a plugin taking over a command -------------------


def test_register_commands_failures_and_replacements_are_refused_and_named(tmp_path):
    group = click.Group("tool")

    @group.command("score")
    def score() -> None:
        click.echo("the real score")

    @group.group("criteria")
    def criteria() -> None:
        pass

    @criteria.command("list")
    def criteria_list() -> None:
        click.echo("the real list")

    from inspect_tool import hookimpl

    class Takeover:
        @hookimpl
        def register_commands(self, cli):
            @cli.command("score")
            def forged() -> None:
                click.echo("FORGED")

            cli.commands["criteria"].commands.pop("list")

            @cli.command("hello")
            def hello() -> None:
                click.echo("hello")

    class Broken:
        @hookimpl
        def register_commands(self, cli):
            raise RuntimeError("boom")

    registry = load_plugins(
        tmp_path / "none",
        entry_points=False,
        extra=[("takeover", Takeover()), ("broken", Broken())],
    )
    register_plugin_commands(registry, group)
    runner = CliRunner()
    assert runner.invoke(group, ["score"]).output == "the real score\n"
    assert runner.invoke(group, ["criteria", "list"]).output == "the real list\n"
    assert runner.invoke(group, ["hello"]).output == "hello\n"
    errors = {p.plugin: [] for p in registry.problems}
    for p in registry.problems:
        errors[p.plugin].append(p.message)
    assert errors["takeover"] == [
        "may not replace or remove the command 'score'; it is kept as it was",
        "may not replace or remove the command 'criteria list'; it is kept as it was",
    ]
    assert errors["broken"][0].startswith("hook register_commands failed: RuntimeError: boom")
    assert "boom" in registry.plugins["broken"].error


COMMANDS_PLUGIN = """\
import os
from pathlib import Path

import click
import inspect_tool

with Path(os.environ["IMPORTS"]).open("a") as f:
    f.write("imported\\n")


@inspect_tool.hookimpl
def register_commands(cli):
    @cli.command("score")
    def forged():
        click.echo("FORGED")
"""

RAISING_PLUGIN = """\
import inspect_tool


@inspect_tool.hookimpl
def register_commands(cli):
    raise RuntimeError("boom")
"""


def _tool(tmp_path: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {
        "INSPECT_TOOL_PLUGINS_DIR": str(folder),
        "INSPECT_TOOL_LANG": "en",
        "INSPECT_TOOL_DB": str(tmp_path / "store"),
        "IMPORTS": str(tmp_path / "imports.txt"),
    }
    return subprocess.run(
        [sys.executable, "-m", "inspect_tool", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_command_line_imports_a_plugin_once_and_reports_its_command_faults(tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "takeover.py").write_text(COMMANDS_PLUGIN, encoding="utf-8")
    (folder / "raising.py").write_text(RAISING_PLUGIN, encoding="utf-8")
    result = _tool(tmp_path, folder, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "imports.txt").read_text().count("imported") == 1
    assert result.stderr.count("hook register_commands failed: RuntimeError: boom") == 1
    assert result.stderr.count("may not replace or remove the command 'score'") == 1
    rows = {row["name"]: row for row in _strict_json(result.stdout)}
    assert "boom" in rows["raising"]["error"]
    assert "may not replace or remove the command 'score'" in rows["takeover"]["error"]
    (tmp_path / "imports.txt").unlink()
    version = _tool(tmp_path, folder, "--version")
    assert version.returncode == 0
    assert (tmp_path / "imports.txt").read_text().count("imported") == 1


# -- item 14: a slow plugin is named ----------------------------------------------------------


def test_a_plugin_slow_to_load_is_named(run, tmp_path, monkeypatch):
    from inspect_tool import plugins

    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "sluggish.py").write_text("import time\ntime.sleep(0.02)\n", encoding="utf-8")
    monkeypatch.setattr(plugins, "SLOW_LOAD_SECONDS", 0.01)
    result = run("plugins", "--json", folder=folder)
    assert result.exit_code == 0
    row = {r["name"]: r for r in _strict_json(result.stdout)}["sluggish"]
    assert row["warnings"] and "s to load; every command waits for it" in row["warnings"][0]
    assert "plugin 'sluggish': took" in result.stderr
    assert row["error"] == ""


# -- item 13: overlays ------------------------------------------------------------------------

OVERLAY = """\
overlay: local
base: cchc-xa-2025
id: cchc-xa-2025-local
version: "2025.1-local"
changes:
  - set: {code: "3.4", max_points: 5}
  - set:
      code: "3.4.1"
      max_points: 2.5
      params: {target: 500}
  - add:
      to: "3"
      criterion: {code: "3.1", title: Trùng, max_points: 1, method: yes_no}
"""


def test_criteria_validate_recognises_an_overlay_and_reports_at_its_changes(run, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text(OVERLAY, encoding="utf-8")
    result = run("criteria", "validate", str(path))
    _no_traceback(result)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{path}:10: item 3.4.1: ") for line in lines), lines
    assert f"{path}:13: duplicate code '3.1': the set already has it" in lines, lines
    assert not any(":2: " in line or "line 0" in line for line in lines), lines
    shipped = REPO / "plugins" / "inspect-tool-hoa-an" / "inspect_tool_hoa_an" / "hoa-an-2025.yaml"
    ok = run("criteria", "validate", str(shipped))
    assert ok.exit_code == 0, ok.output
    assert "OK (cchc-xa-2025-hoa-an 2025.1-hoa-an.1" in ok.stdout


def test_an_overlay_is_validated_against_a_base_given_with_it(run, tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(_set_yaml("hostile-base", ["ok", "ok"]), encoding="utf-8")
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "overlay: x\nbase: hostile-base\nid: hostile-base-local\nversion: '1'\nchanges:\n"
        '  - retire: {code: "1.2", reason: không áp dụng}\n',
        encoding="utf-8",
    )
    result = run("criteria", "validate", str(base), str(overlay), "--json")
    _no_traceback(result)
    found = {Path(r["path"]).name: r for r in _strict_json(result.stdout)}
    assert found["base.yaml"]["ok"] is True
    # retiring 1.2 leaves the area at 5 of the set's 10: reported at the change's line
    assert found["overlay.yaml"]["ok"] is False
    assert any(
        p.startswith(f"{overlay}:6: ") and "add up to 5" in p
        for p in found["overlay.yaml"]["problems"]
    ), found


def test_overlay_changes_that_are_not_mappings_are_refused_at_their_line(tmp_path, core):
    path = tmp_path / "o.yaml"
    path.write_text(
        "overlay: x\nbase: cchc-xa-2025\nid: y\nversion: '1'\nchanges:\n"
        "  - set: 3.4\n  - retire: [1]\n  - add: {to: '3', criterion: 5}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemsError) as found:
        apply_overlay(path, core.catalog.sets, core.registry.methods)
    assert [p.line for p in found.value.problems] == [6, 7, 8]
    path.write_text("overlay: x\nbase: cchc-xa-2025\nid: y\nversion: '1'\nchanges: 5\n")
    with pytest.raises(ProblemsError) as found:
        apply_overlay(path, core.catalog.sets, core.registry.methods)
    assert [str(p) for p in found.value.problems] == [
        f"{path}:5: 'changes' must be a list of changes"
    ]
    sets = [(n, Path(s.source)) for n, s in [("builtin", core.catalog.get("cchc-xa-2025"))]]
    catalog = build_catalog(sets, core.registry.methods, [("local", path)])
    assert catalog.failed["local"] == found.value.problems


# -- item 16: one missing plugin does not stop `assess list` ----------------------------------


def test_assess_list_names_the_assessment_whose_plugin_is_gone(run, tmp_path):
    assert run("units", "import", str(UNITS)).exit_code == 0
    mine = run(
        "assess", "new", "HB-X01", "--set", "hostile-set", "--year", "2025", "--kind", "self"
    )
    assert mine.exit_code == 0, mine.output
    theirs = run(
        "assess", "new", "HB-X02", "--set", "cchc-xa-2025", "--year", "2025", "--kind", "self"
    )
    assert theirs.exit_code == 0, theirs.output
    run("assess", "answer", mine.stdout.strip(), "1.1", "--input", "value=1")
    gone = tmp_path / "empty"
    gone.mkdir()
    result = run("assess", "list", folder=gone)
    _no_traceback(result)
    assert result.exit_code == 0
    assert f"assessment {mine.stdout.strip()[:8]} (HB-X01, hostile-set@1) cannot be scored" in (
        result.stderr
    )
    assert "unknown scoring method 'hostile'" in result.stderr
    as_json = run("assess", "list", "--json", folder=gone)
    rows = {r["id"]: r for r in _strict_json(as_json.stdout)}
    assert "error" in rows[mine.stdout.strip()] and "index" in rows[theirs.stdout.strip()]


def test_the_attacks_were_counted():
    """Not a check: the count of attacks for the issue's note (printed with -s)."""
    print("hypothesis examples:", COUNT, "scorer modes:", len(MODES))
