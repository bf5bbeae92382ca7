"""The units of the province with this year's assessments: their state, progress, index and
band; search as you type, filter by kind and state, open one or start a new one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from ... import labels
from ...i18n import _, count
from ...model import KINDS, LEVELS, STATES, Unit
from ...store import Summary, can_watch
from ...workflow import Workflow
from ..search import fold, words


@dataclass(frozen=True)
class Entry:
    """One row of the table, made once per read: its cells and its detail line."""

    key: str
    unit: Unit
    summary: Summary | None
    folded: str  # code and name without diacritics, for the search
    cells: tuple[str, ...]
    detail: str


def _entry(unit: Unit, s: Summary | None, folded: str) -> Entry:
    if s is None:
        return Entry(
            f"unit:{unit.code}",
            unit,
            None,
            folded,
            (unit.code, unit.name, "—", "", "", "", "", labels.level(unit.kind)),
            f"{unit.code} {unit.name} · {labels.level(unit.kind)}",
        )
    if not isinstance(s, Summary):  # an assessment that cannot be scored here
        return Entry(
            s.id,
            unit,
            s,  # type: ignore[arg-type]
            folded,
            (
                unit.code,
                unit.name,
                f"{labels.kind(s.kind)} {s.year}",
                labels.state(s.state),
                "",
                "",
                "",
                labels.level(unit.kind),
            ),
            f"{unit.code} {unit.name} · {labels.level(unit.kind)}",
        )
    detail = " · ".join(
        (
            f"{unit.code} {unit.name}",
            labels.level(unit.kind),
            f"{labels.kind(s.kind)} {s.year}",
            labels.state(s.state),
            f"{s.index:.2f}% {s.band or '—'}",  # no band before an answer
            _("answered {n}/{total}").format(n=s.answered, total=s.items),
        )
    )
    cells = (
        unit.code,
        unit.name,
        f"{labels.kind(s.kind)} {s.year}",
        labels.state(s.state),
        f"{s.index:.2f}",
        s.band or "—",
        f"{s.answered}/{s.items}",
        labels.level(unit.kind),
    )
    return Entry(s.id, unit, s, folded, cells, detail)


class UnitsScreen(Screen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("ctrl+n", "new", _("New assessment"), id="units.new"),
        Binding("ctrl+f", "search", _("Search"), id="units.search"),
        Binding("ctrl+r", "reload", _("Reload"), id="units.reload"),
        # the central store only (check_action): the live board of every unit
        Binding("ctrl+b", "progress", _("Progress board"), id="units.progress"),
    ]

    def __init__(self, flow: Workflow):
        super().__init__()
        self.flow = flow
        self.rows: dict[str, tuple[Unit, Summary | None]] = {}
        self.entries: list[Entry] = []
        self.details: dict[str, str] = {}
        self._shown: list[str] | None = None  # the keys in the table, in order
        self._loaded = False

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
        self.columns = table.add_columns(
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
        self.load()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        if self._loaded:  # back from an assessment: only what changed (the first is on_mount)
            self.load()

    def load(self) -> None:
        """Read the units and the assessments' summaries (one read each, nothing scored) and
        show what changed since the last read."""
        self._loaded = True
        units = self.flow.store.units()
        self.sub_title = count("{n} unit", "{n} units", len(units))
        problems: dict[str, str] = {}
        by_unit: dict[str, list[Summary]] = {}
        for s in self.flow.summaries(problems):
            by_unit.setdefault(s.unit, []).append(s)
        for assessment_id, why in problems.items():  # named, and listed without figures
            a = self.flow.store.assessment(assessment_id)
            self.notify(f"{a.unit} {a.year}: {why}", severity="error", timeout=15)
            by_unit.setdefault(a.unit, []).append(a)  # type: ignore[arg-type]
        entries = []
        for unit in units:
            mine = sorted(
                by_unit.get(unit.code, []), key=lambda s: (s.year, KINDS.index(s.kind), s.created)
            )
            folded = fold(f"{unit.code} {unit.name}")  # `son` finds "Sơn"
            for s in mine or [None]:
                entries.append(_entry(unit, s, folded))
        old = {e.key: e for e in self.entries}
        self.entries = entries
        self.details = {e.key: e.detail for e in entries}
        if self._shown is not None and [e.key for e in entries] == list(old):
            # the same rows: change only the cells that differ (an answer, a state)
            table = self.query_one(DataTable)
            shown = set(self._shown)
            for e in entries:
                if e.key in shown and e.cells != old[e.key].cells:
                    for column, before, after in zip(
                        self.columns, old[e.key].cells, e.cells, strict=True
                    ):
                        if before != after:
                            table.update_cell(e.key, column, after)
            self.rows = {e.key: (e.unit, e.summary) for e in entries if e.key in shown}
            self.show_detail()
            return
        self.fill(force=True)

    def fill(self, force: bool = False) -> None:
        """Show the entries the search and filters keep; the table is refilled only when
        the rows kept are not the ones shown."""
        search = words(self.query_one("#search", Input).value)
        kind = self.query_one("#kind", Select).value
        state = self.query_one("#state", Select).value
        kept = []
        for e in self.entries:
            if search and not all(word in e.folded for word in search):
                continue
            if kind is not Select.NULL and e.unit.kind != kind:
                continue
            if state is not Select.NULL and (e.summary.state if e.summary else "none") != state:
                continue
            kept.append(e)
        keys = [e.key for e in kept]
        if not force and keys == self._shown:
            return
        table = self.query_one(DataTable)
        table.clear()
        for e in kept:
            table.add_row(*e.cells, key=e.key)
        self._shown = keys
        self.rows = {e.key: (e.unit, e.summary) for e in kept}  # the rows shown
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

    # -- the progress board (the central store) ------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "progress":
            return can_watch(self.flow.store)
        return True

    def action_progress(self) -> None:
        from ..progress import ProgressScreen

        if can_watch(self.flow.store):
            self.app.push_screen(ProgressScreen(self.flow.store))
