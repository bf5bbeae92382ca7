"""Reading a unit's answers from a file (YAML or JSON) and checking them against a set.

Used by `inspect-tool score`; the same checks (`Engine.check`) guard every other way answers
come in, so a file is refused for the same reasons as a form.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .i18n import _
from .model import Answer
from .scoring import AnswerError, Engine
from .yaml_lines import LineDict, Problem, ProblemsError, load_file


def read_answers(path: Path, engine: Engine) -> dict[str, Answer]:
    """Every answer in the file, checked; ProblemsError lists each refusal with its line."""
    data = load_file(path)
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
        inputs = {k: v for k, v in raw.items() if k != "na"}
        na = raw.get("na") is True
        try:
            answers[code] = engine.check(code, {} if na else inputs, na=na)
        except AnswerError as exc:
            problems.append(Problem(where, line, str(exc)))
    if problems:
        raise ProblemsError(problems)
    return answers
