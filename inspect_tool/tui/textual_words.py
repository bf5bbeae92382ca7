"""Textual's own words on screen (its widgets' key descriptions in the footer and the keys
panel, the palette's "No matches found"), in the user's language.

Textual writes them in English as class attributes. They are put in the user's language once
the app starts: every class's bindings are rebuilt from the English ones, so switching the
language between two apps (the tests do) translates from the original each time. The app's
own screens declare theirs in English too (`N_`), translated here the same way, through the
catalog: a description made at import time would stay in the language of the first import.
"""

from __future__ import annotations

import dataclasses

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.widgets.option_list import Option

from ..i18n import _, current_language


def textual_words() -> dict[str, str]:
    """Textual's English descriptions of keys and group titles, with their translation."""
    return {
        # the app, the screens
        "Quit the app and return to the command prompt.": _("Quit the app"),
        "Focus Next": _("Next field"),
        "Focus Previous": _("Previous field"),
        "Copy selected text": _("Copy the selected text"),
        # inputs
        "Input": _("Input"),
        "Scroll Up": _("Scroll up"),
        "Scroll Down": _("Scroll down"),
        "Scroll Left": _("Scroll left"),
        "Scroll Right": _("Scroll right"),
        "Scroll Home": _("Scroll to the top"),
        "Scroll End": _("Scroll to the bottom"),
        "Page Up": _("Page up"),
        "Page Down": _("Page down"),
        "Page Left": _("Page left"),
        "Page Right": _("Page right"),
        "Move cursor left": _("Cursor left"),
        "Move cursor right or accept the completion suggestion": _("Cursor right"),
        "Move cursor left and select": _("Select to the left"),
        "Move cursor right and select": _("Select to the right"),
        "Move cursor left a word": _("A word left"),
        "Move cursor right a word": _("A word right"),
        "Move cursor left a word and select": _("Select a word to the left"),
        "Move cursor right a word and select": _("Select a word to the right"),
        "Go to start": _("To the start"),
        "Go to end": _("To the end"),
        "Select all": _("Select all"),
        "Select line start": _("Select to the start"),
        "Select line end": _("Select to the end"),
        "Delete character left": _("Delete the character on the left"),
        "Delete character right": _("Delete the character on the right"),
        "Delete left to start of word": _("Delete the word on the left"),
        "Delete right to start of word": _("Delete the word on the right"),
        "Delete all to the left": _("Delete everything on the left"),
        "Delete all to the right": _("Delete everything on the right"),
        "Submit": _("Confirm"),
        "Cut selected text": _("Cut the selected text"),
        "Paste text from the clipboard": _("Paste"),
        # the criteria tree
        "Cursor Up": _("Up"),
        "Cursor Down": _("Down"),
        "Cursor to parent": _("To the parent"),
        "Cursor to next ancestor": _("To the next parent"),
        "Cursor to previous sibling": _("Previous on this level"),
        "Cursor to next sibling": _("Next on this level"),
        "Select": _("Choose"),
        "Toggle": _("Open or close"),
        "Expand or collapse all": _("Open or close all"),
        # the units table
        "Cursor up": _("Up"),
        "Cursor down": _("Down"),
        "Cursor left": _("Left"),
        "Cursor right": _("Right"),
        "Home": _("To the start"),
        "End": _("To the end"),
        "Page up": _("Page up"),
        "Page down": _("Page down"),
        "Top": _("To the top"),
        "Bottom": _("To the bottom"),
        # lists, checklists, buttons
        "Show menu": _("Open the list"),
        "Dismiss menu": _("Close the list"),
        "Up": _("Up"),
        "Down": _("Down"),
        "First": _("First"),
        "Last": _("Last"),
        "Toggle option": _("Tick or untick"),
        "Press button": _("Press"),
        # the command palette
        "Go to bottom": _("To the bottom"),
        "Go to top": _("To the top"),
        "Next command": _("Next command"),
        "Previous command": _("Previous command"),
        "Exit the command palette": _("Close"),
        "Next page": _("Next page"),
        "Previous page": _("Previous page"),
    }


_originals: dict[type, dict[str, list]] = {}
_titles: dict[type, str] = {}
_language_of: dict[type, str] = {}  # the language each class's key words are in


def _classes(cls: type) -> list[type]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_classes(sub))
    return found


def translate_textual() -> None:
    """Put Textual's key descriptions in the current language, in every class (the app's own
    subclasses of Textual's widgets carry copies). Call before the app's widgets are made."""
    textual = textual_words()
    for cls in _classes(DOMNode):
        merged = cls.__dict__.get("_merged_bindings")
        if merged is None:
            continue
        original = _originals.setdefault(
            cls, {key: list(bindings) for key, bindings in merged.key_to_bindings.items()}
        )
        _language_of[cls] = current_language()
        for key, bindings in original.items():
            merged.key_to_bindings[key] = [
                dataclasses.replace(
                    b,
                    description=_word(b.description, textual),
                    tooltip=_word(b.tooltip, textual),
                )
                for b in bindings
            ]
        title = cls.__dict__.get("BINDING_GROUP_TITLE")
        if title:
            original_title = _titles.setdefault(cls, title)
            cls.BINDING_GROUP_TITLE = _word(original_title, textual)


def translate_node(node: DOMNode) -> None:
    """A screen made from a class imported after the app started (the app imports most
    screens when first opened): its class's words put in the language now, and its own copy
    of its bindings made again from them."""
    cls = type(node)
    if cls._merged_bindings is None or _language_of.get(cls) == current_language():
        return
    translate_textual()
    node._bindings = cls._merged_bindings.copy()


def _word(english: str, textual: dict[str, str]) -> str:
    """A key's words in the current language: Textual's from the table above, the app's own
    (any other: they are in the catalog) through `_`."""
    if not english:
        return english
    return textual.get(english) or _(english)


class Palette(CommandPalette):
    """Textual's command palette, saying "no matches" in the user's language."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
