"""Loading criteria sets: YAML in, a validated immutable CriteriaSet out, or every problem.

A criteria set is written by people, often by copying last year's file and editing it, so the
loader checks everything such editing gets wrong and reports all of it at once, each problem
as `file:line: message`. It never lets a Python traceback reach the user for bad input.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .i18n import _
from .inputs import INPUT_TYPES, input_spec_from_data
from .methods import ParamProblem, ScoringMethod, _shown, fmt, is_number
from .model import (
    AREA_KINDS,
    LEVELS,
    NA_POLICIES,
    Area,
    Band,
    CriteriaSet,
    Criterion,
    InputSpec,
)
from .yaml_lines import LineDict, LineList, Problem, ProblemsError, line_of, load_file, plain

SET_KEYS = {
    "id": True,
    "title": True,
    "version": True,
    "year": True,
    "level": True,
    "basis": True,
    "max_points": True,
    "bands": True,
    "areas": True,
    "na_policy": False,
    "notes": False,
}
AREA_KEYS = {
    "code": True,
    "title": True,
    "criteria": True,
    "kind": False,
    "max_points": False,
    "min_points": False,
}
CRITERION_KEYS = {
    "code": True,
    "title": True,
    "max_points": True,
    "children": False,
    "method": False,
    "params": False,
    "evidence": False,
    "evidence_required": False,
    "guidance": False,
    "na_policy": False,
    "record": False,
}
BAND_KEYS = {"min": True, "label": True, "code": False}
RECORD_KEYS = {
    "name": True,
    "type": True,
    "label": False,
    "min": False,
    "max": False,
    "options": False,
    "required": False,
}
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
TOLERANCE = 1e-3


class _Reader:
    """Walks one parsed file, collecting problems instead of stopping at the first."""

    def __init__(self, path: str, methods: Mapping[str, ScoringMethod]):
        self.path = path
        self.methods = methods
        self.problems: list[Problem] = []
        self.codes: dict[str, int] = {}

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    # -- generic checks -------------------------------------------------------------------

    def keys(self, data: LineDict, spec: dict[str, bool], what: str) -> bool:
        """Report unknown and missing keys; False when `data` is not a mapping at all."""
        if not isinstance(data, dict):
            self.problem(line_of(data), _("{what} must be a mapping of keys").format(what=what))
            return False
        for key in data:
            if key not in spec:
                hint = difflib.get_close_matches(str(key), spec, n=1)
                message = _("unknown key '{key}' in {what}").format(key=key, what=what)
                if hint:
                    message += _(" (did you mean '{hint}'?)").format(hint=hint[0])
                self.problem(data.line_of(key), message)
        for key, required in spec.items():
            if required and key not in data:
                self.problem(data.line, _("{what} is missing '{key}'").format(what=what, key=key))
        return True

    def text(self, data: LineDict, key: str, default: str = "") -> str:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        if isinstance(value, dict | list):
            self.problem(data.line_of(key), _("'{key}' must be text").format(key=key))
            return default
        return str(data.raw.get(key, value)) if key in ("code", "version", "id") else str(value)

    def number(self, data: LineDict, key: str, default: float = 0.0, *, positive=False) -> float:
        value = data.get(key, default)
        if not is_number(value):  # NaN, infinity and 400-digit numbers are mistakes too
            self.problem(
                data.line_of(key),
                _("'{key}' must be a number, not '{value}'").format(
                    key=key, value=_shown(value, 40).strip("'")
                ),
            )
            return default
        if positive and value <= 0:
            self.problem(data.line_of(key), _("'{key}' must be above 0").format(key=key))
        return float(value)

    def choice(self, data: LineDict, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = data.get(key, default)
        if value not in allowed:
            self.problem(
                data.line_of(key),
                _("'{key}' must be one of {allowed}, not '{value}'").format(
                    key=key, allowed=", ".join(allowed), value=value
                ),
            )
            return default
        return str(value)

    def evidence_required(self, data: LineDict) -> bool | str:
        """`true`, `false`, or `when_nonzero`: required only when one of the figures is not 0."""
        value = data.get("evidence_required", False)
        if isinstance(value, bool) or value == "when_nonzero":
            return value
        self.problem(
            data.line_of("evidence_required"),
            _("'evidence_required' must be true, false or when_nonzero, not '{value}'").format(
                value=value
            ),
        )
        return False

    def items(self, data: LineDict, key: str, what: str) -> LineList:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            if key in data:
                self.problem(
                    data.line_of(key),
                    _("'{key}' must be a non-empty list of {what}").format(key=key, what=what),
                )
            return LineList()
        return value

    def code(self, data: LineDict) -> str:
        code = self.text(data, "code")
        if code in self.codes:
            first = self.codes[code]
            self.problem(
                data.line_of("code"),
                _("duplicate code '{code}' (first used on line {line})").format(
                    code=code, line=first
                )
                if first
                else _("duplicate code '{code}': the set already has it").format(code=code),
            )
        elif code:
            self.codes[code] = data.line_of("code")
        return code

    # -- the set ----------------------------------------------------------------------------

    def read_set(self, data: Any) -> CriteriaSet | None:
        if not self.keys(data, SET_KEYS, _("the criteria set")):
            return None
        set_id = self.text(data, "id")
        if set_id and not ID_PATTERN.match(set_id):
            self.problem(
                data.line_of("id"),
                _("'id' may hold only letters, digits, '-', '_' and '.'"),
            )
        year = data.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            if "year" in data:
                self.problem(data.line_of("year"), _("'year' must be a year such as 2025"))
            year = 0
        levels = data.get("level", [])
        levels = [levels] if isinstance(levels, str) else levels
        for level in levels if isinstance(levels, list) else [levels]:
            if level not in LEVELS:
                self.problem(
                    data.line_of("level"),
                    _("unknown level '{level}' (known: {known})").format(
                        level=level, known=", ".join(LEVELS)
                    ),
                )
        policy = self.choice(data, "na_policy", NA_POLICIES, "exclude")
        max_points = self.number(data, "max_points", positive=True)
        bands = self.read_bands(data)
        areas = tuple(
            a
            for a in (self.read_area(a, policy) for a in self.items(data, "areas", _("areas")))
            if a
        )
        regular = sum(a.max_points for a in areas if not a.is_bonus_penalty)
        if areas and "max_points" in data and abs(regular - max_points) > TOLERANCE:
            self.problem(
                data.line_of("max_points"),
                _("the regular areas add up to {sum}, not max_points {max}").format(
                    sum=fmt(regular), max=fmt(max_points)
                ),
            )
        if self.problems:
            return None
        return CriteriaSet(
            id=set_id,
            title=self.text(data, "title"),
            version=self.text(data, "version"),
            year=year,
            levels=tuple(levels),
            basis=self.text(data, "basis").strip(),
            max_points=max_points,
            bands=bands,
            areas=areas,
            na_policy=policy,  # type: ignore[arg-type]
            notes=self.text(data, "notes").strip(),
            source=self.path,
        )

    def read_bands(self, data: LineDict) -> tuple[Band, ...]:
        bands: list[Band] = []
        for _i, band in enumerate(self.items(data, "bands", _("bands"))):
            if not self.keys(band, BAND_KEYS, _("a band")):
                continue
            low = self.number(band, "min")
            if not 0 <= low <= 100:
                self.problem(band.line_of("min"), _("a band's 'min' is a percentage, 0 to 100"))
            if bands and low >= bands[-1].min_percent:
                self.problem(
                    band.line_of("min"),
                    _(
                        "bands out of order: list them highest 'min' first ({low:g} after {prev:g})"
                    ).format(low=low, prev=bands[-1].min_percent),
                )
            bands.append(Band(low, self.text(band, "label"), self.text(band, "code")))
        return tuple(bands)

    def read_area(self, data: Any, policy: str) -> Area | None:
        if not self.keys(data, AREA_KEYS, _("an area")):
            return None
        code = self.code(data)
        kind = self.choice(data, "kind", AREA_KINDS, "regular")
        bonus = kind == "bonus_penalty"
        criteria = self.read_criteria(data, "criteria", _("criteria"), policy, bonus)
        total = sum(c.max_points for c in criteria)
        if bonus:
            if "max_points" not in data:
                self.problem(data.line, _("a bonus/penalty area needs 'max_points' (its cap)"))
            max_points = self.number(data, "max_points", positive=True)
            min_points = self.number(data, "min_points", -max_points)
            if min_points > 0:
                self.problem(data.line_of("min_points"), _("'min_points' must be 0 or below"))
        else:
            if "min_points" in data:
                self.problem(
                    data.line_of("min_points"), _("'min_points' is for bonus/penalty areas only")
                )
            max_points = self.number(data, "max_points", total, positive=True)
            min_points = 0.0
            if criteria and abs(max_points - total) > TOLERANCE:
                self.problem(
                    data.line_of("max_points"),
                    _("area {code}: its criteria add up to {sum}, not {max}").format(
                        code=code, sum=fmt(total), max=fmt(max_points)
                    ),
                )
        return Area(
            code=code,
            title=self.text(data, "title"),
            criteria=criteria,
            max_points=max_points,
            kind=kind,  # type: ignore[arg-type]
            min_points=min_points,
            line=data.line,
        )

    def read_criteria(
        self, data: LineDict, key: str, what: str, policy: str, bonus: bool
    ) -> tuple[Criterion, ...]:
        """The criteria listed under `key`, leaving out those too broken to read."""
        read = (self.read_criterion(c, policy, bonus) for c in self.items(data, key, what))
        return tuple(c for c in read if c)

    def read_criterion(self, data: Any, policy: str, bonus: bool) -> Criterion | None:
        if not self.keys(data, CRITERION_KEYS, _("a criterion")):
            return None
        code = self.code(data)
        policy = self.choice(data, "na_policy", NA_POLICIES, policy)
        max_points = self.number(data, "max_points", positive=True)
        evidence = data.get("evidence") or ()
        evidence = (evidence,) if isinstance(evidence, str) else tuple(str(e) for e in evidence)
        common = dict(
            code=code,
            title=self.text(data, "title"),
            max_points=max_points,
            evidence=evidence,
            evidence_required=self.evidence_required(data),
            guidance=self.text(data, "guidance").strip(),
            na_policy=policy,
            line=data.line,
        )
        if "children" in data:
            for key in ("method", "params", "record"):
                if key in data:
                    self.problem(
                        data.line_of(key),
                        _(
                            "'{key}' belongs on a scorable item, not on a criterion with children"
                        ).format(key=key),
                    )
            children = self.read_criteria(data, "children", _("sub-criteria"), policy, bonus)
            total = sum(c.max_points for c in children)
            if children and not bonus and abs(total - max_points) > TOLERANCE:
                self.problem(
                    data.line_of("max_points"),
                    _("criterion {code}: its children add up to {sum}, not {max}").format(
                        code=code, sum=fmt(total), max=fmt(max_points)
                    ),
                )
            return Criterion(children=children, **common)
        if "method" not in data:
            self.problem(
                data.line,
                _("criterion {code} needs either 'method' or 'children'").format(code=code),
            )
            return None
        method, params = self.read_method(data, max_points, bonus)
        record = self.read_record(data, method, params, max_points)
        return Criterion(method=data["method"], params=params, record=record, **common)

    def read_method(
        self, data: LineDict, max_points: float, bonus: bool
    ) -> tuple[ScoringMethod | None, dict]:
        name = data["method"]
        params = data.get("params") or LineDict()
        if not isinstance(params, dict):
            self.problem(data.line_of("params"), _("'params' must be a mapping"))
            params = LineDict()
        method = self.methods.get(name) if isinstance(name, str) else None
        if method is None:
            hint = difflib.get_close_matches(str(name), self.methods, n=1)
            message = _("unknown scoring method '{name}'").format(name=name)
            message += (
                _(" (did you mean '{hint}'?)").format(hint=hint[0])
                if hint
                else _(" (known: {known})").format(known=", ".join(sorted(self.methods)))
            )
            self.problem(data.line_of("method"), message)
            return None, params
        if method.signed and not bonus:
            self.problem(
                data.line_of("method"),
                _("method '{name}' gives negative points: use it in a bonus/penalty area").format(
                    name=name
                ),
            )
        problems = method.validate_params(params, max_points)
        for problem in problems:
            self.problem(self.param_line(data, params, problem), problem.message)
        return (None if problems else method), params

    def param_line(self, data: LineDict, params: Any, problem: ParamProblem) -> int:
        path = problem.path
        if path is None:
            return data.line_of("params") if "params" in data else data.line_of("method")
        node, line = params, getattr(params, "line", 0)
        for step in (path,) if isinstance(path, str) else path:
            found = (isinstance(node, LineDict) and step in node) or (
                isinstance(node, LineList) and isinstance(step, int) and step < len(node)
            )
            if not found:
                break
            line, node = node.line_of(step), node[step]
        return line or data.line

    def read_record(
        self, data: LineDict, method: ScoringMethod | None, params: dict, max_points: float
    ) -> tuple[InputSpec, ...]:
        """Figures recorded beside the method's inputs; `method` is None if its params failed."""
        taken: set[str] = set()
        if method is not None:
            try:
                taken = {s.name for s in method.inputs(params, max_points)}
            except Exception as exc:  # a plugin method's bug, reported as a problem of the item
                self.problem(
                    data.line_of("method"),
                    _("method '{method}' could not declare its inputs: {error}").format(
                        method=method.name, error=f"{type(exc).__name__}: {exc}"
                    ),
                )
        specs: list[InputSpec] = []
        for item in self.items(data, "record", _("figures")):
            if not self.keys(item, RECORD_KEYS, _("a recorded figure")):
                continue
            if item.get("type") not in INPUT_TYPES:
                self.problem(
                    item.line_of("type"),
                    _("unknown input type '{type}' (known: {known})").format(
                        type=item.get("type"), known=", ".join(INPUT_TYPES)
                    ),
                )
                continue
            bad = [k for k in ("min", "max") if item.get(k) is not None and not is_number(item[k])]
            for key in bad:
                self.problem(
                    item.line_of(key),
                    _("'{key}' must be a number, not '{value}'").format(
                        key=key, value=_shown(item[key], 40).strip("'")
                    ),
                )
            if bad:
                continue
            name = str(item.get("name"))
            if name in taken:
                self.problem(
                    item.line_of("name"),
                    _(
                        "figure '{name}' clashes with an input of the method or another figure"
                    ).format(name=name),
                )
            taken.add(name)
            specs.append(input_spec_from_data(item, required=False))
        return tuple(specs)


