"""Textual's footer, rebuilt only when the keys it shows change, and cut between keys.

Moving the focus from an input to a select (the next item's first field is of another kind)
changes the screen's bindings but not the keys the footer shows; Textual's footer then mounts
every key again, which made those steps the slowest. This one compares first.

On a narrow screen (80 columns) the keys and their words do not all fit: Textual's footer then
cuts one in the middle of a word. This one leaves out whole keys instead (PgUp first, then from
the end), never F1, whose help lists them all.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEPT = ("help", "app.help")  # the actions always shown
FIRST_LEFT_OUT = ("previous_item",)


def _width(key: FooterKey) -> int:
    """Its width on screen: the key and its words, a space between and one either side."""
    return cell_len(key.key_display) + cell_len(key.description) + 3


class KeysFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None
        self._width = 0

    def bindings_changed(self, screen: Screen) -> None:
        shown = tuple(
            (binding.key, binding.description, enabled)
            for _node, binding, enabled, _tooltip in screen.active_bindings.values()
            if binding.show
        )
        if shown == self._shown:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # only once it is really redrawn with them
        super().bindings_changed(screen)
        self.call_after_refresh(self.fit)

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self.call_after_refresh(self.fit)

    def fit(self) -> None:
        """Show the keys that fit, whole, in the order given; F1 always."""
        self._width = self.size.width
        keys = [k for k in self.query_children(FooterKey) if not k.has_class("-command-palette")]
        room = self.size.width - sum(
            _width(k) for k in self.query_children(FooterKey) if k.has_class("-command-palette")
        )
        widths = [_width(k) for k in keys]
        keep = [True] * len(keys)
        # the first to go are those paired with another shown (PgUp with PgDn), then from the end
        order = [i for i, k in enumerate(keys) if k.action in FIRST_LEFT_OUT]
        order += [i for i in reversed(range(len(keys))) if i not in order]
        for i in order:
            if sum(w for w, k in zip(widths, keep, strict=True) if k) <= room:
                break
            if keys[i].action not in KEPT:
                keep[i] = False
        for key, shown in zip(keys, keep, strict=True):
            if key.display != shown:
                key.display = shown
        columns = sum(keep) + (len(self.query_children(FooterKey)) - len(keys))
        if self.styles.grid_size_columns != columns:
            self.styles.grid_size_columns = columns
