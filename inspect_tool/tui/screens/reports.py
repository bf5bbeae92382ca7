"""The reports across units from the app: the ranking of a year (at a stage) and the
appraisal's changes, as PDF, XLSX or CSV, written beside the store like the minutes.

The choices offered are the sets and years the store has assessments of, so a Department
makes the ranking it means without remembering a set's key; the report is the one
`inspect-tool report` writes, made in a worker so the app stays responsive."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from ...catalog import UnknownSetError
from ...i18n import N_, _
from ...reports import STAGES, report_file_name, stage_label, write_differences, write_ranking
from ...workflow import Workflow

FORMATS = (".pdf", ".xlsx", ".csv")


class ReportsScreen(ModalScreen[Path | None]):
    CSS_PATH = Path(__file__).with_name("dialog.tcss")
    DEFAULT_CLASSES = "dialog-screen"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="reports.cancel")]

    def __init__(self, flow: Workflow):
        super().__init__()
        self.flow = flow
        self.made: Path | None = None

    def compose(self) -> ComposeResult:
        self.summaries = self.flow.summaries()
        years = sorted({s.year for s in self.summaries}, reverse=True)
        with VerticalScroll(id="dialog"):
            yield Label(_("Reports"), id="dialog-title")
            with Horizontal(classes="field"):
                yield Label(_("Report"))
                yield Select(
                    [(_("Ranking"), "ranking"), (_("Appraisal's changes"), "differences")],
                    id="report",
                    value="ranking",
                    allow_blank=False,
                )
            with Horizontal(classes="field", id="set-field"):
                yield Label(_("Criteria set"))
                yield Select([], id="set", prompt=_("Choose"))
            with Horizontal(classes="field"):
                yield Label(_("Year"))
                yield Select(
                    [(str(y), y) for y in years],
                    id="year",
                    value=years[0] if years else Select.NULL,
                    prompt=_("Choose"),
                )
            with Horizontal(classes="field", id="stage-field"):
                yield Label(_("Stage"))
                yield Select(
                    [(stage_label(s), s) for s in STAGES],
                    id="stage",
                    value="final",
                    allow_blank=False,
                )
            with Horizontal(classes="field"):
                yield Label(_("Format"))
                yield Select(
                    [(f[1:].upper(), f) for f in FORMATS],
                    id="format",
                    value=".pdf",
                    allow_blank=False,
                )
            yield Static(id="error")
            with Horizontal(id="buttons"):
                yield Button(_("Make"), variant="primary", id="make")
                yield Button(_("Close"), id="cancel")

    def _set_title(self, key: str, width: int = 46) -> str:
        """The set's key and as much of its title as one line of the dialog holds at 80
        columns (a wrapped choice would push the buttons off a 24-line screen)."""
        try:
            title = f"{key} · {self.flow.core.criteria_set(key).title}"
        except UnknownSetError:  # a set the catalog no longer has: its key still names it
            return key
        return title if len(title) <= width else title[: width - 1] + "…"

    def on_mount(self) -> None:
        self.offer_sets()

    @on(Select.Changed, "#year")
    def offer_sets(self) -> None:
        """The sets the year's assessments use, the most used first and chosen."""
        year = self.query_one("#year", Select).value
        used = Counter(s.set_id for s in self.summaries if s.year == year)
        chooser = self.query_one("#set", Select)
        keys = [key for key, _n in used.most_common()]
        chooser.set_options([(self._set_title(key), key) for key in keys])
        if keys:
            chooser.value = keys[0]

    @on(Select.Changed, "#report")
    def show_ranking_fields(self) -> None:
        """The appraisal's changes are of a year across sets: no set, no stage."""
        ranking = self.query_one("#report", Select).value == "ranking"
        self.query_one("#stage-field").display = ranking
        self.query_one("#set-field").display = ranking

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(self.made)

    @on(Button.Pressed, "#make")
    def make(self) -> None:
        choice = {k: self.query_one(f"#{k}", Select).value for k in ("report", "set", "year")}
        missing = choice["year"] is Select.NULL or (
            choice["report"] == "ranking" and choice["set"] is Select.NULL
        )
        if missing:
            self.say(_("Choose a criteria set and a year."), error=True)
            return
        self.query_one("#make", Button).disabled = True
        self.say(_("Making the report…"))
        self.render_report(
            str(choice["report"]),
            str(choice["set"]),
            int(choice["year"]),
            str(self.query_one("#stage", Select).value),
            str(self.query_one("#format", Select).value),
        )

    def say(self, message: str, error: bool = False) -> None:
        self.query_one("#error", Static).update(Text(message, style="bold red" if error else ""))

    @work(thread=True, exclusive=True)
    def render_report(self, report: str, set_key: str, year: int, stage: str, fmt: str) -> None:
        """In a worker thread: a province's ranking as PDF takes seconds."""
        out = self.flow.store.files_dir / "reports"
        try:
            out.mkdir(exist_ok=True)
            if report == "ranking":
                out /= report_file_name(report, year, fmt, set_key, stage)
                write_ranking(self.flow, set_key, year, out, stage=stage)
            else:
                out /= report_file_name(report, year, fmt)
                write_differences(self.flow, year, out)
        except Exception as exc:  # shown to the user; the app keeps working
            self.app.call_from_thread(self.say, str(exc), True)
        else:
            self.made = out
            self.app.call_from_thread(self.say, _("Report written to {path}").format(path=out))
        self.app.call_from_thread(setattr, self.query_one("#make", Button), "disabled", False)
