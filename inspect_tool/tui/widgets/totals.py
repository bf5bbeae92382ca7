"""The running totals, always visible: per area, the total, the index and the band."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from ... import display, labels
from ...i18n import _
from ...scoring import Scores


class TotalsBar(Static):
    """Two lines: the areas' points, then the total. Where the areas do not fit in one line
    (80 columns, ten areas) they are written closer, then without their maxima (the tree
    shows them); if still too long, a line breaks only between two areas, never inside one."""

    _shown: tuple[Scores, tuple[str, ...]] | None = None

    def show(self, scores: Scores, areas: list[str]) -> None:
        self._shown = (scores, tuple(areas))
        room = (self.size.width or self.app.size.width) - 2  # its padding
        forms = (  # (separator, between code and points, with the maxima)
            ("  ", "\u00a0", True),  # a no-break space: the code stays with its points
            (" ", "", True),
            ("  ", "\u00a0", False),  # the points alone: the tree shows each area's maximum
        )
        for separator, joint, maxima in forms:
            parts = [
                (
                    f"{code}:{joint}",
                    display.score(scores.points[code], scores.maxima[code])
                    if maxima
                    else display.points(scores.points[code]),
                )
                for code in areas
            ]
            width = sum(cell_len(a + b) for a, b in parts) + len(separator) * (len(parts) - 1)
            if width <= room:
                break
        else:  # none fits in one line: the closest, broken between two areas
            separator, joint = " ", ""
            parts = [
                (f"{code}:", display.score(scores.points[code], scores.maxima[code]))
                for code in areas
            ]
        text = Text()
        for i, (code, points) in enumerate(parts):
            if i:
                text.append(separator)
            text.append(code, style="bold")
            text.append(points)
        text.append("\n")
        total = labels.totals(scores)
        answered = _("Answered {n}/{total}").format(n=scores.answered, total=len(scores.status))
        if cell_len(total) + 3 + cell_len(answered) > room:  # closer, not broken
            total = total.replace("   ", "  ")
        text.append(total, style="bold")
        text.append(("  " if "   " not in total else "   ") + answered)
        self.update(text)

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(self._shown[0], list(self._shown[1]))
