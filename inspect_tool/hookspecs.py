"""The plugin API: one hook per way a plugin can extend inspect-tool.

Plugins implement these with `@inspect_tool.hookimpl`. The tool's own scoring methods and
criteria sets are registered through the same hooks (see `builtin_methods` and
`builtin_sets`), so the API is used by its own code first. Hooks are called with keyword
arguments; an implementation may accept fewer arguments than the spec lists.

Every hook is documented in `docs/plugins.md`; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .methods import ScoringMethod
    from .model import Assessment, CriteriaSet

PROJECT = "inspect_tool"
API_VERSION = 1

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_methods(register: Callable[[ScoringMethod], None]) -> None:
    """Register scoring methods.

    Called once when the plugins are loaded, before any criteria set is read. Call
    ``register(method)`` with an instance of a `inspect_tool.methods.ScoringMethod` subclass for
    each method the plugin provides. A method's ``name`` is what criteria sets write under
    ``method:``; a name already registered (by the tool or an earlier plugin) is refused and
    reported, and the first registration stays.
    """


@hookspec
def register_criteria_sets(register: Callable[[Path], None]) -> None:
    """Register criteria sets.

    Called once when the catalog of sets is built. Call ``register(path)`` with a YAML file or
    a folder; every ``*.yaml`` / ``*.yml`` file in a folder (not its subfolders) is read as a
    set. A file with problems is reported with its ``path:line`` messages and left out; the
    other sets stay available.
    """


@hookspec
def register_overlays(register: Callable[[Path], None]) -> None:
    """Register overlays: a province's changes to an existing criteria set.

    Called once when the catalog is built, after every set is loaded. Call ``register(path)``
    with an overlay YAML file (format: docs/plugins.md, "Overlays"). The adapted set is
    validated again and gets its own id, version and content hash; an overlay with problems is
    reported at its own ``path:line`` and left out.
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the command line.

    Called once when ``inspect-tool`` starts, before the arguments are parsed, with the
    top-level click group: add commands or groups with ``@cli.command()`` / ``@cli.group()``.
    Plugins are found here through the entry points and ``INSPECT_TOOL_PLUGINS_DIR`` (the
    ``--plugins-dir`` option is not parsed yet).
    """


@hookspec
def check_assessment(assessment: Assessment, criteria_set: CriteriaSet) -> list[str] | None:
    """Check an assessment with local rules before it can be submitted.

    Called each time the tool lists what is missing before submitting (the finish screen,
    ``assess submit``). Return a list of problems in words (each blocks submitting, and is shown
    as it is: write it in the users' language), or None. ``assessment`` is an
    `inspect_tool.model.Assessment` (its ``items`` hold each answer's inputs, evidence and note);
    ``criteria_set`` is the set it is pinned to. A plugin that raises here is named in a warning
    instead, and does not block submitting.
    """


@hookspec
def assessment_event(event: str, assessment: Assessment) -> None:
    """React to the life of an assessment.

    Called after the change is saved, with ``event`` one of ``"submitted"``, ``"finalized"``
    and ``"reopened"``. The return value is ignored; an exception is reported as a warning and
    does not undo the change.
    """


@hookspec
def minutes_sections(
    assessment: Assessment, criteria_set: CriteriaSet
) -> list[dict[str, Any]] | None:
    """Add sections to the minutes.

    Called when minutes are made. Return a list of ``{"title": str, "paragraphs": [str, ...]}``
    (plain text: it is escaped, never read as HTML), or None. The sections are printed after the
    recommendations, in plugin load order. A plugin that raises is left out of the minutes and
    named in a warning.
    """


def hook_names() -> list[str]:
    """The names of all hooks in this spec, for listing and checking plugins."""
    marker = f"{PROJECT}_spec"
    return sorted(name for name, value in globals().items() if hasattr(value, marker))
