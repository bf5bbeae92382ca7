"""Input types: turning what a person typed into a checked value, or a reason why not.

Every front end (answers files, the CLI's `name=value`, the app's forms) goes through
`parse_value`, so a value is refused the same way everywhere and nothing invalid is stored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from .i18n import _
from .model import InputSpec

INPUT_TYPES: tuple[str, ...] = (
    "number",
    "count",
    "percent",
    "date",
    "yes_no",
    "choice",
    "checklist",
)
_YES = {"yes", "y", "true", "1", "có", "co", "x", "đạt"}
_NO = {"no", "n", "false", "0", "không", "khong", "chưa", "chưa đạt"}


class InputError(ValueError):
    """A value refused, with the reason in words for the person who typed it."""


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


# what a person types for a number: digits, at most one decimal comma or point, a sign;
# nothing else (no letters, exponents, underscores or spaces inside), so no typed text is
# ever read as another number than the one it shows
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
# dates as people write them: 31/01/2025 (or 31/1/2025) and ISO 2025-01-31
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", re.ASCII)
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise InputError(_("expected a number, got yes/no"))
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace("\u2212", "-")  # the real minus sign too
        if not _NUMBER.fullmatch(text):
            raise InputError(_("'{value}' is not a number").format(value=raw))
        value = float(text.replace(",", "."))
    else:
        raise InputError(_("expected a number, got {value!r}").format(value=raw))
    if not math.isfinite(value):
        raise InputError(_("'{value}' is not a number").format(value=raw))
    return value


def _bounds(spec: InputSpec, value: float) -> None:
    if spec.min is not None and value < spec.min:
        raise InputError(_("must be at least {min:g}").format(min=spec.min))
    if spec.max is not None and value > spec.max:
        raise InputError(_("must be at most {max:g}").format(max=spec.max))
    if spec.step and abs(value / spec.step - round(value / spec.step)) > 1e-6:
        raise InputError(_("must be a multiple of {step:g}").format(step=spec.step))


def _parse_number(spec: InputSpec, raw: Any) -> float:
    value = _number(raw)
    _bounds(spec, value)
    return value


def _parse_count(spec: InputSpec, raw: Any) -> int:
    value = _number(raw)
    if value != int(value):
        raise InputError(_("must be a whole number"))
    if value < 0:
        raise InputError(_("cannot be negative"))
    _bounds(spec, value)
    return int(value)


def _parse_percent(spec: InputSpec, raw: Any) -> float:
    if isinstance(raw, str):
        raw = raw.strip().removesuffix("%")
    value = _number(raw)
    if not 0 <= value <= 100:
        raise InputError(_("a percentage must be between 0 and 100"))
    _bounds(spec, value)
    return value


def _parse_date(spec: InputSpec, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if match := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
        elif match := _ISO.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
        else:
            match = None
        if match:
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise InputError(_("'{value}' is not a real date").format(value=raw)) from None
    raise InputError(
        _("'{value}' is not a date (write it as 31/01/2025 or 2025-01-31)").format(value=raw)
    )


def parse_date(raw: Any) -> dt.date:
    """A date as people type it (31/01/2025, 31/1/2025, 2025-01-31); InputError otherwise.
    The one reading of typed dates, for inputs and for the record's deadlines alike."""
    return _parse_date(None, raw)  # type: ignore[arg-type]  (the spec is not used)


_DMY_TIME = "%d/%m/%Y %H:%M"


def parse_moment(raw: str) -> str:
    """A date and time as people type it (20/11/2025 08:30) or as the store keeps it
    (2025-11-20T08:30, with seconds or an offset): the ISO text to keep; InputError otherwise.
    ISO is kept as typed, so a value read from the store goes back unchanged."""
    text = raw.strip()
    try:
        return dt.datetime.strptime(text, _DMY_TIME).isoformat(timespec="minutes")
    except ValueError:
        pass
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            _("'{value}' is not a date and time (write it as 20/11/2025 08:30)").format(value=raw)
        ) from None
    return text


def _parse_yes_no(spec: InputSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise InputError(_("answer yes or no, not '{value}'").format(value=raw))


def _option_keys(spec: InputSpec) -> list[str]:
    return [key for key, _label in spec.options]


def _parse_choice(spec: InputSpec, raw: Any) -> str:
    key = str(raw).strip()
    if key not in _option_keys(spec):
        choices = ", ".join(_option_keys(spec))
        raise InputError(_("'{value}' is not one of: {choices}").format(value=raw, choices=choices))
    return key


def _parse_checklist(spec: InputSpec, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [part for part in (p.strip() for p in raw.split(",")) if part]
    if not isinstance(raw, list | tuple):
        raise InputError(_("expected a list of ticked items"))
    keys = [str(k).strip() for k in raw]
    known = _option_keys(spec)
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise InputError(
            _("unknown item(s) {unknown}; the items are: {choices}").format(
                unknown=", ".join(unknown), choices=", ".join(known)
            )
        )
    if len(set(keys)) != len(keys):
        raise InputError(_("an item is ticked twice"))
    return tuple(k for k in known if k in keys)  # in the checklist's own order


_PARSERS = {
    "number": _parse_number,
    "count": _parse_count,
    "percent": _parse_percent,
    "date": _parse_date,
    "yes_no": _parse_yes_no,
    "choice": _parse_choice,
    "checklist": _parse_checklist,
}


def parse_value(spec: InputSpec, raw: Any) -> Any:
    """Check one raw value against its declaration; None stands for an optional empty value."""
    if _is_empty(raw):
        if spec.required:
            raise InputError(_("a value is required"))
        return () if spec.type == "checklist" else None
    return _PARSERS[spec.type](spec, raw)


def parse_inputs(
    specs: tuple[InputSpec, ...], raw: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    """Parse every declared input; return the values and (input name, reason) for each refusal."""
    values: dict[str, Any] = {}
    errors: list[tuple[str | None, str]] = []
    names = {spec.name for spec in specs}
    for extra in raw:
        if extra not in names:
            expected = ", ".join(sorted(names)) or _("none")
            errors.append((extra, _("unknown input (expected: {names})").format(names=expected)))
    for spec in specs:
        try:
            values[spec.name] = parse_value(spec, raw.get(spec.name))
        except InputError as exc:
            errors.append((spec.name, str(exc)))
    return values, errors


def input_spec_from_data(data: Mapping[str, Any], *, required: bool = True) -> InputSpec:
    """Build an InputSpec from a declaration written in YAML (used for recorded figures)."""
    options = data.get("options") or ()
    return InputSpec(
        name=str(data["name"]),
        type=str(data.get("type", "number")),
        label=str(data.get("label") or data["name"]),
        min=data.get("min"),
        max=data.get("max"),
        options=tuple(option_pair(o) for o in options),
        required=bool(data.get("required", required)),
    )


def option_pair(option: Any) -> tuple[str, str]:
    if isinstance(option, Mapping):
        key = str(option.get("key"))
        return key, str(option.get("label") or key)
    return str(option), str(option)
