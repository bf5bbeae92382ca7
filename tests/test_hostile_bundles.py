"""Hostile bundles (issue 14, items 1, 2, 17): names that would become paths, forged or
inconsistent data with the bundle's hash (and even its audit chain) recomputed, schema
errors. Every one is refused with nothing written, or accepted as the very same data; never a
traceback, never a poisoned store."""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_tool.cli import cli
from inspect_tool.demo import build_demo_store
from inspect_tool.store import audit, open_store
from inspect_tool.store.bundle import (
    BundleError,
    _digest,
    export_bundle,
    import_bundle,
    read_bundle,
    write_bundle,
)
from inspect_tool.units import parse_units
from inspect_tool.yaml_lines import ProblemsError


@pytest.fixture(autouse=True)
def no_user_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("INSPECT_TOOL_SETTINGS", str(tmp_path / "none.yaml"))


@pytest.fixture(scope="module")
def demo(core, tmp_path_factory):
    """The demo store (self-assessments submitted, an appraisal, an inspection) and its
    whole bundle."""
    folder = tmp_path_factory.mktemp("hostile-bundles")
    with open_store(folder / "demo", user="t") as store:
        build_demo_store(core, store)
        bundle = export_bundle(store)
    write_bundle(folder / "all.json", bundle)
    return folder, bundle


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes (the lock's owner aside)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("lock.owner", ".lock")
    }


def rechain(entry: dict) -> None:
    """What an attacker can do without a key: rewrite the assessment's audit chain so that it
    ends with the content hash of the (changed) data."""
    from inspect_tool.store.codec import assessment_from_docs

    try:  # as the codec reads it, the way the importer hashes it
        content = audit.assessment_hash(assessment_from_docs(entry["header"], entry["items"]))
    except Exception:
        content = audit.content_hash(entry["header"], entry["items"])
    previous = None
    for e in entry["audit"]:
        e.pop("hash", None)
        e["prev"] = previous["hash"] if previous else ""
        e["content"] = content
        e["hash"] = audit._digest(e)
        previous = e


def reseal(bundle: dict) -> dict:
    body = {k: v for k, v in bundle.items() if k != "hash"}
    return body | {"hash": _digest(body)}


def write(path: Path, bundle: dict) -> Path:
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return path


