"""The loader: shipped sets load, and every kind of mistake is reported with file and line."""

from __future__ import annotations

import pytest

from inspect_tool.catalog import set_files
from inspect_tool.criteria import load_set
from inspect_tool.resources import shipped_dir
from inspect_tool.yaml_lines import ProblemsError
from tests.conftest import SMALL_SET


def problems_of(write, methods, text: str) -> list[str]:
    path = write("set.yaml", text)
    with pytest.raises(ProblemsError) as info:
        load_set(path, methods)
    return [str(p) for p in info.value.problems]


def edit(old: str, new: str) -> str:
    assert old in SMALL_SET, old
    return SMALL_SET.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_sets_load_without_problems(core):
    files = set_files(shipped_dir("criteria"))
    assert len(files) >= 2
    assert not core.catalog.problems
    ids = {s.id for s in core.catalog.sets}
    assert {"cchc-xa-2025", "kiem-tra-mot-cua-2025"} <= ids


def test_commune_set_is_a_real_index_set(core):
    cset = core.criteria_set("cchc-xa-2025")
    items = list(cset.items())
    assert cset.max_points == 100
    assert len(items) >= 36
    assert [b.label for b in cset.bands] == ["Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"]
    assert any(a.is_bonus_penalty for a in cset.areas)
    assert "minh họa" in cset.basis  # says honestly that points are illustrative
    methods = {i.method for i in items}
    assert {"yes_no", "deadline", "checklist", "ratio", "tiers", "deduction"} <= methods
    assert all(i.evidence and i.guidance for i in items)


def test_inspection_set_records_figures(core):
    cset = core.criteria_set("kiem-tra-mot-cua-2025")
    assert cset.max_points == 100
    assert any(i.record for i in cset.items())
    assert any(i.method == "ratio" for i in cset.items())


def test_small_set_loads(small):
    assert small.id == "small"
    assert [i.code for i in small.items()] == ["1.1", "1.2.1", "1.2.2", "2.1", "B.1", "B.2"]
    assert small.find("1.2.1").na_policy == "full"
    assert small.find("1.2.2").na_policy == "exclude"
    assert len(small.hash) == 64


def test_codes_and_versions_are_read_as_typed(write, methods):
    text = edit('version: "1"', "version: 1.10").replace('code: "1.1"', "code: 1.10")
    cset = load_set(write("s.yaml", text), methods)
    assert cset.version == "1.10"
    assert cset.find("1.10") is not None


def test_hash_follows_content_not_layout(write, methods):
    base = load_set(write("a.yaml", SMALL_SET), methods)
    commented = load_set(write("b.yaml", "# a comment\n" + SMALL_SET), methods)
    changed = load_set(write("c.yaml", edit("title: Kế hoạch", "title: Kế hoạch năm")), methods)
    assert base.hash == commented.hash
    assert base.hash != changed.hash


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "max_points: 2\n        method: yes_no",
            "max_pints: 2\n        method: yes_no",
            "max_pints",
            "unknown key 'max_pints' in a criterion (did you mean 'max_points'?)",
        ),
        ("        title: Kế hoạch\n", "", 'code: "1.1"', "a criterion is missing 'title'"),
        (
            "max_points: 2\n        method: yes_no",
            "max_points: hai\n        method: yes_no",
            "max_points: hai",
            "'max_points' must be a number, not 'hai'",
        ),
        (
            "method: ratio",
            "method: ratoi",
            "method: ratoi",
            "unknown scoring method 'ratoi' (did you mean 'ratio'?)",
        ),
        ("{min: 95, points: 3}", "{min: 95, points: 7}", "tiers: [", "'points' must be at most 5"),
        (
            "{min: 100, points: 5}, {min: 95",
            "{min: 90, points: 5}, {min: 95",
            "tiers: [",
            "tiers must be listed highest 'min' first",
        ),
        (
            "denominator: Kế hoạch}",
            "denominator: Kế hoạch, target: 200}",
            "params: {num",
            "'target' must be at most 100",
        ),
        (
            "params: {numerator",
            "params: {unit: 1, numerator",
            "params: {unit",
            "unknown param 'unit' for method 'ratio'",
        ),
        (
            "  - {min: 50, label: Đạt}",
            "  - {min: 95, label: Đạt}",
            "{min: 95, label: Đạt}",
            "bands out of order",
        ),
        (
            "na_policy: forbid",
            "na_policy: never",
            "na_policy: never",
            "'na_policy' must be one of exclude, full, forbid, not 'never'",
        ),
        (
            "method: ratio\n",
            "method: ratio\n            evidence_required: sometimes\n",
            "evidence_required: sometimes",
            "'evidence_required' must be true, false or when_nonzero, not 'sometimes'",
        ),
        ("level: [commune, ward]", "level: [commune, town]", "level:", "unknown level 'town'"),
        ("year: 2025", "year: next", "year: next", "'year' must be a year such as 2025"),
        (
            '  - code: "1"\n',
            '  - code: "1"\n    colour: red\n',
            "colour: red",
            "unknown key 'colour' in an area",
        ),
    ],
)
def test_each_mistake_is_reported_with_its_line(write, methods, old, new, needle, message):
    text = edit(old, new)
    found = problems_of(write, methods, text)
    line = line_of(text, needle)
    assert any(p.startswith(f"{write('x', '').parent / 'set.yaml'}:") for p in found)
    matching = [p for p in found if message in p]
    assert matching, found
    assert any(f"set.yaml:{line}:" in p for p in matching), (line, found)


