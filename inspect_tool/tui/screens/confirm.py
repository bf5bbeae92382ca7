"""Asking before a step that locks or deletes: what it does in words, the step on one button,
Cancel on the other. The focus starts on Cancel, so Enter alone never takes the step."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ...i18n import N_, _


class ConfirmScreen(ModalScreen[bool]):
    """True when the person chose the step, False when they cancelled (Esc, Enter, Cancel)."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen #confirm {
        width: 70;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 1 2;
        border: thick $warning;
        background: $surface;
    }
    ConfirmScreen #confirm-title {
        text-style: bold;
    }
    ConfirmScreen #confirm-buttons {
        height: auto;
        margin-top: 1;
    }
    ConfirmScreen #confirm-buttons Button {
        margin-right: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="confirm.cancel")]

    def __init__(self, title: str, message: str, step: str, *, variant: str = "warning"):
        super().__init__()
        self.title_text = title
        self.message = message
        self.step = step
        self.variant = variant

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="confirm"):
            yield Label(self.title_text, id="confirm-title")
            yield Static(Text(self.message), id="confirm-message")
            with Horizontal(id="confirm-buttons"):
                yield Button(self.step, variant=self.variant, id="confirm-yes")  # type: ignore[arg-type]
                yield Button(_("Cancel"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def confirmed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)
