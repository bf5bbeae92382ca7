"""A sync conflict on an item (inspect_tool/server/sync.py): the server's value and the
laptop's side by side, and a choice, with a reason: keep one of them, or the value the form
shows now (typed since). `Workflow.resolve_conflict` records it; never resolved silently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ... import labels
from ...i18n import N_, _
from ...model import HEADER_FIELDS


def side_text(title: str, side: Mapping[str, Any] | None, code: str = "") -> Text:
    """One side of a conflict: its value in a few words, who changed it and when (`code`: a
    header field's name, whose value is its text or its records)."""
    side = side or {}
    value = side.get("value")
    text = Text(title + "\n", style="bold")
    if code in HEADER_FIELDS:
        text.append(labels.conflict_value(code, value))
    elif not value:
        text.append(_("nothing recorded"))
    elif value.get("na"):
        text.append(_("not applicable"))
    else:
        inputs = value.get("inputs") or {}
        text.append("\n".join(f"{k}: {v}" for k, v in inputs.items()) or _("no figures"))
        if value.get("note"):
            text.append("\n" + _("Note: {text}").format(text=value["note"]))
    who, when = side.get("who", ""), str(side.get("when", "")).replace("T", " ")[:16]
    if who or when:
        text.append("\n" + _("by {who}, {when}").format(who=who or "?", when=when or "?"))
    return text


def conflict_text(conflict: Mapping[str, Any]) -> Text:
    """Both sides, for the item view: the server's, then the laptop's."""
    text = Text(_("Sync conflict: changed on the server and on a laptop.") + " ", style="bold red")
    text.append(_("F7 resolves it.") + "\n", style="bold")
    text.append_text(side_text(_("Server"), conflict.get("server")))
    text.append("\n")
    text.append_text(side_text(_("Laptop"), conflict.get("laptop")))
    return text


class ConflictScreen(ModalScreen[tuple[str, str] | None]):
    """(choice, reason): choice "server", "laptop" or "typed"; None when cancelled."""

    DEFAULT_CSS = """
    ConflictScreen {
        align: center middle;
    }
    ConflictScreen #conflict {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 1 2;
        border: thick $warning;
        background: $surface;
    }
    ConflictScreen #conflict-sides {
        height: auto;
    }
    ConflictScreen #conflict-sides Static {
        width: 1fr;
        padding: 0 1;
        border: round $primary;
    }
    ConflictScreen #conflict-buttons {
        height: auto;
        margin-top: 1;
    }
    ConflictScreen #conflict-buttons Button {
        margin-right: 1;
    }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="conflict.cancel")]

    def __init__(self, code: str, conflict: Mapping[str, Any]):
        """`code`: an item's, or a header field's name (place, findings…)."""
        super().__init__()
        self.code = code
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        code, where = self.code, labels.conflict_place(self.code)
        header = code in HEADER_FIELDS
        now = _("Keep what it holds now") if header else _("Keep what the form shows")
        with VerticalScroll(id="conflict"):
            yield Label(
                _("{where}: changed on the server and on a laptop").format(where=where),
                id="conflict-title",
            )
            with Horizontal(id="conflict-sides"):
                server, laptop = self.conflict.get("server"), self.conflict.get("laptop")
                yield Static(side_text(_("Server"), server, code), id="server")
                yield Static(side_text(_("Laptop"), laptop, code), id="laptop")
            yield Label(_("Reason (required, recorded)"), classes="input-label")
            yield Input(id="conflict-reason")
            yield Static(id="conflict-problem")
            with Horizontal(id="conflict-buttons"):
                yield Button(_("Keep the server's"), id="take-server")
                yield Button(_("Keep the laptop's"), id="take-laptop")
                yield Button(now, id="take-typed")
                yield Button(_("Cancel"), id="conflict-cancel")

    def on_mount(self) -> None:
        self.query_one("#conflict-reason", Input).focus()

    @on(Button.Pressed, "#take-server,#take-laptop,#take-typed")
    def chosen(self, event: Button.Pressed) -> None:
        reason = self.query_one("#conflict-reason", Input).value.strip()
        if not reason:
            self.query_one("#conflict-problem", Static).update(
                Text(_("Write the reason first."), style="bold red")
            )
            self.query_one("#conflict-reason", Input).focus()
            return
        self.dismiss((str(event.button.id).removeprefix("take-"), reason))

    @on(Button.Pressed, "#conflict-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
