"""The progress board: where every unit of the campaign stands, for the Department (a unit's
account sees its own).

Per unit its assessment(s): state, items answered of the set's items, index, band, the last
change and who made it; the counts per state; filters by state, kind of unit and text (code
or name, with or without diacritics). It is read from the stores' summaries in one query
(`Store.progress`), so it costs the same whether a unit answered one item or all of them; the
app's board (tui/progress.py), `inspect-tool progress` and the server's GET /progress all
build it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from . import display, labels
from .i18n import _
from .model import LEVELS, STATES
from .store.interface import ProgressRow, Store
from .text_rules import fold

NONE = "none"  # the state of a unit that has no assessment yet
MAX_QUERY = 200  # characters of a text search


@dataclass(frozen=True)
class Filters:
    state: str = ""  # one of STATES or NONE; "" = any
    unit_kind: str = ""  # one of LEVELS; "" = any
    text: str = ""  # words, each in the unit's code or name, diacritics or not
    year: int = 0  # 0 = any

    def __post_init__(self) -> None:
        if self.state not in ("", NONE, *STATES):
            raise ValueError(
                _("state must be one of {states}").format(states=", ".join((*STATES, NONE)))
            )
        if self.unit_kind not in ("", *LEVELS):
            raise ValueError(
                _("kind of unit must be one of {kinds}").format(kinds=", ".join(LEVELS))
            )
        if len(self.text) > MAX_QUERY:
            raise ValueError(_("the search is longer than {n} characters").format(n=MAX_QUERY))


@dataclass(frozen=True)
class Board:
    rows: tuple[ProgressRow, ...]  # the rows the filters keep
    counts: dict[str, int]  # per state (and NONE), under every filter but the state's
    units: int  # units under every filter but the state's


def state_of(row: ProgressRow) -> str:
    return row.state or NONE


def _kept(row: ProgressRow, filters: Filters, words: list[str]) -> bool:
    if filters.unit_kind and row.unit_kind != filters.unit_kind:
        return False
    if filters.year and row.id and row.year != filters.year:
        return False
    folded = fold(f"{row.unit} {row.unit_name}")
    return all(word in folded for word in words)


def build_board(rows: list[ProgressRow], filters: Filters = Filters()) -> Board:
    """The board of `rows` (Store.progress) under `filters`; pure, so the app and the server
    filter alike."""
    words = fold(filters.text).split()
    near = [r for r in rows if _kept(r, filters, words)]
    counts = {state: 0 for state in (*STATES, NONE)}
    for row in near:
        counts[state_of(row)] = counts.get(state_of(row), 0) + 1
    shown = [r for r in near if not filters.state or state_of(r) == filters.state]
    return Board(tuple(shown), counts, len({r.unit for r in near}))


def read_board(store: Store, filters: Filters = Filters()) -> Board:
    """The board as the store's account sees it (one query)."""
    return build_board(store.progress(), filters)


def filters_from(params: Mapping[str, str]) -> Filters:
    """Filters from a query string (GET /progress): state, kind, q, year; ValueError with
    what is wrong."""
    year = params.get("year", "") or "0"
    if not year.isdigit() or len(year) > 4:
        raise ValueError(_("'year' must be a year"))
    return Filters(
        state=params.get("state", ""),
        unit_kind=params.get("kind", ""),
        text=params.get("q", ""),
        year=int(year),
    )


def state_word(state: str) -> str:
    return _("not started") if state == NONE else labels.state(state)


def row_cells(row: ProgressRow) -> tuple[str, ...]:
    """A row as the app's board and the command line show it, in the reader's language."""
    started = bool(row.id)
    return (
        row.unit,
        row.unit_name,
        f"{labels.kind(row.kind)} {row.year}" if started else "—",
        state_word(state_of(row)),
        f"{row.answered}/{row.items}" if started else "",
        display.fixed(row.index) if started else "",
        row.band or ("—" if started else ""),
        display.moment(row.updated),
        row.by,
    )


def counts_line(board: Board) -> str:
    """'12 units   draft: 3   submitted: 4 …', under the board in the app and the command line."""
    counts = "   ".join(f"{state_word(s)}: {n}" for s, n in board.counts.items())
    return _("{n} units   {counts}").format(n=board.units, counts=counts)


def board_json(board: Board) -> dict:
    return {
        "units": board.units,
        "counts": board.counts,
        "rows": [asdict(row) for row in board.rows],
    }
