"""Reading a unit's answers from a file (YAML or JSON) and checking them against a set.

Used by `inspect-tool score` and `inspect-tool assess answer ID --from FILE`; the same checks
(`Engine.check`) guard every other way answers come in, so a file is refused for the same
reasons as a form. Besides the inputs (or `na: true`), an item may carry `note`, `reason` (an
appraisal's) and `evidence` (a list of `NUMBER;DATE;ISSUER` texts or of mappings with
`number`, `date`, `issuer`); `score` reads and ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .criteria import load_data  # load_file, with an impossible date at its line
from .i18n import _
from .model import Answer, Evidence
from .scoring import AnswerError, Engine
from .yaml_lines import LineDict, Problem, ProblemsError

NOT_INPUTS = ("na", "note", "reason", "evidence")


def read_answers(path: Path, engine: Engine) -> dict[str, Answer]:
    """Every answer in the file, checked; ProblemsError lists each refusal with its line."""
    data = load_data(path)
    where = str(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProblemsError([Problem(where, 1, _("expected a mapping of item codes to inputs"))])
    answers: dict[str, Answer] = {}
    problems: list[Problem] = []
    for code, raw in data.items():
        line = data.line_of(code) if isinstance(data, LineDict) else None
        try:
            engine.item(code)
        except KeyError as exc:
            problems.append(Problem(where, line, str(exc.args[0])))
            continue
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            problems.append(
                Problem(
                    where, line, _("item {code}: expected a mapping of inputs").format(code=code)
                )
            )
            continue
        inputs = {k: v for k, v in raw.items() if k not in NOT_INPUTS}
        na = raw.get("na") is True
        try:
            answers[code] = engine.check(code, {} if na else inputs, na=na)
        except AnswerError as exc:
            problems.append(Problem(where, line, str(exc)))
    if problems:
        raise ProblemsError(problems)
    return answers


def read_entries(path: Path, engine: Engine) -> dict[str, dict[str, Any]]:
    """The file's items as keyword arguments of `Workflow.answer` (inputs, na, note, reason,
    evidence), every item checked by the engine first; ProblemsError lists each refusal at its
    line. Nothing here is recorded: the workflow records them all or none."""
    read_answers(path, engine)  # the same checks as `score`, with their lines
    data = load_data(path) or {}
    where = str(path)
    entries: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for code, raw in data.items():
        raw = raw or {}
        line = data.line_of(code) if isinstance(data, LineDict) else None
        entry: dict[str, Any] = {
            "inputs": {k: v for k, v in raw.items() if k not in NOT_INPUTS},
            "na": raw.get("na") is True,
        }
        for key in ("note", "reason"):
            if key in raw:
                if not isinstance(raw[key], str):
                    problems.append(
                        Problem(
                            where, _line(raw, key, line), _("{key} must be a text").format(key=key)
                        )
                    )
                else:
                    entry[key] = raw[key]
        if "evidence" in raw:
            try:
                entry["evidence"] = _evidence(raw["evidence"])
            except ValueError as exc:
                problems.append(Problem(where, _line(raw, "evidence", line), str(exc)))
        entries[code] = entry
    if problems:
        raise ProblemsError(problems)
    return entries


def _line(raw: Any, key: str, default: int | None) -> int | None:
    return raw.line_of(key) if isinstance(raw, LineDict) and key in raw else default


def _evidence(value: Any) -> list[Evidence]:
    from .workflow import parse_evidence  # the same reading as the command line's --evidence

    value = [value] if isinstance(value, str | Mapping) else value
    if not isinstance(value, list):
        raise ValueError(_("evidence must be a list of NUMBER;DATE;ISSUER texts"))
    found: list[Evidence] = []
    for e in value:
        if isinstance(e, Mapping):
            text = ";".join(str(e.get(k) or "") for k in ("number", "date", "issuer"))
        else:
            text = str(e)
        found += parse_evidence(text)
    return found
