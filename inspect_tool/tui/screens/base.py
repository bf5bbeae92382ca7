"""What the secondary screens share: doing one workflow step and showing its refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from ...i18n import _
from ...workflow import WorkflowError


class WorkflowScreen(Screen):
    """A screen with an `#error` Static and a `show()` that redraws it from the store. A
    refusal is shown there and in a notification, which is seen however small the screen."""

    def show(self) -> None:
        raise NotImplementedError

    def attempt(self, action: Callable[[], Any]) -> bool:
        """Run one workflow step; show its refusal in words, or redraw after it. Whether it
        was done: what the user typed is cleared only then."""
        error = self.query_one("#error", Static)
        try:
            action()
        except WorkflowError as exc:
            error.update(Text(str(exc), style="bold red"))
            # the line under the form may be below the screen (80×24): said where one looks too
            self.notify(str(exc), title=_("Refused"), severity="error", markup=False)
            return False
        error.update("")
        self.show()
        return True
