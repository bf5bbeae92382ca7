"""The campaign board in the app, and its explanation round.

Opened from the units screen (ctrl+g). Above: every unit's step, its days left or late, its
contested items waiting, its recommendations overdue, and the counts per step; a detail line
for the highlighted unit holds what a narrow (80-column) board leaves out. Below, for the
highlighted unit: the items its appraisal changed with the Department's reason, the unit's
answer and the council's decision. The unit accepts or contests an item with a reason; the
Department decides a contested item (keep or change) with a reason and its name. Each step
goes through `CampaignFlow`, which checks it and logs it; a refusal is shown in words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Static

from .. import campaign as rules
from .. import display
from ..campaign import Campaign
from ..campaign_flow import BoardRow, CampaignFlow, days_text
from ..i18n import N_, _
from ..store import StoreError
from ..vn_format import date_short
from ..workflow import Workflow, WorkflowError
from ..yaml_lines import ProblemsError


def campaign_flow(flow: Workflow) -> CampaignFlow:
    """The app's CampaignFlow; holidays left out (weekends only) if the settings are wrong,
    which the documents' commands name."""
    try:
        return CampaignFlow(flow)
    except ProblemsError:
        return CampaignFlow(flow, holidays=frozenset())


#: screen columns from which every column of the board shows; below, the unit's name is
#: cut to what is left and the contested items and the index are in the detail line only
WIDE = 110
NARROW = ("unit", "step", "days", "waiting", "overdue")


def board_cells(row: BoardRow) -> dict[str, str]:
    """A board row's cells, by column."""
    return {
        "unit": f"{row.unit} {row.name}",
        "step": rules.step_label(row.step),
        "days": days_text(row),
        "contested": str(row.contested),
        "waiting": str(row.waiting),
        "overdue": str(row.overdue),
        "index": "—" if row.index is None else f"{row.index:.2f}",
    }


def board_labels() -> dict[str, str]:
    return {
        "unit": _("Unit"),
        "step": _("Step"),
        "days": _("Days"),
        "contested": _("Contested"),
        "waiting": _("Council"),
        "overdue": _("Recs overdue"),
        "index": _("Index %"),
    }


def board_detail(row: BoardRow) -> str:
    """The highlighted unit in one line: what a narrow board leaves out, and its dates."""
    return _(
        "{unit} {name} · self-scoring deadline {deadline} · explanations until {close} · "
        "items changed {changed}, contested {contested} · index {index}"
    ).format(
        unit=row.unit,
        name=row.name,
        deadline=date_short(rules.day_of(row.deadline)) if row.deadline else "—",
        close=date_short(rules.day_of(row.window_close)) if row.window_close else "—",
        changed=row.changed,
        contested=row.contested,
        index="—" if row.index is None else f"{row.index:.2f}",
    )


