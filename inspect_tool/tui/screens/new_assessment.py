"""Starting an assessment: unit, year, criteria set and kind; refused with the reason."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ... import labels
from ...catalog import UnknownSetError
from ...i18n import N_, _
from ...model import KINDS
from ...workflow import DuplicateError, Workflow, WorkflowError


class NewAssessmentScreen(ModalScreen[str | None]):
    CSS_PATH = Path(__file__).with_name("dialog.tcss")
    DEFAULT_CLASSES = "dialog-screen"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="new.cancel")]

    def __init__(self, flow: Workflow, unit: str | None = None):
        super().__init__()
        self.flow = flow
        self.unit = unit

    def compose(self) -> ComposeResult:
        units = self.flow.store.units()
        latest = max((s.year for s in self.flow.core.catalog.sets), default=2025)
        # each label beside its field, and the whole scrolls: the buttons fit at 80×24
        with VerticalScroll(id="dialog"):
            yield Label(_("New assessment"), id="dialog-title")
            with Horizontal(classes="field"):
                yield Label(_("Unit"))
                yield Select(
                    [(f"{u.code} {u.name}", u.code) for u in units],
                    id="unit",
                    value=self.unit if self.unit in {u.code for u in units} else Select.NULL,
                    prompt=_("Choose"),
                )
            with Horizontal(classes="field"):
                yield Label(_("Year"))
                yield Input(str(latest), id="year")  # refused, never filtered
            with Horizontal(classes="field"):
                yield Label(_("Criteria set"))
                yield Select([], id="set", prompt=_("Choose"))
            with Horizontal(classes="field"):
                yield Label(_("Assessment kind"))
                yield Select(
                    [(labels.kind(k), k) for k in KINDS], id="kind", value="self", allow_blank=False
                )
            yield Static(id="error")
            with Horizontal(id="buttons"):
                yield Button(_("Create"), variant="primary", id="create")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.offer_sets()

    @on(Select.Changed, "#unit")
    @on(Input.Changed, "#year")
    def offer_sets(self) -> None:
        """Only the sets that score this unit's kind, the year's first; one is chosen for the
        user when it is the only one of the year."""
        unit = self.query_one("#unit", Select).value
        typed = self.query_one("#year", Input).value
        year = int(typed) if typed.isdigit() else None
        fitting = self.flow.sets_for(None if unit is Select.NULL else str(unit), year)
        chooser = self.query_one("#set", Select)
        current = chooser.value
        chooser.set_options([(f"{s.title} ({s.key})", s.key) for s in fitting])
        of_year = [s.key for s in fitting if s.year == year]
        if current in {s.key for s in fitting}:
            chooser.value = current
        elif len(of_year) == 1:
            chooser.value = of_year[0]

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#create")
    def create(self) -> None:
        unit = self.query_one("#unit", Select).value
        set_key = self.query_one("#set", Select).value
        year = self.query_one("#year", Input).value
        error = self.query_one("#error", Static)
        if unit is Select.NULL or set_key is Select.NULL or not year.isdigit():
            error.update(Text(_("Choose a unit, a year and a criteria set."), style="bold red"))
            return
        try:
            a = self.flow.new(
                str(unit), str(set_key), int(year), str(self.query_one("#kind", Select).value)
            )
        except DuplicateError as exc:  # refused: the existing one is offered instead
            error.update(Text(str(exc), style="bold red"))
            self.offer_existing(exc)
            return
        except (WorkflowError, UnknownSetError) as exc:
            error.update(Text(str(exc), style="bold red"))
            return
        self.dismiss(a.id)

    def offer_existing(self, exc: DuplicateError) -> None:
        from .confirm import ConfirmScreen

        def chosen(yes: bool | None) -> None:
            if yes:
                self.dismiss(exc.existing.id)

        self.app.push_screen(
            ConfirmScreen(
                _("Already there"),
                str(exc) + "\n" + _("A second one is not made. Open the existing one?"),
                _("Open it"),
                variant="primary",
            ),
            chosen,
        )
