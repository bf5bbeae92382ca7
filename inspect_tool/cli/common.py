"""What every command shares: consoles, errors, JSON, and the context (core and store)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from .. import labels
from ..catalog import UnknownSetError
from ..core import Core, open_core
from ..i18n import _
from ..minutes import MinutesError
from ..output import OutputError
from ..store import Store, StoreError, open_store
from ..store.bundle import BundleError
from ..workflow import Workflow, WorkflowError
from ..yaml_lines import ProblemsError

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(messages: list[str] | str, code: int = 1) -> None:
    """Each message on stderr and exit `code`; under --json, also one JSON object on stdout,
    `{"error": …, "problems": [...]}`, since a script reads stdout."""
    messages = [messages] if isinstance(messages, str) else list(messages)
    for message in messages:
        err.print(message, markup=False)
    context = click.get_current_context(silent=True)
    if context is not None and context.params.get("as_json"):
        click.echo(
            json.dumps(
                {"error": messages[0] if messages else "", "problems": messages},
                ensure_ascii=False,
            )
        )
    sys.exit(code)


def bold(text: str) -> Text:
    """Bold text from data: never read as rich markup, so "[1]" in a title stays as typed."""
    return Text(text, style="bold")


level_label, kind_label, state_label, side_label = (
    labels.level,
    labels.kind,
    labels.state,
    labels.side,
)


def echo_totals(scores: Any) -> None:
    """The closing line of a scored table: total, maximum, index and band."""
    click.echo(labels.totals(scores))


def dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class Ctx:
    """Opened lazily: `--help` and commands that need neither start fast."""

    def __init__(
        self, plugins_dir: Path | None, db: Path | str | None = None, user: str | None = None
    ):
        self.plugins_dir = plugins_dir
        self.db = db
        self.user = user
        self._core: Core | None = None
        self._store: Store | None = None

    @property
    def core(self) -> Core:
        if self._core is None:
            self._core = open_core(self.plugins_dir)
            self._warn(self._core.registry.reported)  # the start may have said some already
            seen = len(self._core.registry.problems)
            # a plugin may also fail later, inside a hook the command triggered
            click.get_current_context().call_on_close(lambda: self._warn(seen))
        return self._core

    def _warn(self, start: int) -> None:
        assert self._core is not None
        for problem in self._core.registry.problems[start:]:
            err.print(_("warning: {problem}").format(problem=problem), markup=False)

    def store(self, *, write: bool = True) -> Store:
        if self._store is None:
            self._store = open_store(self.db, user=self.user, write=write)
            click.get_current_context().call_on_close(self._store.close)
        return self._store

    def workflow(self) -> Workflow:
        return Workflow(self.core, self.store())


pass_ctx = click.make_pass_decorator(Ctx)
EXPECTED = (
    ProblemsError,
    UnknownSetError,
    StoreError,
    WorkflowError,
    BundleError,
    MinutesError,
    OutputError,
)

force_option = click.option("--force", is_flag=True, help="Replace the output file if it exists.")


def guard(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the errors that bad input causes into their message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ProblemsError as exc:
            fail([str(p) for p in exc.problems])
        except EXPECTED as exc:
            fail(str(exc))
        except OSError as exc:  # a full disk, a read-only store, a folder that is not there
            where = exc.filename or ""
            fail(f"{where}: {exc.strerror or exc}" if where else (exc.strerror or str(exc)))

    return wrapper


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
