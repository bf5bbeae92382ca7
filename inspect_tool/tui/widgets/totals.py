"""The running totals, always visible: per area, the total, the index and the band."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ... import labels
from ...i18n import _
from ...methods import fmt
from ...scoring import Scores


class TotalsBar(Static):
    def show(self, scores: Scores, areas: list[str]) -> None:
        text = Text()
        for code in areas:
            text.append(f"{code}: ", style="bold")
            text.append(f"{fmt(scores.points[code])}/{fmt(scores.maxima[code])}  ")
        text.append("\n")
        text.append(labels.totals(scores), style="bold")
        text.append(
            "   " + _("Answered {n}/{total}").format(n=scores.answered, total=len(scores.status))
        )
        self.update(text)
