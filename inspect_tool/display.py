"""Figures and dates as the reader's language writes them, for the app and the command line's
human output.

Vietnamese writes 82,93 and 22/01/2025, as the documents do (vn_format); English keeps 82.93 and
the ISO date the store holds. The language is the one in force when a text is made
(`i18n.current_language`), so switching it changes every screen drawn after. Machine output
(--json, the server) never comes through here: it keeps the stored values.
"""

from __future__ import annotations

import string
from typing import Any

from . import vn_format
from .i18n import current_language
from .methods import fmt


def vietnamese() -> bool:
    return current_language() == "vi"


def points(value: float) -> str:
    """Points: 7,5 / 7.5; 2; never -0."""
    return vn_format.points(value) if vietnamese() else fmt(value)


def score(got: float, maximum: float) -> str:
    """'6,33/7' / '6.33/7': points of a maximum."""
    return f"{points(got)}/{points(maximum)}"


def fixed(value: float, decimals: int = 2) -> str:
    """A figure with a fixed number of decimals (an index, a total): 82,93 / 82.93; never -0."""
    if vietnamese():
        return vn_format.number(value, decimals)
    return f"{round(value, decimals) + 0.0:.{decimals}f}"  # adding 0.0 turns -0.0 into 0.0


def day(text: str | None) -> str:
    """A stored ISO date: 22/01/2025 in Vietnamese, as stored in English; anything else (a
    date not understood, a value typed) as it was written."""
    return vn_format.date_text(text) if vietnamese() else (text or "")


def date_example() -> str:
    """The example a date field shows in grey: what the reader would type."""
    return "31/01/2025" if vietnamese() else "2025-01-31"


def formatter() -> string.Formatter | None:
    """The formatter of scorers' explanations (Scores.explanation): the document's own in
    Vietnamese, None (the plain one) in English."""
    return vn_format.DOCUMENT_FORMATTER if vietnamese() else None


def typed(kind: str, value: Any) -> str:
    """A stored input value as its field shows it for editing: a date as the reader writes it,
    a number with the reader's decimal sign and never rounded (what is shown is what is saved
    again when the answer is accepted unchanged)."""
    if value is None:
        return ""
    if kind == "date":
        return day(str(value))
    if isinstance(value, float) and vietnamese():
        return str(value).replace(".", ",")
    return str(value)


def moment(text: str | None) -> str:
    """A stored date and time to the minute, in the time it was written (Vietnam's):
    20/11/2025 08:30 in Vietnamese, 2025-11-20 08:30 in English; anything else as written."""
    parsed = vn_format.parse_moment(text)
    if parsed is None:
        return text or ""
    return f"{parsed:%d/%m/%Y %H:%M}" if vietnamese() else f"{parsed:%Y-%m-%d %H:%M}"


def time_example(clock: str) -> str:
    """The example a date-and-time field shows in grey, at `clock` (08:30)."""
    return f"20/11/2025 {clock}" if vietnamese() else f"2025-11-20T{clock}"
