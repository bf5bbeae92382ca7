"""The command line: one `inspect-tool` with a subcommand per job.

A thin shell over the core: it parses arguments, calls the core or the workflow, and prints
tables for people or JSON (`--json`) for scripts. Exit codes: 0 success, 1 invalid input
(with the reasons), 2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from ..i18n import _, set_language
from .common import Ctx

if TYPE_CHECKING:
    from ..plugins import Registry


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(__version__, prog_name="inspect-tool")
@click.option(
    "--plugins-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="INSPECT_TOOL_PLUGINS_DIR",
    help="Folder of plain .py plugins (default: the user's config folder).",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language (default: vi).")
@click.option(
    "--db",
    help="Store folder, or postgresql://ACCOUNT@HOST/DB for the central store "
    "(default: INSPECT_TOOL_DB, else the user's data folder).",
)
@click.option("--user", help="Who is recorded in the audit trail (default: INSPECT_TOOL_USER).")
@click.pass_context
def cli(
    ctx: click.Context,
    plugins_dir: Path | None,
    lang: str | None,
    db: str | None,
    user: str | None,
) -> None:
    """inspect-tool: inspection and self-assessment of administrative reform (CCHC).

    Without a command, opens the app on the store.
    """
    from ..store.interface import is_url

    set_language(lang)
    ctx.obj = Ctx(plugins_dir, db if db is None or is_url(db) else Path(db), user)
    if ctx.invoked_subcommand is None:
        from .app import run_app

        run_app(ctx.obj)


def main() -> None:
    import signal
    import sys

    # a polite kill (SIGTERM) unwinds like an error: half-written outputs are removed
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    add_plugin_commands()
    cli(prog_name="inspect-tool")


def add_plugin_commands() -> None:
    """Let plugins add their commands before the arguments are parsed (as llm does).

    The plugins loaded here are the ones the command uses (`core.open_core` takes them up), so
    each is imported once. What went wrong loading them, a slow plugin, and a plugin whose
    `register_commands` failed or tried to replace a command are said here, once, on stderr;
    `inspect-tool plugins` shows them too."""
    import os

    from ..plugins import load_startup_plugins

    folder = os.environ.get("INSPECT_TOOL_PLUGINS_DIR")
    registry = load_startup_plugins(Path(folder) if folder else None)
    register_plugin_commands(registry, cli)
    from .common import err

    for problem in registry.problems[registry.reported :]:
        err.print(_("warning: {problem}").format(problem=problem), markup=False)
    registry.reported = len(registry.problems)


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every command under `group`, by its path of names."""
    found: dict[tuple[str, ...], Any] = {}
    for name, command in list(getattr(group, "commands", {}).items()):
        found[path + (name,)] = command
        if isinstance(command, click.Group):
            found.update(_commands(command, path + (name,)))
    return found


def register_plugin_commands(registry: Registry, group: click.Group) -> None:
    """Call each plugin's `register_commands` on its own; a plugin that raises is named, and a
    command that was there before it (the tool's own, or an earlier plugin's) is put back and
    the plugin named: a plugin may add commands, never replace or remove one."""
    from ..plugins import _describe

    if registry.manager is None:
        return
    for impl in registry.manager.hook.register_commands.get_hookimpls():
        plugin = impl.plugin_name
        before = _commands(group)
        try:
            impl.function(**{arg: group for arg in impl.argnames})
        except Exception as exc:
            registry.fail(
                plugin,
                _("hook {hook} failed: {error}").format(
                    hook="register_commands", error=_describe(exc)
                ),
            )
        after = _commands(group)
        for path in sorted(before, key=len):
            if after.get(path) is before[path]:
                continue
            parent = group if len(path) == 1 else before[path[:-1]]
            parent.commands[path[-1]] = before[path]
            registry.fail(
                plugin,
                _("may not replace or remove the command '{name}'; it is kept as it was").format(
                    name=" ".join(path)
                ),
            )
            after = _commands(group)


from . import (  # noqa: E402,F401  (commands register on `cli`)
    catalog,
    central,
    documents,
    progress,  # the progress board
    recommendations,  # recommendations followed up (also on `report`)
    serve,
    store,
)

# -- campaigns ----
# isort: split
from . import campaign  # noqa: E402,F401  (the `campaign` group registers on `cli`)

# -- sync
from . import sync  # noqa: E402,F401  # isort: skip  (sync, assess resolve register on `cli`)
