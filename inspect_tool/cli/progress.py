"""`inspect-tool progress`: the progress board (inspect_tool/progress.py) on the command line."""

from __future__ import annotations

import click
from rich.table import Table

from ..i18n import _
from ..model import LEVELS, STATES
from ..progress import NONE, Board, Filters, board_json, counts_line, read_board, row_cells
from . import cli
from .common import Ctx, dump, guard, json_option, out, pass_ctx


@cli.command("progress")
@click.option("--state", type=click.Choice([*STATES, NONE]), default=None, help="Only this state.")
@click.option("--kind", "unit_kind", type=click.Choice(LEVELS), default=None, help="Kind of unit.")
@click.option("--search", "text", default="", help="Words in the unit's code or name.")
@click.option("--year", type=int, default=0, help="Only assessments of this year.")
@json_option
@pass_ctx
@guard
def progress(
    ctx: Ctx, state: str | None, unit_kind: str | None, text: str, year: int, as_json: bool
) -> None:
    """Where every unit stands: its assessments' state, items answered, index, band and last
    change (read from the summaries, as the account sees them)."""
    try:
        filters = Filters(state or "", unit_kind or "", text, year)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    board = read_board(ctx.store(write=False), filters)
    if as_json:
        dump(board_json(board))
        return
    print_board(board)


def print_board(board: Board) -> None:
    table = Table(
        _("Code"),
        _("Unit"),
        _("Assessment"),
        _("State"),
        _("Answered"),
        _("Index %"),
        _("Band"),
        _("Last change"),
        _("By"),
        title=_("Progress"),
    )
    for row in board.rows:
        table.add_row(*row_cells(row))
    out.print(table)
    click.echo(counts_line(board))
