"""The units of the province with this year's assessments: their state, progress, index and
band; search as you type, filter by kind and state, open one or start a new one."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static
from textual.widgets.data_table import ColumnKey

from ... import display, labels
from ...i18n import N_, _, count
from ...model import KINDS, LEVELS, STATES, Assessment, Unit
from ...store import Summary, can_watch
from ...workflow import Workflow
from ..search import fold, words
from ..widgets.units_table import UnitsTable


@dataclass(frozen=True, eq=False)
class Entry:
    """One row of the table, made once per read: its cells and its detail line."""

    key: str
    unit: Unit
    summary: Summary | None
    folded: str  # code and name without diacritics, for the search
    cells: tuple[str, ...]
    detail: str

    @cached_property
    def texts(self) -> tuple[Text, ...]:
        """The cells as the table shows them, made once."""
        return tuple(map(_cell, self.cells))


def column_labels() -> tuple[str, ...]:
    # what is looked for first comes first, and the kind, which the unit's name mostly says
    # already, last
    return (
        _("Code"),
        _("Unit"),
        _("Assessment"),
        _("State"),
        _("Index %"),
        _("Band"),
        _("Answered"),
        _("Kind"),
    )


COLUMNS = range(8)
WIDE = 100  # columns of the screen from which every column of the table shows
# narrower, in turn: without the kind, then without the band too (at 80 columns)
NARROW = ((0, 1, 2, 3, 4, 5, 6), (0, 1, 2, 3, 4, 6))


@dataclass(frozen=True)
class Snapshot:
    """What one read of the store gives the screen: made off the screen's thread."""

    units: tuple[Unit, ...]
    summaries: tuple[Summary, ...]
    broken: tuple[tuple[Assessment, str], ...]  # assessments that cannot be scored here, why


def _cell(text: str) -> Text:
    """A cell as plain text: a name is never read as Rich markup (`[/]` in a unit's name
    would stop the screen), and one cut by a narrow column ends with an ellipsis."""
    return Text(text, end="", no_wrap=True, overflow="ellipsis")


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
            f"{display.fixed(s.index)}% {s.band or '—'}",  # no band before an answer
            _("answered {n}/{total}").format(n=s.answered, total=s.items),
        )
    )
    cells = (
        unit.code,
        unit.name,
        f"{labels.kind(s.kind)} {s.year}",
        labels.state(s.state),
        display.fixed(s.index),
        s.band or "—",
        f"{s.answered}/{s.items}",
        labels.level(unit.kind),
    )
    return Entry(s.id, unit, s, folded, cells, detail)