def try_import(core, tmp_path: Path, bundle: dict, **kw) -> tuple[Exception | None, Path]:
    """Import into a fresh store; the error (BundleError) if refused, and the store."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write(tmp_path / "b.json", bundle)
    target = tmp_path / "target"
    with open_store(target, user="Sở") as store:
        before = snapshot(target)
        try:
            import_bundle(store, read_bundle(path), core=core, **kw)
        except BundleError as exc:
            assert snapshot(target) == before, "a refused bundle wrote something"
            return exc, target
    return None, target


def submitted_entry(bundle: dict) -> int:
    return next(
        n
        for n, e in enumerate(bundle["assessments"])
        if e["header"]["state"] == "submitted" and e["header"]["kind"] == "self"
    )


def test_a_genuine_bundle_is_accepted_whole(core, demo, tmp_path):
    _folder, bundle = demo
    error, target = try_import(core, tmp_path, bundle)
    assert error is None
    with open_store(target, user="x", write=False) as store:
        assert len(store.assessment_ids()) == len(bundle["assessments"])


@pytest.mark.parametrize("key", ["../../escaped", "../" * 8 + "tmp/x", "a/b", "..", "ABC"])
def test_set_keys_that_are_paths_write_nothing_anywhere(core, demo, tmp_path, key):
    _folder, bundle = demo
    evil = copy.deepcopy(bundle)
    text = next(iter(evil["sets"].values()))
    evil["sets"][key] = text
    error, _target = try_import(core, tmp_path, reseal(evil))
    assert error is not None and "is not a set's hash" in str(error)
    assert not list(tmp_path.rglob("*escaped*")) and not (tmp_path.parent / "escaped.yaml").exists()


@pytest.mark.parametrize(
    "code", ["../x", "a/b", "..", "HB\u200bX01", "HB\x00X", "HB\u202eX", "x" * 41, "", " HB"]
)
def test_unit_codes_that_are_not_names_are_refused(core, demo, tmp_path, code):
    _folder, bundle = demo
    evil = copy.deepcopy(bundle)
    old = evil["units"][0]["code"]
    evil["units"][0]["code"] = code
    for entry in evil["assessments"]:
        if entry["header"]["unit"] == old:
            entry["header"]["unit"] = code
            rechain(entry)
    error, _target = try_import(core, tmp_path, reseal(evil))
    assert error is not None and "unit code" in str(error)
    if code.strip() != code:
        return  # a CSV cell is trimmed: " HB" is the code "HB"
    # and at units import
    with pytest.raises(ProblemsError, match="unit code"):
        parse_units(f"code,name,kind,parent\n{code or 'a/b'},Xã A,xã,Tỉnh\n", "u.csv")


def test_assessment_ids_and_file_hashes_are_names_only(core, demo, tmp_path):
    _folder, bundle = demo
    for path, value in [
        (("header", "id"), "../../" + "a" * 26),
        (("header", "base"), "../x"),
    ]:
        evil = copy.deepcopy(bundle)
        entry = evil["assessments"][0]
        entry[path[0]][path[1]] = value
        rechain(entry)
        error, _t = try_import(core, tmp_path / path[1], reseal(evil))
        assert error is not None and "not an assessment id" in str(error)
    evil = copy.deepcopy(bundle)
    entry = evil["assessments"][submitted_entry(evil)]
    entry["items"][0]["evidence"] = [{"file": "../../etc/passwd", "sha256": "../x"}]
    rechain(entry)
    error, _t = try_import(core, tmp_path / "ev", reseal(evil))
    assert "not a file's hash" in str(error) and "file name" in str(error)


def forge(bundle: dict, change) -> dict:
    """A copy with one submitted self-assessment changed by `change(entry)`, its audit chain
    rewritten to match and the bundle's hash recomputed: only the checks of the data itself
    can refuse it."""
    evil = copy.deepcopy(bundle)
    entry = evil["assessments"][submitted_entry(evil)]
    change(entry)
    rechain(entry)
    return reseal(evil)


def _items_from(set_text: str) -> list[str]:
    import yaml

    codes: list[str] = []

    def walk(node):
        for c in node.get("criteria") or node.get("children") or []:
            if c.get("children"):
                walk(c)
            else:
                codes.append(c["code"])

    for area in yaml.safe_load(set_text)["areas"]:
        walk(area)
    return codes


ATTACKS = {
    "unknown state": (lambda e: e["header"].update(state="approved"), "unknown state"),
    "unknown kind": (lambda e: e["header"].update(kind="audit"), "unknown kind"),
    "unknown item": (
        lambda e: e["items"].append({"code": "9.9.9", "inputs": {"done": True}}),
        "not an item",
    ),
    "answer the set refuses": (
        lambda e: e["items"][0].update(inputs={"x": "nonsense"}, na=False),
        "item",
    ),
    "finalized with few items": (
        lambda e: (
            e["header"].update(state="finalized", place="x", started="2025-11-20T08:30"),
            e.__setitem__("items", e["items"][:5]),
            e["audit"].append(
                {
                    "seq": len(e["audit"]) + 1,
                    "who": "x",
                    "when": e["audit"][-1]["when"],
                    "what": "state",
                    "old": "submitted",
                    "new": "finalized",
                }
            ),
        ),
        "not answered",
    ),
    "state without its move": (
        lambda e: e["header"].update(state="finalized", started="2025-11-20T08:30"),
        "audit log ends",
    ),
    "extra header key": (lambda e: e["header"].update(points=99), "unknown key 'points'"),
    "year as text": (lambda e: e["header"].update(year="2025"), "must be a whole number"),
    "wrong year": (lambda e: e["header"].update(year=2024), "is for 2025"),
    "bidi in a note": (lambda e: e["items"][0].update(note="a\u202eb"), "bidirectional"),
    "10,000-character finding": (
        lambda e: e["header"].update(findings=[{"area": "1", "text": "x" * 10_000}]),
        "at most 5000",
    ),
    "appraisal without base": (lambda e: e["header"].update(kind="appraisal"), "appraisal"),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_forged_data_is_refused_whole_with_nothing_written(core, demo, tmp_path, name):
    _folder, bundle = demo
    change, expected = ATTACKS[name]
    error, _target = try_import(core, tmp_path, forge(bundle, change))
    assert error is not None, f"{name}: accepted"
    assert expected in str(error)


def test_changed_scores_without_the_chain_are_refused(core, demo, tmp_path):
    _folder, bundle = demo
    evil = copy.deepcopy(bundle)
    entry = evil["assessments"][submitted_entry(evil)]
    item = next(i for i in entry["items"] if i["inputs"])
    item["inputs"] = {k: v for k, v in item["inputs"].items()} | {"__x": 1}
    error, _t = try_import(core, tmp_path, reseal(evil))
    assert "not the data its audit log ends with" in str(error)


def test_a_set_text_that_is_not_its_key_and_an_invented_set(core, demo, tmp_path):
    _folder, bundle = demo
    # the sets come in the order of the assessments (random ids): take one with the band
    key = next(k for k, text in bundle["sets"].items() if "Xuất sắc" in text)
    evil = copy.deepcopy(bundle)
    evil["sets"][key] = evil["sets"][key].replace("Xuất sắc", "Tốt lắm", 1)
    assert evil["sets"][key] != bundle["sets"][key]
    error, _t = try_import(core, tmp_path / "a", reseal(evil))
    assert "does not hash to its key" in str(error)
    # a set of its own under its true hash: not one the catalog knows
    import yaml

    from inspect_tool.criteria import content_hash, parse_set
    from inspect_tool.yaml_lines import load_text

    data = yaml.safe_load(bundle["sets"][key])
    data["bands"] = [{"min": 0, "label": "Xuất sắc"}]  # everyone excellent
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    invented = content_hash(parse_set(load_text(text, "x"), "x", core.registry.methods))
    evil = copy.deepcopy(bundle)
    evil["sets"][invented] = text
    del evil["sets"][key]
    for entry in evil["assessments"]:
        if entry["header"]["set_hash"] == key:
            entry["header"]["set_hash"] = invented
            rechain(entry)
    evil = reseal(evil)
    error, _t = try_import(core, tmp_path / "b", evil)
    assert "not one this tool knows" in str(error)
    warnings: list[str] = []
    error, target = try_import(
        core, tmp_path / "c", evil, accept_unknown_sets=True, warnings=warnings
    )
    assert error is None and warnings and "accepted as asked" in warnings[0]


def test_signed_by_is_never_taken_from_a_bundle(core, demo, tmp_path):
    _folder, bundle = demo
    evil = forge(bundle, lambda e: e["header"].update(signed_by=["Chủ tịch UBND tỉnh"]))
    error, target = try_import(core, tmp_path, evil)
    assert error is None
    with open_store(target, user="x", write=False) as store:
        assert all(a.signed_by == () for a in store.assessments())


def test_after_a_refused_import_the_store_still_works(core, demo, tmp_path):
    folder, bundle = demo
    shutil.copytree(folder / "demo", tmp_path / "store", ignore=shutil.ignore_patterns(".lock"))
    evil = forge(bundle, ATTACKS["unknown item"][0])
    path = write(tmp_path / "evil.json", evil)

    def run(*args):
        return CliRunner().invoke(
            cli,
            [
                "--lang",
                "en",
                "--plugins-dir",
                str(tmp_path / "none"),
                "--db",
                str(tmp_path / "empty"),
                *args,
            ],
        )

    result = run("import", str(path))
    assert (
        result.exit_code == 1
        and "evil.json" in result.output
        and "Traceback" not in (result.output)
    )
    assert run("assess", "list").exit_code == 0
    assert run("units", "list").exit_code == 0
    assert run("audit", "verify").exit_code == 0


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda b: b.update(extra=1), "bundle: unknown key 'extra'"),
        (lambda b: b.update(units="HB-X01"), "bundle.units: must be a list"),
        (lambda b: b["units"][0].update(name=5), "units[0].name: must be text"),
        (
            lambda b: b["assessments"][0].update(header=[]),
            "assessments[0].header: must be an object",
        ),
        (lambda b: b["assessments"][0]["items"].append(7), "items["),
        (lambda b: b.pop("sets"), "'sets' is missing"),
        (
            lambda b: b["assessments"][0]["header"].update(header_conflicts={"state": {}}),
            "header.header_conflicts: unknown key 'state'",
        ),
        (
            lambda b: b["assessments"][0]["header"].update(
                header_conflicts={"place": {"laptop": {"value": ["x"], "who": "a"}}}
            ),
            "header.header_conflicts.place.laptop.value: must be text",
        ),
        (
            lambda b: b["assessments"][0]["header"].update(
                header_conflicts={"findings": {"server": {"value": [{"area": 1}]}}}
            ),
            "header_conflicts.findings.server.value[0].area: must be text",
        ),
    ],
)
def test_schema_errors_name_the_file_and_what_is_wrong(demo, tmp_path, change, expected):
    _folder, bundle = demo
    evil = copy.deepcopy(bundle)
    change(evil)
    path = write(tmp_path / "bad.json", reseal(evil))
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "--plugins-dir",
            str(tmp_path / "none"),
            "--db",
            str(tmp_path / "s"),
            "import",
            str(path),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "bad.json" in result.output and expected in result.output
    assert "Traceback" not in result.output


# -- any mutation: refused with nothing written, or the same data -----------------------------


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from _paths(v, (*prefix, n))


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["../x", "draft", "finalized", "\u202e", "1.1.1"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.mark.slow  # the longest of the default run; CI runs it
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), rewrite_chain=st.booleans())
def test_any_mutation_is_refused_or_the_same_data(core, demo, data, rewrite_chain):
    _folder, bundle = demo
    small = copy.deepcopy(bundle)
    n = submitted_entry(small)
    small["assessments"] = [small["assessments"][n]]
    unit = small["assessments"][0]["header"]["unit"]
    small["units"] = [u for u in small["units"] if u["code"] == unit]
    small = reseal(small)
    evil = copy.deepcopy(small)
    paths = [p for p in _paths(evil) if p and p[0] != "hash"]
    path = data.draw(st.sampled_from(paths))
    parent = evil
    for key in path[:-1]:
        parent = parent[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete" and isinstance(parent, dict | list):
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.text(min_size=1, max_size=6))] = data.draw(JSON)
    else:
        parent[path[-1]] = data.draw(JSON)
    if rewrite_chain:
        with contextlib.suppress(Exception):  # a mutation rechain cannot follow: left as is
            rechain(evil["assessments"][0])
    evil = reseal(evil)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        error, target = try_import(core, tmp_path, evil)
        if error is None:
            check_accepted(core, target, small, path, rewrite_chain)


def check_accepted(core, target: Path, small: dict, path: tuple, rewrite_chain: bool) -> None:
    """Accepted: without a rewritten chain, the very same data (only what is not data may
    differ: the bundle's creator, the log's wording); with one (what anyone can do without a
    key, and what signed bundles are for), data that passes every check: it scores, it is
    complete for its state, and the audit trail holds."""
    from inspect_tool.store.codec import header_to_doc, item_to_doc
    from inspect_tool.workflow import Workflow

    want = small["assessments"][0]
    with open_store(target, user="x", write=False) as store:
        if want["header"]["id"] not in store.assessment_ids():
            # the mutation took the assessment away (a bundle of units only): nothing else came
            assert path[0] == "assessments" and store.assessment_ids() == [], path
            return
        got = store.assessment(want["header"]["id"])
        flow = Workflow(core, store)
        flow.scores(got)
        if got.state != "draft":
            assert flow.missing(got) == []
        log = store.audit_log(got.id)
        assert audit.verify(got.id, log) is None
        assert audit.check_content(got.id, log, audit.assessment_hash(got)) is None
        if not rewrite_chain:
            mine = audit.content_hash(
                header_to_doc(got), [item_to_doc(i) for i in got.items.values()]
            )
            assert mine == audit.content_hash(want["header"], want["items"]) or path[0] in (
                "created",
                "by",
                "units",
            ), path


@pytest.mark.parametrize("appraisal_first", [True, False])
def test_a_poisoned_base_refuses_its_appraisal_in_any_order(core, demo, tmp_path, appraisal_first):
    """An appraisal is checked against its base: a base with an unknown item is refused, and
    so is its appraisal, whichever comes first in the bundle (it once raised a KeyError)."""
    _folder, bundle = demo
    evil = copy.deepcopy(bundle)
    base = next(e["header"]["base"] for e in evil["assessments"] if e["header"]["base"])
    evil["assessments"].sort(key=lambda e: (e["header"]["kind"] == "appraisal") != appraisal_first)
    entry = next(e for e in evil["assessments"] if e["header"]["id"] == base)
    entry["items"].append({"code": "9.9.9", "inputs": {"done": True}})
    rechain(entry)
    error, _target = try_import(core, tmp_path, reseal(evil))
    assert error is not None and "9.9.9: not an item" in str(error)
    assert "the self-assessment it appraises is refused" in str(error)
