"""The command line: one `inspect-tool` with a subcommand per job.

A thin shell over the core: it parses arguments, calls the core or the workflow, and prints
tables for people or JSON (`--json`) for scripts. Exit codes: 0 success, 1 invalid input
(with the reasons), 2 usage error.
"""

from __future__ import annotations

from pathlib import Path

import click

from .. import __version__
from ..i18n import set_language
from .common import Ctx


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
    type=click.Path(file_okay=False, path_type=Path),
    help="Store folder (default: INSPECT_TOOL_DB, else the user's data folder).",
)
@click.option("--user", help="Who is recorded in the audit trail (default: INSPECT_TOOL_USER).")
@click.pass_context
def cli(
    ctx: click.Context,
    plugins_dir: Path | None,
    lang: str | None,
    db: Path | None,
    user: str | None,
) -> None:
    """inspect-tool: inspection and self-assessment of administrative reform (CCHC).

    Without a command, opens the app on the store.
    """
    set_language(lang)
    ctx.obj = Ctx(plugins_dir, db, user)
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
    """Let plugins add their commands before the arguments are parsed (as llm does)."""
    import os

    from ..plugins import load_plugins

    folder = os.environ.get("INSPECT_TOOL_PLUGINS_DIR")
    registry = load_plugins(Path(folder) if folder else None)
    registry.call_each("register_commands", cli=cli)


from . import catalog, documents, store  # noqa: E402,F401  (commands register on `cli`)
