"""Textual's footer, rebuilt only when the keys it shows change.

Moving the focus from an input to a select (the next item's first field is of another kind)
changes the screen's bindings but not the keys the footer shows; Textual's footer then mounts
every key again, which made those steps the slowest. This one compares first.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None

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
