"""Overlays: a province's changes to a shipped criteria set, kept apart from it.

A province adds its local items ("Ngày không giấy hẹn", "30 phút vì dân"), changes a few
points or parameters, and retires items that do not apply to it, without copying the whole
set. The overlay names the set it adapts; the result is validated again like any set and gets
its own id, version and content hash. Problems are reported at the overlay's lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .criteria import parse_set, set_as_dict
from .i18n import _
from .methods import ScoringMethod
from .model import CriteriaSet
from .yaml_lines import LineDict, LineList, Problem, ProblemsError, load_file, plain

OVERLAY_KEYS = {"overlay", "base", "id", "version", "title", "basis", "max_points", "changes"}
SETTABLE = {
    "title",
    "max_points",
    "params",
    "evidence",
    "guidance",
    "evidence_required",
    "na_policy",
    "method",
}


def located(value: Any, line: int = 0) -> Any:
    """Plain data as the loader's line-aware types (line 0: not from a file)."""
    if isinstance(value, Mapping):
        out = LineDict((k, located(v, line)) for k, v in value.items())
        out.line, out.key_lines, out.raw = line, {}, {}
        return out
    if isinstance(value, list | tuple):
        items = LineList(located(v, line) for v in value)
        items.line, items.item_lines = line, [line] * len(items)
        return items
    return value


def _index(data: dict[str, Any]) -> dict[str, tuple[dict, list]]:
    """code → (node, the list that holds it), for areas and criteria at any depth."""
    found: dict[str, tuple[dict, list]] = {}

    def walk(nodes: list) -> None:
        for node in nodes:
            found[node["code"]] = (node, nodes)
            walk(node.get("children") or node.get("criteria") or [])

    walk(data["areas"])
    return found


def apply_overlay(
    path: Path, sets: list[CriteriaSet], methods: Mapping[str, ScoringMethod]
) -> CriteriaSet:
    """Read an overlay file and build the adapted set; ProblemsError lists what is wrong."""
    where = str(path)
    overlay = load_file(path)
    problems: list[Problem] = []
    if not isinstance(overlay, dict):
        raise ProblemsError([Problem(where, 1, _("an overlay must be a mapping of keys"))])
    for key in overlay:
        if key not in OVERLAY_KEYS:
            problems.append(
                Problem(
                    where,
                    overlay.line_of(key),
                    _("unknown key '{key}' in an overlay").format(key=key),
                )
            )
    for key in ("base", "id", "version", "changes"):
        if key not in overlay:
            problems.append(
                Problem(where, overlay.line, _("an overlay needs '{key}'").format(key=key))
            )
    if problems:
        raise ProblemsError(problems)
    ref = str(overlay.raw.get("base", overlay["base"]))
    set_id, _sep, version = ref.partition("@")
    base = next((s for s in sets if s.id == set_id and (not version or s.version == version)), None)
    if base is None:
        raise ProblemsError(
            [
                Problem(
                    where,
                    overlay.line_of("base"),
                    _("no criteria set '{ref}' to adapt").format(ref=ref),
                )
            ]
        )
    data = set_as_dict(base)
    data.pop("source")
    data.pop("hash")
    data["id"] = str(overlay.raw.get("id", overlay["id"]))
    data["version"] = str(overlay.raw.get("version", overlay["version"]))
    for key in ("title", "max_points"):
        if key in overlay:
            data[key] = overlay[key]
    retired = []
    lines: dict[str, int] = {}
    for n, change in enumerate(overlay["changes"] or []):
        line = overlay["changes"].line_of(n)
        problem = _apply(change, data, retired, lines, line)
        if problem:
            problems.append(Problem(where, line, problem))
    if problems:
        raise ProblemsError(problems)
    basis = [data["basis"], str(overlay.get("basis", ""))]
    basis += [_("Retired: {code} ({reason})").format(code=c, reason=r) for c, r in retired]
    data["basis"] = "\n".join(b for b in basis if b)
    try:
        return parse_set(located(data), where, methods)
    except ProblemsError as exc:
        raise ProblemsError(
            [_at_change(p, where, lines, overlay.line) for p in exc.problems]
        ) from None


def _apply(change: Any, data: dict, retired: list, lines: dict[str, int], line: int) -> str:
    if not isinstance(change, dict) or len(change) != 1:
        return _("each change is one of: add, set, retire")
    ((kind, body),) = change.items()
    nodes = _index(data)
    if kind == "add":
        parent = str(body.get("to", ""))
        criterion = body.get("criterion")
        if parent not in nodes or not isinstance(criterion, dict):
            return _("add needs 'to' (an area or criterion code) and 'criterion'")
        node = nodes[parent][0]
        children = node.setdefault("criteria" if "criteria" in node else "children", [])
        children.append(plain(criterion))
        lines[str(criterion.get("code"))] = lines[parent] = line
    elif kind == "set":
        code = str(body.get("code", ""))
        if code not in nodes:
            return _("no criterion '{code}' to change").format(code=code)
        for key, value in body.items():
            if key != "code":
                if key not in SETTABLE:
                    return _("'{key}' cannot be changed by an overlay").format(key=key)
                nodes[code][0][key] = plain(value)
        lines[code] = line
    elif kind == "retire":
        code, reason = str(body.get("code", "")), str(body.get("reason", "")).strip()
        if code not in nodes:
            return _("no criterion '{code}' to retire").format(code=code)
        if not reason:
            return _("retiring {code} needs a reason").format(code=code)
        node, siblings = nodes[code]
        siblings.remove(node)
        retired.append((code, reason))
        lines[code] = line
    else:
        return _("unknown change '{kind}' (add, set or retire)").format(kind=kind)
    return ""


def _at_change(problem: Problem, where: str, lines: dict[str, int], default: int) -> Problem:
    """Point a problem of the adapted set at the change that caused it, where one is named."""
    for code in re.findall(r"(?:criterion|area|item) ([\w.]+)", problem.message):
        if code in lines:
            return Problem(where, lines[code], problem.message)
    return Problem(where, default, problem.message)
