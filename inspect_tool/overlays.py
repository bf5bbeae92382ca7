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

from .criteria import load_data, parse_set, set_as_dict
from .i18n import _
from .methods import ScoringMethod
from .model import CriteriaSet
from .yaml_lines import LineDict, LineList, Problem, ProblemsError, plain

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


def located(value: Any, line: int = 0, marks: Mapping[str, tuple[int, dict]] | None = None) -> Any:
    """Plain data as the loader's line-aware types (line 0: not from a file).

    Data already read from a file (an added criterion) keeps its own lines; a node an overlay
    changed takes the lines of that change from `marks` (code → (line, key → line))."""
    if isinstance(value, LineDict | LineList):
        return value
    if isinstance(value, Mapping):
        out = LineDict((k, located(v, line, marks)) for k, v in value.items())
        out.line, out.key_lines, out.raw = line, {}, {}
        code = value.get("code")
        if marks and isinstance(code, str) and code in marks:
            out.line, out.key_lines = marks[code][0], dict(marks[code][1])
        return out
    if isinstance(value, list | tuple):
        items = LineList(located(v, line, marks) for v in value)
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
    overlay = load_data(path)
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
    retired: list[tuple[str, str]] = []
    lines: dict[str, int] = {}  # code → the line of the change that touched it
    marks: dict[str, tuple[int, dict]] = {}  # code → (line, key → line) of a `set`
    changed: list[tuple[int, str]] = []  # (line, code) of each change, in the file's order
    changes = overlay["changes"]
    if changes is not None and not isinstance(changes, list):
        raise ProblemsError(
            [Problem(where, overlay.line_of("changes"), _("'changes' must be a list of changes"))]
        )
    for n, change in enumerate(changes or []):
        line = changes.line_of(n)
        problem = _apply(change, data, retired, lines, marks, line)
        if problem:
            problems.append(Problem(where, line, problem))
        else:
            changed.append((line, _change_code(change)))
    if problems:
        raise ProblemsError(problems)
    basis = [data["basis"], str(overlay.get("basis", ""))]
    basis += [_("Retired: {code} ({reason})").format(code=c, reason=r) for c, r in retired]
    data["basis"] = "\n".join(b for b in basis if b)
    top = located(data, 0, marks)
    top.key_lines = {k: overlay.line_of(k) for k in ("id", "version", "title", "max_points")}
    top.key_lines = {k: v for k, v in top.key_lines.items() if k in overlay}
    top.raw = {"id": data["id"], "version": data["version"]}
    fallback = changed[0][0] if changed else overlay.line_of("changes")
    try:
        return parse_set(top, where, methods)
    except ProblemsError as exc:
        raise ProblemsError(
            [_at_change(p, where, lines, changed, fallback) for p in exc.problems]
        ) from None


def _code(body: Mapping[str, Any]) -> str:
    """A code as typed: `3.10` stays "3.10"."""
    raw = getattr(body, "raw", {})
    value = raw.get("code", body.get("code", "")) if isinstance(raw, dict) else body.get("code")
    return "" if value is None else str(value)


def _change_code(change: Mapping[str, Any]) -> str:
    ((kind, body),) = change.items()
    if kind == "add":
        return _code(body["criterion"])
    return _code(body)


def _apply(
    change: Any,
    data: dict,
    retired: list,
    lines: dict[str, int],
    marks: dict[str, tuple[int, dict]],
    line: int,
) -> str:
    if not isinstance(change, dict) or len(change) != 1:
        return _("each change is one of: add, set, retire")
    ((kind, body),) = change.items()
    if kind not in ("add", "set", "retire"):
        return _("unknown change '{kind}' (add, set or retire)").format(kind=kind)
    if not isinstance(body, dict):
        return _("each change is one of: add, set, retire")
    nodes = _index(data)
    if kind == "add":
        parent = str(body.get("to", ""))
        criterion = body.get("criterion")
        if parent not in nodes or not isinstance(criterion, dict):
            return _("add needs 'to' (an area or criterion code) and 'criterion'")
        node = nodes[parent][0]
        children = node.setdefault("criteria" if "criteria" in node else "children", [])
        children.append(criterion if isinstance(criterion, LineDict) else plain(criterion))
        lines[_code(criterion)] = lines[parent] = line
    elif kind == "set":
        code = _code(body)
        if code not in nodes:
            return _("no criterion '{code}' to change").format(code=code)
        for key, value in body.items():
            if key != "code":
                if key not in SETTABLE:
                    return _("'{key}' cannot be changed by an overlay").format(key=key)
                nodes[code][0][key] = value  # as read: params keep their lines
        key_lines = {k: body.line_of(k) for k in body} if isinstance(body, LineDict) else {}
        marks[code] = (line, key_lines)
        lines[code] = line
    else:
        code, reason = _code(body), str(body.get("reason") or "").strip()
        if code not in nodes:
            return _("no criterion '{code}' to retire").format(code=code)
        if not reason:
            return _("retiring {code} needs a reason").format(code=code)
        node, siblings = nodes[code]
        siblings.remove(node)
        retired.append((code, reason))
        lines[code] = line
    return ""


def _at_change(
    problem: Problem,
    where: str,
    lines: dict[str, int],
    changed: list[tuple[int, str]],
    fallback: int,
) -> Problem:
    """Point a problem of the adapted set at the change that caused it, with the item's code.

    A problem already at an overlay line (a changed or added node keeps its lines) names the
    code of the change it falls in; one on the base set's data (line 0) goes to the change
    that touched a code it names, else to the first change."""
    message = problem.message
    line = problem.line or 0
    named = re.findall(r"(?:criterion|area|item|code) '?([\w.]+)", message)
    if not line:
        line = next((lines[c] for c in named if c in lines), 0) or next(
            (at for c in named for at, changed_code in changed if changed_code.startswith(c + ".")),
            fallback,
        )
    code = next((c for at, c in reversed(changed) if at <= line), "")
    if code and not named:
        message = _("item {code}: {problems}").format(code=code, problems=message)
    return Problem(where, line or None, message)