def content_hash(cset: CriteriaSet) -> str:
    """A hash of what a set says (not how its file is laid out), to pin assessments to it."""
    data = set_as_dict(cset)
    data.pop("source", None)
    data.pop("hash", None)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_set(data: Any, path: str, methods: Mapping[str, ScoringMethod]) -> CriteriaSet:
    """Validate already-parsed YAML data as a criteria set; raise ProblemsError if it is not."""
    reader = _Reader(path, methods)
    cset = reader.read_set(data)
    if reader.problems or cset is None:
        raise ProblemsError(sorted(reader.problems, key=lambda p: p.line or 0))
    from dataclasses import replace

    return replace(cset, hash=content_hash(cset))


def load_set(path: Path, methods: Mapping[str, ScoringMethod]) -> CriteriaSet:
    """Read one criteria-set file; raise ProblemsError with every problem found."""
    return parse_set(load_data(path), str(path), methods)


def load_data(path: Path) -> Any:
    """`load_file`, with a value YAML reads but Python cannot hold (the date 2025-02-30, the
    time 25:00) reported at its line instead of escaping as a traceback. For sets, overlays
    and answers files."""
    try:
        return load_file(path)
    except ProblemsError:
        raise
    except (ValueError, OverflowError, TypeError) as exc:
        line, value, tag = _unreadable_scalar(path)
        if tag.endswith(":timestamp"):
            message = _("'{value}' is not a real date").format(value=value)
        else:
            message = _("'{value}' cannot be read: {error}").format(
                value=value, error=f"{type(exc).__name__}: {exc}"
            )
        raise ProblemsError([Problem(str(path), line, message)]) from None


