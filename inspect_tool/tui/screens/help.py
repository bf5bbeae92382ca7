"""Help (F1, or `?` where it is not typed into a field): the keys of the screen it was opened
from, and on an assessment what the marks of the criteria tree mean."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, Static

from ...i18n import N_, _


def mark_words() -> dict[str, str]:
    """What each state of an item, shown as a mark in the tree, means."""
    return {
        "unanswered": _("not answered yet"),
        "answered": _("answered"),
        "na": _("not applicable"),
        "evidence": _("evidence required and missing"),
        "differs": _("differs from the self-assessment"),
        "pending": _("an entry typed but not saved yet"),
        "conflict": _("changed on the server and on a laptop (sync): F7 resolves it"),
    }


def extra_keys(screen: Screen) -> list[tuple[str, str]]:
    """Keys that are not bindings of the screen (Textual's own, typing) but worth knowing."""
    from .assessment import AssessmentScreen
    from .units import UnitsScreen

    if isinstance(screen, AssessmentScreen):
        return [
            ("tab", _("To the next field: the evidence, the note")),
            ("shift+tab", _("Back to the previous field, from the first to the criteria tree")),
            ("↑ ↓", _("In the tree: move between items")),
            ("f2", _("On an area or criterion in the tree: all its items not applicable")),
        ]
    if isinstance(screen, UnitsScreen):
        return [
            ("a…z 0…9", _("Search by code or name (with or without diacritics)")),
            ("enter", _("Open the assessment, or start one for a unit without")),
            ("tab", _("To the filters by kind and state")),
        ]
    return [("tab", _("Next field")), ("shift+tab", _("Previous field"))]


def keys_of(screen: Screen) -> list[tuple[str, str]]:
    """The screen's keys and the app's, with what they do, each once."""
    app = screen.app
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for node in (screen, app):
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                # the app's and screens' own keys (they have an id); Textual's own are below
                if not binding.id or not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                keys = [b for bs in node._bindings.key_to_bindings.values() for b in bs]
                shown = " ".join(
                    dict.fromkeys(
                        app.get_key_display(b) for b in keys if b.action == binding.action
                    )
                )
                rows.append((shown, binding.description))
    return rows + [(key, what) for key, what in extra_keys(screen)]


class HelpScreen(ModalScreen[None]):
    CSS_PATH = Path(__file__).with_name("dialog.tcss")
    DEFAULT_CLASSES = "dialog-screen"
    BINDINGS = [Binding("escape,f1,question_mark", "close", N_("Close"), id="help.close")]

    def __init__(self, under: Screen):
        super().__init__()
        self.keys = keys_of(under)
        self.marks: list[tuple[str, str]] = []
        self.about = ""  # the assessment's set, whole (the header may have room for its id)
        from .assessment import AssessmentScreen

        if isinstance(under, AssessmentScreen):
            cset = under.engine.cset
            self.about = f"{cset.title} ({cset.id} {cset.version})"
            from ..widgets.criteria_tree import MARKS

            words = mark_words()
            self.marks = [(sign, words.get(state, state)) for state, sign in MARKS.items()]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Label(_("Help"), id="dialog-title")
            if self.about:
                yield Label(_("Criteria set"), classes="section")
                yield Static(self.about, id="help-set", markup=False)
            yield Label(_("Keys"), classes="section")
            yield Static(self._table(self.keys), id="help-keys")
            if self.marks:
                yield Label(_("Marks in the criteria tree"), classes="section")
                yield Static(self._table(self.marks), id="help-marks")
                yield Static(
                    _("Points come before the title: (points/maximum)."), classes="section-note"
                )
            with Horizontal(id="buttons"):
                yield Button(_("Close"), variant="primary", id="close")

    @staticmethod
    def _table(rows: list[tuple[str, str]]) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, what in rows:
            table.add_row(Text(key), Text(what))
        return table

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()  # read from the top; arrows scroll, Esc closes

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
