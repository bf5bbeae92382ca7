"""The progress board in the app (the central store): every unit's assessments, their state,
items answered, index, band, last change and who, the counts per state; search as you type
(with or without diacritics), filter by kind of unit and state.

It follows the wards as they save: a thread worker listens to the store (`Store.watch`:
PostgreSQL LISTEN/NOTIFY on a dedicated connection) and reads the board again (one query) when
something was saved, or everything when its connection came back; the rows reach the screen
through `call_from_thread`, so typing in the search never waits for the database. Enter opens
the highlighted assessment. The board itself is inspect_tool/progress.py, as the command line
and the server show it.
"""

from __future__ import annotations

import threading
import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from .. import labels
from ..i18n import _
from ..model import LEVELS, STATES
from ..progress import NONE, Filters, build_board, counts_line, row_cells
from ..store import ProgressRow, Store


class ProgressScreen(Screen):
    """The live board (see the module docstring)."""

    CSS = """
    ProgressScreen #filters { height: auto; padding: 0 1; }
    ProgressScreen #search { width: 1fr; }
    ProgressScreen #kind, ProgressScreen #state { width: 24; }
    ProgressScreen #board { height: 1fr; }
    ProgressScreen #counts { height: auto; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", _("Back"), id="progress.back"),
        Binding("ctrl+f", "search", _("Search"), id="progress.search"),
    ]

    def __init__(self, store: Store):
        super().__init__()
        self.store = store
        self.rows: list[ProgressRow] = []
        self.reads = 0  # how many times the board was read (the tests wait on it)
        self._stop = threading.Event()
        self._shown: dict[str, tuple[str, ...]] = {}  # the table's rows: key → cells
        self._columns: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(
                placeholder=_("Search by code or name…"), id="search", select_on_focus=False
            )
            yield Select([(labels.level(k), k) for k in LEVELS], prompt=_("All kinds"), id="kind")
            yield Select(
                [(labels.state(s), s) for s in STATES] + [(_("not started"), NONE)],
                prompt=_("All states"),
                id="state",
            )
        table = DataTable(id="board", cursor_type="row", zebra_stripes=True)
        self._columns = table.add_columns(
            _("Code"),
            _("Unit"),
            _("Assessment"),
            _("State"),
            _("Answered"),
            _("Index %"),
            _("Band"),
            _("Last change"),
            _("By"),
        )
        yield table
        yield Static(id="counts")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Progress board")
        self.sub_title = _("waiting for the store…")
        self.query_one(DataTable).focus()
        self.listen()

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, exclusive=True, group="progress")
    def listen(self) -> None:
        """Read the board whenever a save is told (and at first, and after a reconnection)."""
        for _batch in self.store.watch(self._stop):  # type: ignore[attr-defined]
            if self._stop.is_set():
                break
            try:
                rows = self.store.progress()
            except Exception:  # the store went away between the notice and the read: the
                continue  # watch reconnects and says when to read everything again
            if self._stop.is_set():
                break
            try:
                self.app.call_from_thread(self.show_rows, rows)
            except RuntimeError:  # the app ended meanwhile
                break

    def show_rows(self, rows: list[ProgressRow]) -> None:
        self.rows = rows
        self.reads += 1
        self.sub_title = _("live, read at {time}").format(time=time.strftime("%H:%M:%S"))
        self.fill()

    def filters(self) -> Filters:
        kind = self.query_one("#kind", Select).value
        state = self.query_one("#state", Select).value
        return Filters(
            state="" if state is Select.NULL else str(state),
            unit_kind="" if kind is Select.NULL else str(kind),
            text=self.query_one("#search", Input).value[:200],
        )

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def fill(self) -> None:
        """Show the rows the filters keep: when they are the rows shown, only the cells that
        changed (a ward's answer), so a national board stays cheap to follow."""
        board = build_board(self.rows, self.filters())
        table = self.query_one(DataTable)
        shown = {row.id or f"unit:{row.unit}": row_cells(row) for row in board.rows}
        if list(shown) == list(self._shown):
            for key, cells in shown.items():
                old = self._shown[key]
                for column, before, after in zip(self._columns, old, cells, strict=True):
                    if before != after:
                        table.update_cell(key, column, after)
        else:
            cursor = table.cursor_row
            table.clear()
            for key, cells in shown.items():
                table.add_row(*cells, key=key)
            if shown:
                table.move_cursor(row=min(cursor, len(shown) - 1))
        self._shown = shown
        self.query_one("#counts", Static).update(counts_line(board))

    @on(DataTable.RowSelected)
    def open_row(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        if key and not key.startswith("unit:"):
            self.app.open_assessment(key)  # type: ignore[attr-defined]

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()
