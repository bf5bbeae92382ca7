"""The plugin core: plugins registered, found in a folder, blocked, broken and isolated."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from inspect_tool import ScoringMethod, hookimpl, hookspecs
from inspect_tool.catalog import build_catalog
from inspect_tool.methods import Outcome
from inspect_tool.model import InputSpec
from inspect_tool.plugins import DEFAULT_PLUGINS, load_plugins
from inspect_tool.scoring import Engine

REPO = Path(__file__).resolve().parent.parent


class Stars(ScoringMethod):
    """A method written in a test, as a plugin author would."""

    name = "stars"
    description = "One to five stars, each a fifth of the maximum"
    param_names = ()

    def inputs(self, params, max_points):
        return (InputSpec("stars", "count", "Số sao", min=1, max=5),)

    def compile(self, params, max_points):
        def score(values):
            return Outcome(
                round(max_points * values["stars"] / 5, 2), "{0} sao", (values["stars"],)
            )

        return score


class StarsPlugin:
    __name__ = "stars-plugin"

    @hookimpl
    def register_methods(self, register):
        register(Stars())


STAR_SET = """\
id: stars
title: Sao
version: "1"
year: 2025
level: ward
basis: test
max_points: 2
bands: [{min: 0, label: Tất cả}]
areas:
  - code: S
    title: Sao
    criteria:
      - {code: S.1, title: Đánh giá, max_points: 2, method: stars}
"""


def test_builtins_come_through_the_hooks(tmp_path):
    registry = load_plugins(tmp_path, entry_points=False)
    assert set(DEFAULT_PLUGINS) <= set(registry.plugins)
    assert registry.plugins["inspect_tool.builtin_methods"].hooks == ["register_methods"]
    assert "ratio" in registry.plugins["inspect_tool.builtin_methods"].methods
    assert registry.problems == []


def test_a_plugin_registered_in_a_test_scores_a_set(tmp_path):
    registry = load_plugins(tmp_path, entry_points=False, extra=[("stars-plugin", StarsPlugin())])
    assert registry.plugins["stars-plugin"].methods == ["stars"]
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "stars.yaml").write_text(STAR_SET, encoding="utf-8")
    catalog = build_catalog([("test", tmp_path / "sets")], registry.methods)
    assert catalog.problems == []
    engine = Engine(catalog.get("stars"), registry.methods)
    scores = engine.score({"S.1": engine.check("S.1", {"stars": 4})})
    assert scores.total == 1.6 and scores.explanation("S.1") == "4 sao"


def test_a_set_using_a_missing_plugin_method_is_reported(tmp_path):
    registry = load_plugins(tmp_path, entry_points=False)
    (tmp_path / "stars.yaml").write_text(STAR_SET, encoding="utf-8")
    catalog = build_catalog([("test", tmp_path / "stars.yaml")], registry.methods)
    assert catalog.sets == []
    assert "unknown scoring method 'stars'" in str(catalog.problems[0])


def write_plugin(folder: Path, name: str, body: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")


def test_folder_plugin_provides_a_method_and_a_set(tmp_path):
    plugins = tmp_path / "plugins"
    write_plugin(
        plugins,
        "local_rules",
        """
        from pathlib import Path
        import inspect_tool
        from tests.test_plugins import Stars

        __version__ = "0.3"

        @inspect_tool.hookimpl
        def register_methods(register):
            register(Stars())

        @inspect_tool.hookimpl
        def register_criteria_sets(register):
            register(Path(__file__).with_name("stars.yaml"))
    """,
    )
    (plugins / "stars.yaml").write_text(STAR_SET, encoding="utf-8")
    registry = load_plugins(plugins, entry_points=False)
    info = registry.plugins["local_rules"]
    assert (info.version, info.methods, info.error) == ("0.3", ["stars"], "")
    assert info.hooks == ["register_criteria_sets", "register_methods"]
    catalog = build_catalog(registry.set_sources, registry.methods)
    assert "stars" in {s.id for s in catalog.sets}


def test_broken_plugins_are_isolated_and_named(tmp_path):
    plugins = tmp_path / "plugins"
    write_plugin(plugins, "bad_import", "import no_such_module_here\n")
    write_plugin(
        plugins,
        "bad_hook",
        """
        import inspect_tool

        @inspect_tool.hookimpl
        def register_methods(register):
            raise RuntimeError("the plugin author's bug")
    """,
    )
    write_plugin(
        plugins,
        "bad_register",
        """
        import inspect_tool

        @inspect_tool.hookimpl
        def register_methods(register):
            register("not a method")
            from inspect_tool.builtin_methods import YesNo
            register(YesNo())
    """,
    )
    registry = load_plugins(plugins, entry_points=False)
    messages = [str(p) for p in registry.problems]
    assert any(
        m.startswith("plugin 'bad_import': could not be loaded: ModuleNotFoundError")
        for m in messages
    )
    assert any(
        m.startswith(
            "plugin 'bad_hook': hook register_methods failed: RuntimeError: the plugin author's bug"
        )
        for m in messages
    )
    assert "plugin 'bad_register': register() needs a named ScoringMethod instance" in messages
    assert "plugin 'bad_register': method 'yes_no' is already registered" in messages
    # the rest of the tool keeps working
    assert {"yes_no", "ratio", "tiers"} <= set(registry.methods)
    catalog = build_catalog(registry.set_sources, registry.methods)
    assert catalog.problems == [] and catalog.sets


def test_blocked_plugin_is_not_loaded(tmp_path, monkeypatch):
    plugins = tmp_path / "plugins"
    write_plugin(
        plugins,
        "noisy",
        """
        raise SystemExit("must not be imported")
    """,
    )
    monkeypatch.setenv("INSPECT_TOOL_BLOCK_PLUGINS", "noisy, other")
    registry = load_plugins(plugins, entry_points=False)
    assert registry.plugins["noisy"].error == "blocked by INSPECT_TOOL_BLOCK_PLUGINS"
    assert registry.problems == []


def test_plugin_for_a_newer_api_is_refused(tmp_path):
    plugins = tmp_path / "plugins"
    write_plugin(
        plugins,
        "future",
        f"""
        import inspect_tool
        INSPECT_TOOL_API = {hookspecs.API_VERSION + 1}

        @inspect_tool.hookimpl
        def register_methods(register):
            raise AssertionError("must not be called")
    """,
    )
    registry = load_plugins(plugins, entry_points=False)
    assert "built for plugin API 2, this inspect-tool has API 1" in str(registry.problems[0])


def test_every_hook_is_documented():
    """Like datasette's test: each hook has a `name(args)` heading in docs/plugins.md."""
    docs = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = hookspecs.hook_names()
    assert hooks
    for name in hooks:
        spec = getattr(hookspecs, name)
        args = ", ".join(spec.__code__.co_varnames[: spec.__code__.co_argcount])
        assert re.search(rf"^### `{name}\({re.escape(args)}\)`", docs, re.M), name


