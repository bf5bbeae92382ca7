"""The Hòa An plugin, installed as a distribution and found through its entry point."""

from __future__ import annotations

import importlib.metadata

from inspect_tool.core import open_core
from inspect_tool.model import Evidence


def test_found_through_its_entry_point(tmp_path):
    names = [ep.name for ep in importlib.metadata.entry_points(group="inspect_tool")]
    assert "hoa_an" in names
    core = open_core(tmp_path)
    info = core.registry.plugins["hoa_an"]
    assert info.version == "0.1.0" and not info.error
    assert {"register_overlays", "check_assessment"} <= set(info.hooks)


def test_the_overlay_adapts_the_commune_set(tmp_path):
    core = open_core(tmp_path)
    base = core.criteria_set("cchc-xa-2025")
    local = core.criteria_set("cchc-xa-2025-hoa-an")
    assert local.version == "2025.1-hoa-an.1" and local.hash != base.hash
    assert local.max_points == 100
    codes = {c.code for c in local.items()}
    assert {"3.7", "3.8"} <= codes and "7.4.2" not in codes
    assert local.find("3.4.1").max_points == 2.5
    assert "Retired: 7.4.2" in local.basis or "7.4.2" in local.basis
    assert core.catalog.origins[local.key] == "hoa_an"
    engine = core.engine(local)
    scores = engine.score({"3.7": engine.check("3.7", {"numerator": 45, "denominator": 100})})
    assert scores.points["3.7"] == 0.5  # 45 % against a 30 % target


def test_the_local_rule_wants_document_numbers(tmp_path):
    from inspect_tool.store import open_store
    from inspect_tool.units import parse_units
    from inspect_tool.workflow import Workflow

    core = open_core(tmp_path / "plugins")
    with open_store(tmp_path / "s", user="t") as store:
        store.put_units(parse_units("code,name,kind,parent\nX,Xã X,xã,Hòa An\n", "u.csv"), [])
        flow = Workflow(core, store)
        a = flow.new("X", "cchc-xa-2025-hoa-an", 2025, "self")
        flow.answer(a.id, "3.8", {"done": "yes"}, evidence=[Evidence(issuer="UBND xã")])
        missing = flow.missing(flow.get(a.id))
        assert "hoa_an: nội dung 3.8: tài liệu kiểm chứng phải ghi số văn bản" in missing