class CampaignScreen(Screen):
    DEFAULT_CSS = """
    CampaignScreen #counts { height: auto; padding: 0 1; background: $boost; }
    CampaignScreen #board { height: 2fr; }
    CampaignScreen #detail { height: auto; padding: 0 1; color: $text-muted; }
    CampaignScreen #items { height: 1fr; }
    CampaignScreen #form { height: auto; padding: 0 1; }
    CampaignScreen #form Input { width: 1fr; }
    CampaignScreen #form Button { min-width: 10; margin: 0 0 0 1; }
    CampaignScreen #error { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back"), id="campaign.back"),
        Binding("ctrl+r", "reload", N_("Reload"), id="campaign.reload"),
    ]

    def __init__(self, flow: Workflow, campaign_id: str):
        super().__init__()
        self.cf = campaign_flow(flow)
        self.campaign_id = campaign_id
        self.campaign: Campaign | None = None
        self.rows: list[BoardRow] = []
        self.unit = ""
        self.items: list[str] = []
        self.layout_key: tuple[tuple[str, ...], int | None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="counts")
        yield DataTable(id="board", cursor_type="row", zebra_stripes=True)
        yield Static(id="detail")
        items = DataTable(id="items", cursor_type="row")
        items.add_columns(
            _("Item"), _("Self"), _("Appraisal"), _("Reason"), _("Answer"), _("Decision")
        )
        yield items
        with Horizontal(id="form"):
            yield Input(placeholder=_("Reason (and evidence)"), id="reason")
            yield Input(placeholder=_("Council member's name"), id="by")
        with Horizontal(id="buttons"):
            yield Button(_("Accept"), id="accept")
            yield Button(_("Contest"), id="contest", variant="warning")
            yield Button(_("Keep"), id="keep")
            yield Button(_("Change"), id="change", variant="primary")
        yield Static(id="error")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Campaign {id}").format(id=self.campaign_id)
        self.show()
        self.query_one("#board", DataTable).focus()

    # -- drawing -----------------------------------------------------------------------------

    def show(self) -> None:
        """Read the board again and redraw it, keeping the highlighted unit."""
        self.campaign, self.rows = self.cf.board(self.campaign_id)
        counted = rules.counts(r.step for r in self.rows)
        self.sub_title = self.campaign.title or self.campaign.province
        self.query_one("#counts", Static).update(
            "  ".join(f"{rules.step_label(s)}: {n}" for s, n in counted.items() if n)
        )
        self.fill_board(force=True)

    def lay_out(self, width: int) -> tuple[tuple[str, ...], int | None]:
        """Every column where the screen is wide; on a narrow one (80 columns) the unit's
        name gets what the others leave (cut with an ellipsis), as the units table does."""
        labels = board_labels()
        if width >= WIDE:
            return tuple(labels), None
        cells = [board_cells(r) for r in self.rows]
        others = sum(
            max([cell_len(labels[c]), *(cell_len(row[c]) for row in cells)]) + 2
            for c in NARROW
            if c != "unit"
        )
        return NARROW, max(12, width - 1 - others - 2)  # the scrollbar, the name's padding

    def fill_board(self, force: bool = False) -> None:
        """The board's rows, its columns laid out for the screen's width."""
        layout = self.lay_out(self.size.width or self.app.size.width)
        if not force and layout == self.layout_key:
            return
        self.layout_key = layout
        columns, unit_width = layout
        labels = board_labels()
        board = self.query_one("#board", DataTable)
        board.clear(columns=True)
        for c in columns:
            board.add_column(labels[c], key=c, width=unit_width if c == "unit" else None)
        for r in self.rows:
            cells = board_cells(r)
            board.add_row(*(cells[c] for c in columns), key=r.unit)
        codes = [r.unit for r in self.rows]
        if self.unit in codes:
            board.move_cursor(row=codes.index(self.unit))
        elif codes:
            self.unit = codes[0]
        self.show_items()

    def on_resize(self) -> None:
        if self.rows:
            self.fill_board()

    def show_items(self) -> None:
        """The highlighted unit's changed items, its answers and the council's decisions."""
        table = self.query_one("#items", DataTable)
        table.clear()
        self.items = []
        row = next((r for r in self.rows if r.unit == self.unit), None)
        self.query_one("#detail", Static).update(board_detail(row) if row else "")
        if self.campaign is None or self.unit not in self.campaign.tracks:
            return
        track = self.campaign.tracks[self.unit]
        rows = [
            (c, display.points(b), display.points(a), why)
            for c, b, a, why in self.cf.changed_items(track)
        ]
        for code, decision in track.decisions.items():  # changed back by the council
            if all(code != r[0] for r in rows):
                rows.append((code, "", "", decision.reason))
        for code, before, after, why in rows:
            e, d = track.explanations.get(code), track.decisions.get(code)
            answer = ""
            if e is not None:
                answer = (
                    _("accepted")
                    if e.answer == "accept"
                    else _("contested: {why}").format(why=e.reason)
                )
            decided = ""
            if d is not None:
                decided = (_("kept") if d.outcome == "keep" else _("changed")) + f" ({d.by})"
            table.add_row(code, before, after, why, answer, decided, key=code)
            self.items.append(code)

    @on(DataTable.RowHighlighted, "#board")
    def unit_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value != self.unit:
            self.unit = str(event.row_key.value)
            self.show_items()

    def action_reload(self) -> None:
        self.show()

    # -- the explanation round ---------------------------------------------------------------

    def _item(self) -> str:
        table = self.query_one("#items", DataTable)
        if not table.row_count:
            return ""
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def attempt(self, action: Callable[[], Any]) -> bool:
        """One step; its refusal in words (here and in a notification), or the board again."""
        error = self.query_one("#error", Static)
        try:
            action()
        except (WorkflowError, StoreError) as exc:
            error.update(Text(str(exc), style="bold red"))
            self.notify(str(exc), title=_("Refused"), severity="error", markup=False)
            return False
        error.update("")
        self.query_one("#reason", Input).value = ""
        self.show()
        return True

    @on(Button.Pressed)
    def step_pressed(self, event: Button.Pressed) -> None:
        item = self._item()
        if not item:
            self.notify(_("choose an item the appraisal changed"), severity="warning")
            return
        reason = self.query_one("#reason", Input).value
        by = self.query_one("#by", Input).value
        unit, cid = self.unit, self.campaign_id
        what = event.button.id
        if what in ("accept", "contest"):
            self.attempt(lambda: self.cf.explain(cid, unit, item, str(what), reason))
        elif what in ("keep", "change"):
            self.attempt(lambda: self.cf.decide(cid, unit, item, str(what), reason, by))


def latest_campaign(flow: Workflow) -> str:
    """The id of the campaign of the latest year ("" when there is none)."""
    found = [flow.store.campaign(i) for i in flow.store.campaign_ids()]
    if not found:
        return ""
    return max(found, key=lambda c: (c.year, c.created)).id
