"""The catalog: every criteria set the plugins registered, loaded and checked.

Sets are found through the `register_criteria_sets` hook (the shipped ones included). A file
with problems is reported and left out; the others stay usable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .criteria import load_set
from .i18n import _
from .methods import ScoringMethod
from .model import CriteriaSet
from .overlays import apply_overlay
from .yaml_lines import Problem, ProblemsError

YAML_SUFFIXES = (".yaml", ".yml")


class UnknownSetError(LookupError):
    """No set answers to the reference given; the message lists what there is."""


def set_files(path: Path) -> list[Path]:
    """The YAML files a registered path stands for: itself, or the files in its folder."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())
    return [path]


def _natural(text: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


@dataclass
class Catalog:
    sets: list[CriteriaSet] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # set key → plugin that gave it
    problems: list[Problem] = field(default_factory=list)
    failed: dict[str, list[Problem]] = field(default_factory=dict)  # plugin → its sets' problems

    def refuse(self, plugin: str, problems: list[Problem]) -> None:
        """A set or overlay left out: its problems, put down to the plugin that gave it."""
        self.problems.extend(problems)
        self.failed.setdefault(plugin, []).extend(problems)

    def add(self, cset: CriteriaSet, path: Path, plugin: str) -> None:
        """Add a set, unless another file already gave the same id and version."""
        if cset.key in self.origins:
            message = _("set {key} is already provided by {other}").format(
                key=cset.key, other=self.origins[cset.key]
            )
            self.refuse(plugin, [Problem(str(path), None, message)])
            return
        self.sets.append(cset)
        self.origins[cset.key] = plugin

    def get(self, ref: str) -> CriteriaSet:
        """A set by `id` (its latest version) or by `id@version`."""
        set_id, _sep, version = ref.partition("@")
        matches = [s for s in self.sets if s.id == set_id and (not version or s.version == version)]
        if not matches:
            known = ", ".join(sorted({s.key for s in self.sets})) or _("none")
            raise UnknownSetError(
                _("no criteria set '{ref}' (available: {known})").format(ref=ref, known=known)
            )
        return max(matches, key=lambda s: (s.year, _natural(s.version)))


def build_catalog(
    sources: list[tuple[str, Path]],
    methods: Mapping[str, ScoringMethod],
    overlays: list[tuple[str, Path]] | None = None,
) -> Catalog:
    """Every registered set, then every overlay applied to the sets already loaded."""
    catalog = Catalog()
    for plugin, source in sources:
        try:
            files = set_files(source) if source.exists() else None
        except OSError as exc:
            catalog.refuse(plugin, [Problem(str(source), None, exc.strerror or str(exc))])
            continue
        if files is None:
            catalog.refuse(plugin, [Problem(str(source), None, _("no such file or folder"))])
            continue
        for path in files:
            try:
                cset = load_set(path, methods)
            except ProblemsError as exc:
                catalog.refuse(plugin, exc.problems)
                continue
            except Exception as exc:  # one plugin's unreadable set must not stop the others
                catalog.refuse(plugin, [_unexpected(path, exc)])
                continue
            catalog.add(cset, path, plugin)
    for plugin, path in overlays or []:
        try:
            cset = apply_overlay(path, catalog.sets, methods)
        except ProblemsError as exc:
            catalog.refuse(plugin, exc.problems)
            continue
        except Exception as exc:
            catalog.refuse(plugin, [_unexpected(path, exc)])
            continue
        catalog.add(cset, path, plugin)
    return catalog


def _unexpected(path: Path, exc: Exception) -> Problem:
    return Problem(
        str(path),
        None,
        _("could not be loaded: {error}").format(error=f"{type(exc).__name__}: {exc}"),
    )