def test_the_guide_example_works_as_a_folder_plugin(tmp_path):
    """The worked example in docs/plugins.md is real code: load it and score with it."""
    docs = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    code = next(b for b in re.findall(r"```python\n(.*?)```", docs, re.S) if "SameDayShare" in b)
    write_plugin(tmp_path, "hoa_an_rules", code)
    registry = load_plugins(tmp_path, entry_points=False)
    assert registry.plugins["hoa_an_rules"].methods == ["same_day_share"]
    (tmp_path / "local.yaml").write_text(
        STAR_SET.replace("method: stars", "method: same_day_share, params: {target: 40}"),
        encoding="utf-8",
    )
    catalog = build_catalog([("t", tmp_path / "local.yaml")], registry.methods)
    engine = Engine(catalog.get("stars"), registry.methods)
    scores = engine.score({"S.1": engine.check("S.1", {"same_day": 30, "total": 100})})
    assert scores.total == 1.5
    assert scores.explanation("S.1") == "30.0% trong ngày → 1.5"


def test_a_misspelt_hook_is_named(tmp_path):
    write_plugin(
        tmp_path,
        "typo",
        """
        import inspect_tool

        @inspect_tool.hookimpl
        def register_method(register):
            pass
    """,
    )
    registry = load_plugins(tmp_path, entry_points=False)
    assert [str(p) for p in registry.problems] == [
        "plugin 'typo': 'register_method' is not a hook of inspect-tool "
        "(did you mean 'register_methods'?)"
    ]


def test_a_method_that_crashes_while_checking_is_reported_not_raised(tmp_path):
    class Crashing(Stars):
        name = "crashing"

        def check_params(self, params, max_points):
            raise ZeroDivisionError("oops")

    class Plugin:
        @hookimpl
        def register_methods(self, register):
            register(Crashing())

    registry = load_plugins(tmp_path, entry_points=False, extra=[("crashing", Plugin())])
    (tmp_path / "c.yaml").write_text(
        STAR_SET.replace("method: stars", "method: crashing"), encoding="utf-8"
    )
    catalog = build_catalog([("t", tmp_path / "c.yaml")], registry.methods)
    assert catalog.sets == []
    assert "method 'crashing' could not check its params: ZeroDivisionError: oops" in str(
        catalog.problems[0]
    )


