"""The units of the province with this year's assessments: their state, progress, index and
band; search as you type, filter by kind and state, open one or start a new one."""

from __future__ import annotations

from pathlib import Path

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from ... import labels
from ...i18n import _, count
from ...model import KINDS, LEVELS, STATES, Assessment, Unit
from ...scoring import Scores
from ...workflow import Workflow
from ..search import fold, words


class UnitsScreen(Screen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("ctrl+n", "new", _("New assessment"), id="units.new"),
        Binding("ctrl+f", "search", _("Search"), id="units.search"),
        Binding("ctrl+r", "reload", _("Reload"), id="units.reload"),
    ]

    def __init__(self, flow: Workflow):
        super().__init__()
        self.flow = flow
        self.rows: dict[str, tuple[Unit, Assessment | None]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            # typing in the table carries on here: selecting all on focus would lose a letter
            yield Input(
                placeholder=_("Search by code or name…"), id="search", select_on_focus=False
            )
            yield Select([(labels.level(k), k) for k in LEVELS], prompt=_("All kinds"), id="kind")
            yield Select(
                [(labels.state(s), s) for s in STATES] + [(_("not started"), "none")],
                prompt=_("All states"),
                id="state",
            )
        table = DataTable(id="units", cursor_type="row", zebra_stripes=True)
        # what is looked for first comes first: on an 80-column screen the band still shows,
        # and the kind, which the unit's name mostly says already, is last
        table.add_columns(
            _("Code"),
            _("Unit"),
            _("Assessment"),
            _("State"),
            _("Index %"),
            _("Band"),
            _("Answered"),
            _("Kind"),
        )
        yield table
        # the highlighted row in full: on an 80-column screen the last columns are cut
        yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Units")
        self.sub_title = count("{n} unit", "{n} units", len(self.flow.store.units()))
        self.load()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        """Read the store again (an assessment may have changed in its screen)."""
        units = self.flow.store.units()
        by_unit: dict[str, list[Assessment]] = {}
        for a in self.flow.store.assessments():
            by_unit.setdefault(a.unit, []).append(a)
        self.entries = []
        for unit in units:
            mine = sorted(
                by_unit.get(unit.code, []), key=lambda a: (a.year, KINDS.index(a.kind), a.created)
            )
            folded = fold(f"{unit.code} {unit.name}")  # `son` finds "Sơn"
            for a in mine or [None]:
                self.entries.append((unit, a, self._scores(a), folded))
        self.fill()

    def _scores(self, a: Assessment | None) -> Scores | None:
        """None for a unit without an assessment, or one that no longer scores: that one is
        named, and the other units stay listed."""
        if a is None:
            return None
        try:
            return self.flow.scores(a)
        except (ValueError, LookupError) as exc:  # its set or a stored answer no longer checks
            self.notify(f"{a.unit} {a.year}: {exc}", severity="error", timeout=15)
            return None

    def fill(self) -> None:
        search = words(self.query_one("#search", Input).value)
        kind = self.query_one("#kind", Select).value
        state = self.query_one("#state", Select).value
        table = self.query_one(DataTable)
        table.clear()
        self.rows = {}
        self.details: dict[str, str] = {}
        for unit, a, scores, folded in self.entries:
            if not all(word in folded for word in search):
                continue
            if kind is not Select.NULL and unit.kind != kind:
                continue
            if state is not Select.NULL and (a.state if a else "none") != state:
                continue
            key = a.id if a else f"unit:{unit.code}"
            self.rows[key] = (unit, a)
            if a is None or scores is None:
                self.details[key] = f"{unit.code} {unit.name} · {labels.level(unit.kind)}"
                table.add_row(
                    unit.code, unit.name, "—", "", "", "", "", labels.level(unit.kind), key=key
                )
                continue
            self.details[key] = " · ".join(
                (
                    f"{unit.code} {unit.name}",
                    labels.level(unit.kind),
                    f"{labels.kind(a.kind)} {a.year}",
                    labels.state(a.state),
                    f"{scores.index:.2f}% {scores.band_label or '—'}",  # no band before an answer
                    _("answered {n}/{total}").format(n=scores.answered, total=len(scores.status)),
                )
            )
            table.add_row(
                unit.code,
                unit.name,
                f"{labels.kind(a.kind)} {a.year}",
                labels.state(a.state),
                f"{scores.index:.2f}",
                scores.band_label or "—",
                f"{scores.answered}/{len(scores.status)}",
                labels.level(unit.kind),
                key=key,
            )
        self.show_detail()

    @on(DataTable.RowHighlighted)
    def show_detail(self) -> None:
        table = self.query_one(DataTable)
        detail = ""
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            detail = self.details.get(key, "")
        self.query_one("#detail", Static).update(detail)

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def filters_changed(self) -> None:
        self.fill()

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        unit, a = self.rows[event.row_key.value]
        if a is None:
            self.action_new(unit.code)
        else:
            self.app.open_assessment(a.id)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """Typing in the table searches; Enter or Down in the search goes to the rows."""
        search = self.query_one("#search", Input)
        table = self.query_one(DataTable)
        # `?` is help: no unit's code or name has one
        if self.focused is table and event.is_printable and event.character not in (None, "?"):
            search.focus()
            search.insert_text_at_cursor(event.character)
            event.stop()
        elif self.focused is search and event.key in ("enter", "down") and table.row_count:
            table.focus()
            event.stop()

    def action_reload(self) -> None:
        self.load()

    def action_new(self, unit_code: str | None = None) -> None:
        from .new_assessment import NewAssessmentScreen

        if unit_code is None:
            table = self.query_one(DataTable)
            if table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                unit_code = self.rows[key][0].code

        def created(assessment_id: str | None) -> None:
            if assessment_id:
                self.load()
                self.app.open_assessment(assessment_id)

        self.app.push_screen(NewAssessmentScreen(self.flow, unit_code), created)
