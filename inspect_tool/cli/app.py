"""Starting the app from the command line: on the user's store, or on the demo store."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..i18n import _
from .common import Ctx, fail

KEYMAP_ENV = "INSPECT_TOOL_KEYMAP"


def keymap_path() -> Path:
    if os.environ.get(KEYMAP_ENV):
        return Path(os.environ[KEYMAP_ENV])
    from platformdirs import user_config_path

    return user_config_path("inspect-tool") / "keymap.yaml"


def run_app(ctx: Ctx) -> None:
    """Open the app; refuse, with the reason, when there is no terminal to draw on."""
    if not sys.stdout.isatty():
        fail(_("the app needs a terminal; use the subcommands (inspect-tool --help) in scripts"))
    from ..store import StoreError, StoreLocked
    from ..tui.app import InspectApp, load_keymap

    holder = ""
    try:
        try:
            store = ctx.store()
        except StoreLocked as exc:  # another window writes: this one reads, and says so
            holder = exc.holder
            store = ctx.store(write=False)
    except StoreError as exc:
        fail(str(exc))
    InspectApp(ctx.core, store, keymap=load_keymap(keymap_path()), lock_holder=holder).run()
