"""Units from a spreadsheet: `code,name,kind,parent` CSV, checked row by row.

Officials keep their list of communes and wards in a spreadsheet; Excel saves CSV as UTF-8
with a byte-order mark, LibreOffice without: both are read. Every bad row is reported with its
line, and nothing is imported unless every row is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from .i18n import _
from .model import LEVELS, Unit
from .text_rules import NAME, strip_bidi, unit_code_problem
from .yaml_lines import Problem, ProblemsError

COLUMNS = ("code", "name", "kind", "parent")
OPTIONAL = ("valid_from", "valid_to", "successor")
# What people write in the kind column, in Vietnamese or as the tool's own keys.
KIND_WORDS = {
    "xã": "commune",
    "phường": "ward",
    "đặc khu": "special_zone",
    "sở": "department",
    "ban": "department",
    "ngành": "department",
    "sở, ban, ngành": "department",
    "sở/ban/ngành": "department",
    "tỉnh": "province",
    "thành phố": "province",
} | {level: level for level in LEVELS}


def kind_of(text: str) -> str | None:
    return KIND_WORDS.get(" ".join(text.strip().lower().split()))


def read_units_csv(path: Path) -> list[Unit]:
    """Every unit in the file, or ProblemsError with each bad row's line and reason."""
    from .limits import read_limited

    try:
        text = read_limited(path, "csv").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemsError(
            [
                Problem(
                    str(path),
                    None,
                    _("not UTF-8 text ({reason}); save the spreadsheet as CSV UTF-8").format(
                        reason=exc.reason
                    ),
                )
            ]
        ) from None
    except OSError as exc:
        raise ProblemsError([Problem(str(path), None, exc.strerror or str(exc))]) from None
    return parse_units(text, str(path))


def parse_units(text: str, where: str) -> list[Unit]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ProblemsError(
            [
                Problem(
                    where,
                    1,
                    _("missing column(s) {missing}; the first line must be: {columns}").format(
                        missing=", ".join(missing), columns=",".join(COLUMNS)
                    ),
                )
            ]
        )
    reader.fieldnames = header
    units: list[Unit] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS + OPTIONAL}
        for key in ("name", "parent", "successor"):  # typed text: no bidi controls
            if key in values:
                values[key] = strip_bidi(values[key]).strip()
        if not any(values.values()):
            continue
        reasons = _row_problems(values, seen, line)
        problems += [Problem(where, line, reason) for reason in reasons]
        seen.setdefault(values["code"], line)
        if not reasons:
            values["kind"] = kind_of(values["kind"]) or values["kind"]
            units.append(Unit(**values))
    if problems:
        raise ProblemsError(problems)
    return units


def _row_problems(values: dict[str, str], seen: dict[str, int], line: int) -> list[str]:
    reasons = []
    code = values.get("code", "")
    if not code:
        reasons.append(_("the code is empty"))
    elif unit_code_problem(code):
        reasons.append(unit_code_problem(code))
    elif code in seen:
        reasons.append(
            _("code {code} is already on line {line}").format(code=code, line=seen[code])
        )
    if not values.get("name"):
        reasons.append(_("the name is empty"))
    elif len(values["name"]) > NAME:
        reasons.append(
            _("the name is {n} characters long; at most {limit} are allowed").format(
                n=len(values["name"]), limit=NAME
            )
        )
    for key in ("parent", "successor"):
        if len(values.get(key) or "") > NAME:
            reasons.append(
                _("{column}: {n} characters long; at most {limit} are allowed").format(
                    column=key, n=len(values[key]), limit=NAME
                )
            )
    if kind_of(values.get("kind", "")) is None:
        reasons.append(
            _("unknown kind '{kind}' (write xã, phường, đặc khu, sở, or one of {keys})").format(
                kind=values.get("kind", ""), keys=", ".join(LEVELS)
            )
        )
    for key in ("valid_from", "valid_to"):
        if values.get(key):
            try:
                dt.date.fromisoformat(values[key])
            except ValueError:
                reasons.append(
                    _("{column}: '{value}' is not a date (write it as 2025-07-01)").format(
                        column=key, value=values[key]
                    )
                )
    return reasons