def test_duplicate_codes(write, methods):
    text = edit('code: "1.2.2"', 'code: "1.1"')
    lines = [i for i, line in enumerate(text.splitlines(), 1) if 'code: "1.1"' in line]
    found = problems_of(write, methods, text)
    assert any(
        f"set.yaml:{lines[1]}: duplicate code '1.1' (first used on line {lines[0]})" in p
        for p in found
    ), found


def test_children_that_do_not_add_up(write, methods):
    text = edit(
        'code: "1.2"\n        title: Kiểm tra\n        max_points: 3',
        'code: "1.2"\n        title: Kiểm tra\n        max_points: 4',
    )
    found = problems_of(write, methods, text)
    assert any("criterion 1.2: its children add up to 3, not 4" in p for p in found)
    assert any(f":{line_of(text, 'max_points: 4')}:" in p for p in found)
    # the parent's change also breaks the area-less set sum
    assert any("the regular areas add up to 11, not max_points 10" in p for p in found)


def test_areas_must_add_up_to_the_set(write, methods):
    found = problems_of(write, methods, edit("max_points: 10", "max_points: 12"))
    assert found == [
        f"{found[0].split(':')[0]}:7: the regular areas add up to 10, not max_points 12"
    ]


def test_bonus_penalty_content_need_not_add_up_but_signed_methods_stay_there(write, methods):
    text = edit("method: yes_no\n", "method: bonus_penalty\n        params: {direction: bonus}\n")
    found = problems_of(write, methods, text)
    assert any("gives negative points: use it in a bonus/penalty area" in p for p in found)


def test_all_problems_are_reported_at_once(write, methods):
    text = edit("method: ratio", "method: ratoi").replace("year: 2025", "year: x")
    text = text.replace(
        "max_points: 2\n        method: yes_no", "max_pnts: 2\n        method: yes_no"
    )
    found = problems_of(write, methods, text)
    assert len(found) >= 4  # unknown method, bad year, unknown key, missing max_points


def test_yaml_syntax_error_names_file_and_line(write, methods):
    found = problems_of(write, methods, SMALL_SET + "  - code: [unclosed\n")
    assert len(found) == 1
    assert "YAML syntax error" in found[0]
    assert ":" + str(len(SMALL_SET.splitlines()) + 1) in found[0] or "set.yaml:" in found[0]


def test_duplicate_yaml_keys_are_refused(write, methods):
    found = problems_of(write, methods, "id: a\nid: b\n")
    assert found == [f"{found[0].split(':')[0]}:2: duplicate key 'id'"]


def test_no_object_construction(write, methods, tmp_path):
    marker = tmp_path / "pwned"
    found = problems_of(write, methods, f"id: !!python/object/apply:os.system ['touch {marker}']\n")
    assert "not allowed in a data file" in found[0]
    assert not marker.exists()


def test_not_a_mapping_and_empty_file(write, methods):
    assert "must be a mapping" in problems_of(write, methods, "- a\n- b\n")[0]
    assert "must be a mapping" in problems_of(write, methods, "")[0]


def test_unreadable_file(tmp_path, methods):
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("title: Kiểm tra".encode("utf-16"))
    with pytest.raises(ProblemsError) as info:
        load_set(bad, methods)
    assert "not UTF-8" in str(info.value)
    with pytest.raises(ProblemsError) as info:
        load_set(tmp_path / "missing.yaml", methods)
    assert "missing.yaml" in str(info.value)


def test_labels_split_by_a_comma_are_caught(write, methods):
    text = edit(
        "method: yes_no\n",
        "method: checklist\n        params: {items: [{key: a, label: Có, đủ, points: 2}]}\n",
    )
    found = problems_of(write, methods, text)
    assert any("unknown key 'đủ'" in p and "quote labels" in p for p in found)


def test_record_figures_must_not_clash(write, methods):
    text = edit(
        "params: {numerator: Đã kiểm tra, denominator: Kế hoạch}",
        "params: {numerator: Đã kiểm tra, denominator: Kế hoạch}\n"
        "            record: [{name: numerator, type: count}, {name: x, type: colour}]",
    )
    found = problems_of(write, methods, text)
    assert any("figure 'numerator' clashes" in p for p in found)
    assert any("unknown input type 'colour'" in p for p in found)


def test_the_format_guide_examples_are_valid(tmp_path, methods):
    """The minimal set in docs/criteria-format.md loads, and its answers example scores."""
    import re

    from inspect_tool.answers import read_answers
    from inspect_tool.scoring import Engine
    from tests.conftest import REPO

    guide = (REPO / "docs" / "criteria-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, re.S)
    (tmp_path / "guide.yaml").write_text(blocks[0], encoding="utf-8")
    cset = load_set(tmp_path / "guide.yaml", methods)
    assert cset.id == "vi-du-2025" and cset.max_points == 10
    answers_block = next(b for b in blocks if b.startswith('"1.1"'))
    (tmp_path / "answers.yaml").write_text(answers_block, encoding="utf-8")
    engine = Engine(cset, methods)
    scores = engine.score(read_answers(tmp_path / "answers.yaml", engine))
    assert scores.total == 4 + 2 + 3.6


def test_evidence_required_when_nonzero(write, methods):
    text = edit("method: ratio\n", "method: ratio\n            evidence_required: when_nonzero\n")
    cset = load_set(write("set.yaml", text), methods)
    required = {c.code: c.evidence_required for c in cset.items()}
    assert required["1.2.2"] == "when_nonzero" and required["1.1"] is False
