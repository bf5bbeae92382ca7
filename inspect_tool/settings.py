"""Document settings: who issues the minutes, where, their number and legal basis, signers.

They differ by province and by team, so they are data: the package's defaults
(`settings.yaml` beside this module), overridden key by key by the user's file.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .i18n import _
from .yaml_lines import Problem, ProblemsError, load_file, plain

SETTINGS_ENV = "INSPECT_TOOL_SETTINGS"
DEFAULTS = Path(__file__).with_name("settings.yaml")


def user_settings_path() -> Path:
    if os.environ.get(SETTINGS_ENV):
        return Path(os.environ[SETTINGS_ENV])
    from platformdirs import user_config_path

    return user_config_path("inspect-tool") / "settings.yaml"


def _merge(
    base: dict[str, Any], override: Mapping[str, Any], where: str, problems: list[Problem]
) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if key not in base:
            line = override.line_of(key) if hasattr(override, "line_of") else None
            problems.append(
                Problem(
                    where,
                    line,
                    _("unknown setting '{key}' (known: {known})").format(
                        key=key, known=", ".join(base)
                    ),
                )
            )
        elif isinstance(base[key], dict) and isinstance(value, Mapping):
            merged[key] = _merge(base[key], value, where, problems)
        elif (kind := _kind(base[key])) != _kind(value) and value is not None:
            line = override.line_of(key) if hasattr(override, "line_of") else None
            problems.append(
                Problem(where, line, _("'{key}' must be {kind}").format(key=key, kind=kind))
            )
        else:
            merged[key] = value
    return merged


def _kind(value: Any) -> str:
    """What a setting holds, in words: a user's value must be of its default's kind."""
    if isinstance(value, bool):
        return _("yes or no")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, Mapping):
        return _("a mapping")
    return type(value).__name__


def load_settings(path: Path | None = None) -> dict[str, Any]:
    """The defaults with the user's file (if any) laid over them; ProblemsError if it is wrong."""
    settings = plain(load_file(DEFAULTS))
    path = path or user_settings_path()
    if not path.is_file():
        return settings
    data = load_file(path) or {}
    if not isinstance(data, Mapping):
        raise ProblemsError([Problem(str(path), 1, _("settings must be a mapping of keys"))])
    problems: list[Problem] = []
    settings = _merge(settings, data, str(path), problems)
    if problems:
        raise ProblemsError(problems)
    return plain(settings)


def fill(pattern: str, values: Mapping[str, Any], where: str = "") -> str:
    """A pattern from the settings with its {fields} filled in.

    Only plain names from `values` are allowed: a pattern is data a province writes, and
    str.format would let `{unit.__class__}` reach into Python objects."""
    out = []
    try:
        parsed = list(string.Formatter().parse(str(pattern)))
    except ValueError as e:
        raise ProblemsError([Problem(where or "settings", None, f"{pattern!r}: {e}")]) from None
    for literal, name, spec, conversion in parsed:
        out.append(literal)
        if name is None:
            continue
        if name not in values or spec or conversion:
            known = ", ".join("{" + k + "}" for k in values)
            raise ProblemsError(
                [
                    Problem(
                        where or "settings",
                        None,
                        _("'{field}' is not a field of this pattern (fields: {known})").format(
                            field="{" + name + "}", known=known
                        ),
                    )
                ]
            )
        out.append(str(values[name]))
    return "".join(out)
