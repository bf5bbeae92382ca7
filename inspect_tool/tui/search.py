"""Searching as people type in Vietnam: with or without diacritics (`mot cua` finds "một
cửa", `son` finds "Sơn"), any case, every word somewhere in the text, in any order."""

from __future__ import annotations

from rich.text import Text

from ..text_rules import fold  # noqa: F401 (re-exported: the core's board searches alike)


def words(query: str) -> list[str]:
    return fold(query).split()


def matches(query_words: list[str], folded: str) -> bool:
    """Whether every word of the query is in `folded` (a text already through `fold`)."""
    return all(word in folded for word in query_words)


def highlight(text: str, query_words: list[str], style: str = "bold reverse") -> Text:
    """`text` with the parts the query matched styled. Folding keeps one character per
    character of `text` (NFC input, as the sets' YAML is), so positions carry over."""
    shown = Text(text)
    folded = fold(text)
    if len(folded) != len(text):
        return shown
    for word in query_words:
        start = folded.find(word)
        if start >= 0:
            shown.stylize(style, start, start + len(word))
    return shown