def test_local_rules_events_and_minutes_sections(core, tmp_path):
    """The runtime hooks, with a plugin registered for the test (and one that raises)."""
    from pypdf import PdfReader

    from inspect_tool.core import Core
    from inspect_tool.demo import build_demo_store
    from inspect_tool.minutes import make_minutes
    from inspect_tool.store import open_store
    from inspect_tool.workflow import Workflow, WorkflowError

    events = []

    class LocalRules:
        @hookimpl
        def check_assessment(self, assessment, criteria_set):
            if not assessment.place:
                return ["phải ghi địa điểm kiểm tra"]
            return None

        @hookimpl
        def assessment_event(self, event, assessment):
            events.append((event, assessment.unit))

        @hookimpl
        def minutes_sections(self, assessment, criteria_set):
            return [{"title": "Ngày không giấy hẹn", "paragraphs": ["Đã thực hiện <b>tốt</b>."]}]

    class Broken:
        @hookimpl
        def check_assessment(self, assessment):
            raise RuntimeError("broken local rule")

    registry = load_plugins(
        tmp_path / "none",
        entry_points=False,
        extra=[("local-rules", LocalRules()), ("broken", Broken())],
    )
    mine = Core(registry, core.catalog)
    with open_store(tmp_path / "s", user="t") as store:
        build_demo_store(core, store)  # made before the local rules existed
        flow = Workflow(mine, store)
        draft = next(a for a in store.assessments() if a.state == "draft" and a.kind == "self")
        own = next(a for a in store.assessments() if a.state == "submitted")
        assert "local-rules: phải ghi địa điểm kiểm tra" in flow.missing(flow.get(draft.id))
        assert any("broken" in str(p) and "broken local rule" in str(p) for p in registry.problems)
        events.clear()
        flow.finalize(own.id)
        assert events == [("finalized", own.unit)]
        with pytest.raises(WorkflowError, match="phải ghi địa điểm"):
            flow.submit(draft.id)
        out = make_minutes(flow, own.id, tmp_path / "bb.pdf")
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
        assert "Ngày không giấy hẹn" in text and "Đã thực hiện <b>tốt</b>." in text


OVERLAY = """\
overlay: test
base: stars
id: stars-local
version: "1-local"
changes:
  - add:
      to: S
      criterion: {code: S.2, title: Thêm, max_points: 1, method: stars}
  - set: {code: S.1, max_points: 1}
"""


def test_overlay_adds_and_breaking_sums_is_reported_at_its_line(tmp_path):
    registry = load_plugins(
        tmp_path / "none", entry_points=False, extra=[("stars-plugin", StarsPlugin())]
    )
    (tmp_path / "stars.yaml").write_text(STAR_SET, encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(OVERLAY, encoding="utf-8")
    catalog = build_catalog([("t", tmp_path / "stars.yaml")], registry.methods, [("local", good)])
    assert catalog.problems == []
    local = catalog.get("stars-local")
    assert [c.code for c in local.items()] == ["S.1", "S.2"] and local.hash
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        OVERLAY.replace("max_points: 1, method: stars}", "max_points: 2, method: stars}"),
        encoding="utf-8",
    )
    catalog = build_catalog([("t", tmp_path / "stars.yaml")], registry.methods, [("local", bad)])
    assert "stars-local" not in {s.id for s in catalog.sets}
    found = [str(p) for p in catalog.problems]
    assert any(p.startswith(f"{bad}:6: ") and "add up to 3" in p for p in found), found
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        OVERLAY + "  - retire: {code: S.9, reason: x}\n  - retire: {code: S.1}\n", encoding="utf-8"
    )
    catalog = build_catalog([("t", tmp_path / "stars.yaml")], registry.methods, [("local", wrong)])
    found = [str(p) for p in catalog.problems]
    assert f"{wrong}:10: no criterion 'S.9' to retire" in found
    assert f"{wrong}:11: retiring S.1 needs a reason" in found


def test_a_scorer_that_raises_scores_zero_and_says_why(tmp_path):
    class Fragile(Stars):
        name = "fragile"

        def compile(self, params, max_points):
            def score(values):
                raise ZeroDivisionError("no stars counted")

            return score

    class Plugin:
        @hookimpl
        def register_methods(self, register):
            register(Fragile())

    registry = load_plugins(tmp_path / "none", entry_points=False, extra=[("fragile", Plugin())])
    (tmp_path / "f.yaml").write_text(
        STAR_SET.replace("method: stars", "method: fragile"), encoding="utf-8"
    )
    catalog = build_catalog([("t", tmp_path / "f.yaml")], registry.methods)
    engine = Engine(catalog.get("stars"), registry.methods)
    scores = engine.score({"S.1": engine.check("S.1", {"stars": 3})})
    assert scores.total == 0
    assert scores.explanation("S.1") == (
        "plugin 'fragile', method 'fragile': the scorer failed: ZeroDivisionError: no stars "
        "counted; counted as 0"
    )
