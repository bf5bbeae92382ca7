"""The running totals, always visible: per area, the total, the index and the band."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

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
        text.append(
            _("Total {total}/{max}").format(
                total=f"{scores.total:.2f}", max=fmt(scores.max_points)
            ),
            style="bold",
        )
        text.append("   " + _("Index {index}%").format(index=f"{scores.index:.2f}"))
        text.append("   " + _("Band: {band}").format(band=scores.band_label or "—"), style="bold")
        text.append(
            "   " + _("Answered {n}/{total}").format(n=scores.answered, total=len(scores.status))
        )
        self.update(text)