class UnitsScreen(Screen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("ctrl+n", "new", N_("New assessment"), id="units.new"),
        Binding("ctrl+f", "search", N_("Search"), id="units.search"),
        # read again on every return and by the sync: in the help, left out of the footer
        Binding("ctrl+r", "reload", N_("Reload"), id="units.reload", show=False),
        Binding("ctrl+e", "reports", N_("Reports"), id="units.reports"),
        # -- campaigns: the board and the explanation round (tui/campaign.py)
        Binding("ctrl+g", "campaign", N_("Campaign"), id="units.campaign", show=False),
        # the central store only (check_action): the live board of every unit
        Binding("ctrl+b", "progress", N_("Progress board"), id="units.progress"),
    ]

    def __init__(self, flow: Workflow):
        super().__init__()
        self.flow = flow
        self.rows: dict[str, tuple[Unit, Summary | None]] = {}
        self.entries: list[Entry] = []
        self.details: dict[str, str] = {}
        self._shown: list[str] | None = None  # the keys in the table, in order
        self._loaded = False
        self._snapshot = Snapshot((), (), ())
        self._opened: str | None = None  # the assessment opened from here
        self._made: dict[tuple, Entry] = {}  # rows made, by unit and summary
        self._folded: dict[Unit, str] = {}
        self._told: set[str] = set()  # assessments named as not scoring
        self._unit_width: int | None = None

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
        table = UnitsTable(id="units", cursor_type="row", zebra_stripes=True)
        # the columns are added once the screen's width is known (`lay_out`)
        self.columns: dict[int, ColumnKey] = {}  # index in an entry's cells -> its column
        self.kept_columns: tuple[int, ...] = ()
        yield table
        # the highlighted row in full: on an 80-column screen the last columns are cut
        yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Units")
        self.apply(self.read())
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        """Back from an assessment: its row at once (from that one assessment), then the
        whole store read again off the screen's thread for what others changed meanwhile."""
        if not self._loaded:  # the first is on_mount
            return
        opened, self._opened = self._opened, None
        if opened is not None:
            self.refresh_one(opened)
        self.run_worker(
            self._read_in_thread,
            thread=True,
            exclusive=True,
            group="units-read",
            exit_on_error=False,
        )

    # -- reading --------------------------------------------------------------------------

    def read(self) -> Snapshot:
        """The units and the assessments' summaries (one read each, nothing scored). No
        widget is touched: a worker thread may call it."""
        units = self.flow.store.units()
        problems: dict[str, str] = {}
        listed: list[Summary] = list(self.flow.summaries(problems))
        broken = []
        for assessment_id, why in problems.items():  # named, and listed without figures
            try:
                broken.append((self.flow.store.assessment(assessment_id), why))
            except (KeyError, ValueError):  # gone meanwhile, or damaged: said when opened
                continue
        return Snapshot(tuple(units), tuple(listed), tuple(broken))

    def _read_in_thread(self) -> None:
        """The store read again off the screen's thread. The app may quit meanwhile (its
        store closed, its loop gone): then there is nothing to show, and nothing to say."""
        try:
            snapshot = self.read()
            self.app.call_from_thread(self.apply, snapshot)
        except Exception:  # noqa: BLE001 (a later read, Ctrl+R, says what is wrong)
            return

    def refresh_one(self, assessment_id: str) -> None:
        """One assessment's row brought up to date, the others kept as they are."""
        try:
            a = self.flow.get(assessment_id)
            summary = self.flow.summary(a)
        except (ValueError, LookupError):  # deleted, or no longer scores: the full read says
            return
        before = next((e for e in self.entries if e.key == assessment_id), None)
        listed = [s for s in self._snapshot.summaries if s.id != assessment_id] + [summary]
        self._snapshot = dataclasses.replace(self._snapshot, summaries=tuple(listed))
        if before is None or before.summary is None:  # a new row: placed among the others
            self.apply(self._snapshot)
            return
        entry = _entry(before.unit, summary, before.folded)
        self._made[(before.unit, summary)] = entry
        self.entries = [entry if e is before else e for e in self.entries]
        self.details[entry.key] = entry.detail
        if entry.key in self.rows:
            table = self.query_one(DataTable)
            for i, (was, now) in enumerate(zip(before.cells, entry.cells, strict=True)):
                if was != now and i in self.columns:
                    table.update_cell(entry.key, self.columns[i], entry.texts[i])
            self.rows[entry.key] = (entry.unit, summary)
        self.show_detail()

    # -- showing --------------------------------------------------------------------------

    def entries_of(self, snapshot: Snapshot) -> list[Entry]:
        """The rows of a snapshot; a row already made for the same unit and summary is
        reused, so a read that changed one assessment remakes one row, not 3,000."""
        by_unit: dict[str, list] = {}
        for s in snapshot.summaries:
            by_unit.setdefault(s.unit, []).append(s)
        for a, _why in snapshot.broken:
            by_unit.setdefault(a.unit, []).append(a)
        made: dict[tuple, Entry] = {}
        entries = []
        for unit in snapshot.units:
            mine = by_unit.get(unit.code)
            if mine and len(mine) > 1:
                mine.sort(key=lambda s: (s.year, KINDS.index(s.kind), s.created))
            for s in mine or (None,):
                # one that cannot be scored is listed by its header (its items: no hash)
                key = (unit, s if isinstance(s, Summary) or s is None else (s.id, s.state))
                entry = self._made.get(key)
                if entry is None:
                    folded = self._folded.get(unit)
                    if folded is None:
                        folded = self._folded[unit] = fold(f"{unit.code} {unit.name}")
                    entry = _entry(unit, s, folded)  # `son` finds "Sơn"
                made[key] = entry
                entries.append(entry)
        self._made = made
        return entries

    def apply(self, snapshot: Snapshot) -> None:
        """Show a snapshot: only what changed since the last one."""
        if not self.is_attached:
            return
        first = not self._loaded
        self._loaded = True
        self._snapshot = snapshot
        self.sub_title = count("{n} unit", "{n} units", len(snapshot.units))
        for a, why in snapshot.broken:
            if first or a.id not in self._told:
                self.notify(f"{a.unit} {a.year}: {why}", severity="error", timeout=15)
        self._told = {a.id for a, _why in snapshot.broken}
        entries = self.entries_of(snapshot)
        old = {e.key: e for e in self.entries}
        self.entries = entries
        self.details = {e.key: e.detail for e in entries}
        if self.lay_out(self.size.width or self.app.size.width):
            return  # the columns changed: the table was filled again
        if self._shown is not None and [e.key for e in entries] == list(old):
            # the same rows: change only the cells that differ (an answer, a state)
            table = self.query_one(DataTable)
            shown = set(self._shown)
            for e in entries:
                before = old[e.key]
                if e is before or e.key not in shown or e.cells == before.cells:
                    continue
                for i, (was, now) in enumerate(zip(before.cells, e.cells, strict=True)):
                    if was != now and i in self.columns:
                        table.update_cell(e.key, self.columns[i], e.texts[i])
            self.rows = {e.key: (e.unit, e.summary) for e in entries if e.key in shown}
            self.show_detail()
            return
        self.fill(force=True)

    # -- columns for the width ----------------------------------------------------------------

    def on_resize(self) -> None:
        if self.kept_columns and self.size.width:
            self.lay_out(self.size.width)

    def lay_out(self, width: int) -> bool:
        """Every column where the screen is wide; on a narrow one (80 columns) those that
        fit whole, the unit's name given what is left (cut with an ellipsis): the kind and
        the band go first, the detail line below shows them for the highlighted row."""
        layout, unit_width = tuple(COLUMNS), None
        if width < WIDE:  # the first set whose others leave the name room enough
            widths = self._widths()
            for layout in NARROW:
                others = sum(widths[i] + 2 for i in layout if i != 1)
                unit_width = width - 1 - others - 2  # the scrollbar, the name's padding
                if unit_width >= min(widths[1], 16):
                    break
            unit_width = max(12, unit_width or 0)
        if layout == self.kept_columns and unit_width == self._unit_width:
            return False
        self.kept_columns, self._unit_width = layout, unit_width
        table = self.query_one(UnitsTable)
        table.clear(columns=True)
        labels_ = column_labels()
        self.columns = {
            i: table.add_column(labels_[i], width=unit_width if i == 1 else None) for i in layout
        }
        self.fill(force=True)
        return True

    def _widths(self) -> list[int]:
        """Each column's widest cell (its label included)."""
        widths = [cell_len(label) for label in column_labels()]
        for e in self.entries:
            for i, cell in enumerate(e.cells):
                if len(cell) > widths[i]:  # most are ASCII or composed Vietnamese
                    widths[i] = max(widths[i], cell_len(cell))
        return widths

    def fill(self, force: bool = False) -> None:
        """Show the entries the search and filters keep; the table is refilled only when
        the rows kept are not the ones shown (in one go: `UnitsTable.add_plain_rows`)."""
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
        table = self.query_one(UnitsTable)
        table.clear()
        layout = self.kept_columns
        table.add_plain_rows([(e.key, [e.texts[i] for i in layout]) for e in kept])
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
            self._opened = a.id  # its row is brought up to date first on return
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
        self.apply(self.read())

    def action_new(self, unit_code: str | None = None) -> None:
        from .new_assessment import NewAssessmentScreen

        if unit_code is None:
            table = self.query_one(DataTable)
            if table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                unit_code = self.rows[key][0].code

        def created(assessment_id: str | None) -> None:
            if assessment_id:
                self.refresh_one(assessment_id)
                self._opened = assessment_id
                self.app.open_assessment(assessment_id)

        self.app.push_screen(NewAssessmentScreen(self.flow, unit_code), created)

    def action_reports(self) -> None:
        """The ranking and the appraisal's changes, made from here (screens/reports.py)."""
        from .reports import ReportsScreen

        self.app.push_screen(ReportsScreen(self.flow))

    # -- campaigns ---------------------------------------------------------------------------

    def action_campaign(self) -> None:
        """The latest campaign's board (tui/campaign.py)."""
        from ..campaign import CampaignScreen, latest_campaign

        campaign_id = latest_campaign(self.flow)
        if not campaign_id:
            self.notify(_("no campaign yet: plan one with `inspect-tool campaign new`"))
            return
        self.app.push_screen(CampaignScreen(self.flow, campaign_id))

    # -- the progress board (the central store) ------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "progress":
            return can_watch(self.flow.store)
        return True

    def action_progress(self) -> None:
        from ..progress import ProgressScreen

        if can_watch(self.flow.store):
            self.app.push_screen(ProgressScreen(self.flow.store))
