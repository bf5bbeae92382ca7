"""The recommendations of earlier years not done, at the top of an inspection's first screen:
the team starts from what the unit left undone (recommendations.py says which, and how each
stands today). Hidden when there are none, and for other kinds of assessment."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ... import display
from ...i18n import _
from ...model import Assessment
from ...recommendations import FollowUps, Row, status_label
from ...workflow import Workflow

SHOWN = 4  # lines of recommendations; the rest are counted, and listed by the command line


class CarriedRecommendations(Static):
    DEFAULT_CSS = """
    CarriedRecommendations {
        height: auto;
        max-height: 7;
        padding: 0 1;
        background: $warning 15%;
        border-bottom: solid $warning;
    }
    """

    def __init__(self, flow: Workflow, assessment: Assessment):
        rows: list[Row] = []
        if assessment.kind == "inspection":
            rows = FollowUps(flow).carried(assessment.unit, assessment.year)
        super().__init__(carried_text(rows, assessment.unit), id="carried")
        self.rows = rows
        self.display = bool(rows)


def carried_text(rows: list[Row], unit: str) -> Text:
    text = Text(
        _("Recommendations of earlier years not done: {n}").format(n=len(rows)), style="bold"
    )
    for row in rows[:SHOWN]:
        r = row.record
        style = "bold red" if row.status == "overdue" else ""
        text.append("\n• ")
        text.append(f"[{status_label(row.status)}]", style=style)
        text.append(f" {r.year} · {r.area_title}: {r.text} ")
        text.append(_("(deadline {day})").format(day=display.day(r.deadline)), style="dim")
    if len(rows) > SHOWN:
        text.append("\n")
        text.append(
            _("… and {n} more: inspect-tool recommendations list --unit {unit}").format(
                n=len(rows) - SHOWN, unit=unit
            ),
            style="dim",
        )
    return text