def _unreadable_scalar(path: Path) -> tuple[int | None, str, str]:
    """(line, text, tag) of the first scalar the safe loader cannot build."""
    import yaml

    try:
        root = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except Exception:
        return None, "?", ""
    builder = yaml.SafeLoader("")
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                builder.construct_object(node)
            except Exception:
                return node.start_mark.line + 1, str(node.value)[:60], str(node.tag)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
    return None, "?", ""


def _criterion_dict(c: Criterion) -> dict[str, Any]:
    data: dict[str, Any] = {"code": c.code, "title": c.title, "max_points": c.max_points}
    if c.children:
        data["children"] = [_criterion_dict(child) for child in c.children]
    else:
        data["method"] = c.method
        data["params"] = plain(c.params)
        if c.record:
            data["record"] = [spec.to_dict() for spec in c.record]
    data.update(
        evidence=list(c.evidence),
        evidence_required=c.evidence_required,
        guidance=c.guidance,
        na_policy=c.na_policy,
    )
    return data


def _area_dict(a: Area) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": a.code,
        "title": a.title,
        "kind": a.kind,
        "max_points": a.max_points,
    }
    if a.is_bonus_penalty:
        data["min_points"] = a.min_points
    data["criteria"] = [_criterion_dict(c) for c in a.criteria]
    return data


def set_as_dict(cset: CriteriaSet) -> dict[str, Any]:
    """The set as plain data: for `--json`, for hashing, and to embed in documents."""
    return {
        "id": cset.id,
        "title": cset.title,
        "version": cset.version,
        "year": cset.year,
        "level": list(cset.levels),
        "basis": cset.basis,
        "max_points": cset.max_points,
        "na_policy": cset.na_policy,
        "notes": cset.notes,
        "bands": [{"min": b.min_percent, "label": b.label, "code": b.code} for b in cset.bands],
        "areas": [_area_dict(a) for a in cset.areas],
        "source": cset.source,
        "hash": cset.hash,
    }
